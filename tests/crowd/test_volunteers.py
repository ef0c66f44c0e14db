"""Volunteers as a stage of the selection: behaviour measured on a real export, deterministic
for a seed, Eq.-1 weighting beating the unweighted majority on simulated truth, a rule on
p_volunteer_cluster fitted like any other, and a subject set read back."""

import numpy as np
import pytest
from astropy.table import Table

from selfunc.campaign.volunteers import campaign_volunteers
from selfunc.cli import main
from selfunc.crowd import aggregate, load_tree, read_export, write_export
from selfunc.crowd.behaviour import load_behaviour, read_flat_votes, vote_statistics
from selfunc.crowd.subjects import read_subjects, write_subjects
from selfunc.crowd.volunteers import (VOLUNTEER_COLUMNS, classify_subjects, screen_by_volunteers,
                                      volunteer_rng)
from selfunc.errors import SelfuncError

CLASSES = ["low-z", "hi-z", "galaxy", "point", "other"]


def candidates(n, seed):
    """Candidates of known class; EXT_ML exponential (mean 60) for the stamps' clarity."""
    rng = np.random.default_rng(seed)
    return Table({"label": rng.choice(CLASSES, n, p=[0.3, 0.3, 0.05, 0.25, 0.1]),
                  "ext_ml": rng.exponential(60.0, n), "C1": rng.random(n) < 0.5})


def test_preset_is_the_real_exports_statistics(zooniverse_data):
    votes = read_flat_votes(zooniverse_data / "data_digging"
                            / "presence-or-absence-classifications-beta-extract.csv")
    s = vote_statistics(*votes)
    assert (s.n_volunteers, s.n_subjects, s.n_votes) == (262, 100, 3073)
    b = load_behaviour()
    assert len(s.agreement) == 150
    assert b.careless_fraction == pytest.approx(s.careless_fraction, abs=5e-5)  # 1 of 150
    assert b.malicious_fraction == s.malicious_fraction == 0.0
    assert b.good_accuracy[0] == pytest.approx(s.good_accuracy[0], abs=5e-4)
    assert s.good_accuracy[1] == 1.0 and b.good_accuracy[1] == 0.99  # capped: a good one can err
    assert b.activity_index == pytest.approx(s.activity_index, abs=5e-3)
    assert b.classifications_per_volunteer == pytest.approx(s.classifications_per_volunteer, abs=0.05)


def test_same_seed_same_columns_other_seed_other():
    cand = candidates(200, 1)
    mask = np.asarray(cand["label"]) != "other"
    a, _ = screen_by_volunteers(cand, mask, volunteer_rng(7))
    b, _ = screen_by_volunteers(cand, mask, volunteer_rng(7))
    c, _ = screen_by_volunteers(cand, mask, volunteer_rng(8))
    for col in VOLUNTEER_COLUMNS:
        assert np.array_equal(np.asarray(a[col]), np.asarray(b[col]), equal_nan=True), col
    assert not np.array_equal(np.asarray(a["p_volunteer_cluster"]),
                              np.asarray(c["p_volunteer_cluster"]), equal_nan=True)
    assert np.all(np.asarray(a["n_volunteer_votes"])[mask] == 30)  # §2: 30 per candidate
    assert np.all(np.asarray(a["n_volunteer_votes"])[~mask] == 0)
    assert np.isnan(np.asarray(a["p_volunteer_cluster"])[~mask]).all()


@pytest.mark.slow
def test_weighted_votes_beat_the_unweighted_majority():
    gains = []
    for seed in range(5):
        cand = candidates(400, 100 + seed)
        out, sc = screen_by_volunteers(cand, np.ones(len(cand), bool), volunteer_rng(seed))
        truth = np.isin(np.asarray(cand["label"]), ("low-z", "hi-z"))
        assert np.array_equal(sc.is_cluster, truth)
        w = np.asarray(out["p_volunteer_cluster"]) > 0.5
        u = np.asarray(out["p_volunteer_cluster_unweighted"]) > 0.5
        gains.append(np.mean(w == truth) - np.mean(u == truth))
        # as in the paper (Table 1), the crowd under-calls clusters but is pure
        assert np.mean(truth[w]) > 0.95 and 0.3 < np.mean(w[truth]) < 0.7
    # measured: +0.04 to +0.09 in accuracy on every seed
    assert min(gains) > 0.02 and np.mean(gains) > 0.04, gains


def test_bad_labels_and_paths_are_one_line():
    cand = candidates(20, 2)
    cand["label"][0] = "quasar"
    with pytest.raises(SelfuncError, match=r"label\(s\) \['quasar'\] have no true path"):
        screen_by_volunteers(cand, np.ones(20, bool), volunteer_rng(0))
    b = load_behaviour().model_copy(update={"paths": {"point": ("emission", "point")}})
    points = candidates(5, 3)
    points["label"] = "point"
    with pytest.raises(SelfuncError, match="does not follow tree"):
        screen_by_volunteers(points, np.ones(5, bool), volunteer_rng(0), behaviour=b)
    with pytest.raises(SelfuncError, match="screen selects none"):
        screen_by_volunteers(candidates(5, 3), np.zeros(5, bool), volunteer_rng(0))


