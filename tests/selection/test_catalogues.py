import numpy as np
import pytest
from astropy.table import Table

from selfunc.errors import SelfuncError
from selfunc.selection.catalogues import (
    completeness_sample, matched_candidates, purity_sample, read_catalogues,
)
from selfunc.rules import Selection


def test_join_and_samples_follow_the_contract(campaign):
    cat = read_catalogues(campaign)
    truth, cand = cat.truth, cat.candidates
    sel = Selection.from_string("C1")
    s = completeness_sample(cat, sel)
    n_clusters = int(np.sum(np.asarray(truth["kind"]) == "cluster"))
    assert len(s) == n_clusters == 60 * 40
    # Independent join, row by row through Python dicts.
    by_key = {(int(p), int(c)): i
              for i, (p, c) in enumerate(zip(cand["pointing"], cand["cand_id"]))}
    rows = np.flatnonzero(np.asarray(truth["kind"]) == "cluster")
    expected = []
    for r in rows:
        m = int(truth["match"][r])
        expected.append(m >= 0 and bool(cand["C1"][by_key[(int(truth["pointing"][r]), m)]]))
    np.testing.assert_array_equal(s.outcome, expected)
    np.testing.assert_array_equal(s.values["detected"], np.asarray(truth["match"])[rows] >= 0)
    # Units: flux in erg/s/cm², core radius in arcsec, offaxis in arcmin.
    assert 5e-15 <= s.values["flux"].min() and s.values["flux"].max() <= 2e-13
    assert 5 <= s.values["core_radius"].min() and s.values["offaxis"].max() <= 13
    assert "redshift" in s.values and s.dropped == {}
    # Purity: the C1 candidates, labelled by is_cluster.
    pur = purity_sample(cat, sel)
    c1 = np.asarray(cand["C1"])
    assert len(pur) == c1.sum()
    np.testing.assert_array_equal(pur.outcome, np.asarray(cand["is_cluster"])[c1])
    # Every selected true cluster is a selected candidate with is_cluster.
    assert s.outcome.sum() == pur.outcome.sum()


def test_union_and_cnn_selections(campaign):
    cat = read_catalogues(campaign)
    n1 = completeness_sample(cat, Selection.from_string("C1")).outcome.sum()
    n12 = completeness_sample(cat, Selection.from_string("C1+C2")).outcome.sum()
    ncnn = completeness_sample(cat, Selection.from_string("C1+CNN")).outcome.sum()
    assert n12 > n1 > ncnn > 0


def test_units_are_converted(make_campaign):
    d = make_campaign(n_pointings=3, clusters_per_pointing=5, agn_per_pointing=2)
    path = d / "catalogues" / "truth.h5"
    t = Table.read(path, path="truth")
    t["core_radius"] = t["core_radius"].to("arcmin")
    t["offaxis"] = t["offaxis"].to("deg")
    t.write(path, path="truth", serialize_meta=True, overwrite=True)
    s = completeness_sample(read_catalogues(d), Selection("C1"))
    ref = Table.read(path, path="truth", character_as_bytes=False)
    cl = np.asarray(ref["kind"]) == "cluster"
    np.testing.assert_allclose(s.values["core_radius"], np.asarray(ref["core_radius"])[cl] * 60)
    np.testing.assert_allclose(s.values["offaxis"], np.asarray(ref["offaxis"])[cl] * 60)


def test_invalid_rows_are_dropped_and_counted(make_campaign):
    d = make_campaign(n_pointings=2, clusters_per_pointing=10, agn_per_pointing=2)
    path = d / "catalogues" / "truth.h5"
    t = Table.read(path, path="truth")
    t["core_radius"][0] = np.nan
    t["flux"][1] = -1.0
    t.write(path, path="truth", serialize_meta=True, overwrite=True)
    s = completeness_sample(read_catalogues(d), Selection("C1"))
    assert len(s) == 18
    assert s.dropped == {"invalid flux": 1, "invalid core_radius": 1}


@pytest.mark.parametrize("drop, message", [
    ({"candidates": ["C1"]}, "selection 'C1' needs column 'C1'.*candidates.h5"),
    ({"truth": ["match"]}, "truth.h5: table 'truth' lacks column\\(s\\) match"),
    ({"truth": ["offaxis"]}, "truth.h5 lacks column 'offaxis'"),
    ({"candidates": ["cand_id"]}, "candidates.h5: table 'candidates' lacks column\\(s\\) cand_id"),
])
def test_missing_columns_are_named(make_campaign, drop, message):
    d = make_campaign(n_pointings=2, clusters_per_pointing=5, agn_per_pointing=2, drop=drop)
    with pytest.raises(SelfuncError, match=message):
        completeness_sample(read_catalogues(d), Selection("C1"))


def test_missing_files_and_bad_joins(make_campaign, tmp_path):
    with pytest.raises(SelfuncError, match="no such campaign directory"):
        read_catalogues(tmp_path / "nowhere")
    d = make_campaign(n_pointings=2, clusters_per_pointing=5, agn_per_pointing=2)
    (d / "catalogues" / "pointings.h5").unlink()
    with pytest.raises(SelfuncError, match="pointings.h5: no such file"):
        read_catalogues(d)
    d = make_campaign(n_pointings=2, clusters_per_pointing=5, agn_per_pointing=2)
    path = d / "catalogues" / "truth.h5"
    t = Table.read(path, path="truth")
    t["match"][0] = 999
    t.write(path, path="truth", serialize_meta=True, overwrite=True)
    with pytest.raises(SelfuncError, match="match 999, but .*candidates.h5 has no such cand_id"):
        completeness_sample(read_catalogues(d), Selection("C1"))
    t["match"][0] = -1
    t["pointing"][0] = 77
    t.write(path, path="truth", serialize_meta=True, overwrite=True)
    with pytest.raises(SelfuncError, match="pointing\\(s\\) 77 are not in pointings.h5"):
        read_catalogues(d)


def test_duplicate_candidate_ids_are_refused(make_campaign):
    d = make_campaign(n_pointings=1, clusters_per_pointing=30, agn_per_pointing=2)
    path = d / "catalogues" / "candidates.h5"
    c = Table.read(path, path="candidates")
    c["cand_id"][1] = c["cand_id"][0]
    c.write(path, path="candidates", serialize_meta=True, overwrite=True)
    cat = read_catalogues(d)
    with pytest.raises(SelfuncError, match="cand_id 0 appears more than once in pointing 0"):
        matched_candidates(cat, np.arange(3))


def test_purity_needs_is_cluster(make_campaign):
    d = make_campaign(n_pointings=2, clusters_per_pointing=5, agn_per_pointing=2,
                      drop={"candidates": ["is_cluster"]})
    with pytest.raises(SelfuncError, match="lacks column 'is_cluster'"):
        purity_sample(read_catalogues(d), Selection("C1"))