@pytest.mark.slow
def test_a_rule_on_volunteer_votes_fits_like_any_other(tmp_path, capsys):
    from selection.conftest import write_campaign
    from selfunc.selection.function import SelectionFunction

    camp = write_campaign(tmp_path / "camp", n_pointings=20)
    with pytest.raises(SelfuncError, match="give --seed and --screen"):
        campaign_volunteers(camp)
    assert main(["crowd", "volunteers", str(camp), "--screen", "C1 or C2", "--seed", "3"]) == 0
    assert "simulated volunteers" in capsys.readouterr().out
    cand = Table.read(camp / "catalogues" / "candidates.h5")
    p = np.asarray(cand["p_volunteer_cluster"], float)
    shown = np.asarray(cand["C1"]) | np.asarray(cand["C2"])
    assert np.isfinite(p[shown]).all() and np.isnan(p[~shown]).all()
    again, _ = campaign_volunteers(camp, screen="C1 or C2", seed=3, write=False)
    assert np.array_equal(np.asarray(again["p_volunteer_cluster"]), p, equal_nan=True)
    rule = "C1 and p_volunteer_cluster > 0.5"
    assert main(["fit", str(camp), "--selection", rule, "--out", str(tmp_path / "s.h5"),
                 "--max-steps", "4000"]) == 0
    sf = SelectionFunction.load(tmp_path / "s.h5")
    assert sf.selection.expression == rule
    chosen = np.asarray(cand["C1"]) & (p > 0.5)
    assert 0 < chosen.sum() < np.asarray(cand["C1"]).sum()
    # the volunteers keep few AGN: the rule is purer than C1 alone
    is_cl = np.asarray(cand["is_cluster"])
    assert is_cl[chosen].mean() > is_cl[np.asarray(cand["C1"])].mean()


def test_subject_set_is_read_back_and_joins_the_crowd(tmp_path):
    rng = np.random.default_rng(0)
    n = 12
    ids = [f"00001-{k:05d}" for k in range(n)]
    xray = rng.integers(0, 256, (n, 16, 16, 3), dtype=np.uint8)
    comp = rng.integers(0, 256, (n, 16, 16, 3), dtype=np.uint8)
    labels = np.array(CLASSES * 3)[:n]
    path = write_subjects(tmp_path / "subjects", ids, {"xray": xray, "composite": comp},
                          {"label": labels, "ra": np.linspace(10, 11, n)})
    back = read_subjects(path.parent, load_images=True)
    assert back["subject_id"].tolist() == ids
    assert np.array_equal(back["pixels_xray"], xray) and np.array_equal(back["pixels_composite"], comp)
    assert back["label"].tolist() == labels.tolist()
    assert np.allclose(back["ra"].astype(float), np.linspace(10, 11, n))
    header = (tmp_path / "subjects" / "manifest.csv").read_text().splitlines()[0]
    assert header == "#subject_id,image_xray,image_composite,#label,#ra"
    # Simulated volunteers classify the subjects; their export is read back by the crowd reader.
    tree = load_tree()
    sc = classify_subjects(back["subject_id"], back["label"], np.ones(n), load_behaviour(),
                           np.random.default_rng(1), tree=tree)
    write_export(tmp_path / "export.csv", sc.result.classifications)
    cl, report = read_export(tmp_path / "export.csv", tree)
    assert report.n_classifications == 30 * n and not report.bad_rows
    subjects = aggregate(cl).subjects
    assert sorted(subjects["subject_id"].astype(str)) == ids
    assert np.allclose(np.asarray(subjects["weighted_score"]),
                       np.asarray(sc.result.subjects["weighted_score"]))
    (tmp_path / "subjects" / f"{ids[3]}_xray.png").unlink()
    with pytest.raises(SelfuncError, match="image 00001-00003_xray.png not found"):
        read_subjects(tmp_path / "subjects")


def test_cli_subjects_from_a_stamp_dataset(tmp_path, capsys):
    from cnn.conftest import tiny_dataset
    from selfunc.stamps import write_dataset

    ds = tiny_dataset(6)
    write_dataset(ds, tmp_path / "s.h5")
    assert main(["crowd", "subjects", str(tmp_path / "s.h5"), "--out", str(tmp_path / "set")]) == 0
    back = read_subjects(tmp_path / "set", load_images=True)
    assert back["subject_id"].tolist() == list(ds.ids)
    assert np.array_equal(back["pixels_xray"], ds.xray_rgb)
    assert np.array_equal(back["pixels_composite"], ds.inputs("composite"))
    assert back["label"].tolist() == list(ds.labels)
