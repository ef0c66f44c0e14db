"""Campaign stages ``stamps`` and ``cnn``: stamps of the screened candidates, training from a
campaign folder, and p_cluster in the catalogues."""

import numpy as np
import pytest
from astropy.table import Table

from selfunc.campaign.screening import campaign_stamps, default_model_path
from selfunc.campaign.simulate import optical_scene
from selfunc.cli import main
from selfunc.cnn import load_model, read_meta, score_candidates
from selfunc.config import load_campaign
from selfunc.pointing import draw_pointings
from selfunc.stamps import read_dataset, read_image

BASE = """
instrument = {{ preset = "epic", npix = 384 }}
survey = "xclass"
population = {{ preset = "grid", grid = {{ n_per_pointing = 4, flux = {{ min = 3e-14, max = 2e-13 }} }} }}
[campaign]
name = "screen"
seed = 5
n_pointings = 2
stages = {stages}
{extra}
"""


# Screen the extended candidates beyond C1/C2 too (as sims/cnn_training.toml does): with a
# detection that rarely calls a contaminant C1/C2, two pointings' C1/C2 are all clusters and
# leave the network no non-cluster stamp to learn from.
SCREEN = "C1 or C2 or (ext > 0 and ext_ml > 5)"


def _screened(cand):
    return np.asarray(cand["C1"]) | np.asarray(cand["C2"]) | (
        (np.asarray(cand["ext"]) > 0) & (np.asarray(cand["ext_ml"]) > 5))


def write(tmp_path, name, stages, extra=""):
    path = tmp_path / f"{name}.toml"
    path.write_text(BASE.format(stages=stages, extra=extra))
    return path


@pytest.fixture(scope="module")
def stamped(tmp_path_factory):
    root = tmp_path_factory.mktemp("screen")
    cfg = write(root, "stamps", '["sky", "xray", "optical", "detect", "stamps"]',
                f'[cnn]\nscreen = "{SCREEN}"\n')
    assert main(["simulate", str(cfg), "--out", str(root / "run"), "--workers", "1"]) == 0
    return root


@pytest.mark.slow
def test_stamps_are_those_of_the_screened_candidates(stamped):
    pdir = stamped / "run" / "pointings" / "00000"
    cand = Table.read(pdir / "candidates.fits")
    ds = read_dataset(pdir / "stamps.h5")
    screened = cand[_screened(cand)]
    assert len(ds) == len(screened) > 0
    assert ds.ids.tolist() == [f"00000-{c:05d}" for c in screened["cand_id"]]
    assert ds.labels.tolist() == [s.strip() for s in screened["label"].astype(str)]
    assert ds.shape == (356, 356) and set(ds.kinds) == {"composite", "xray", "optical", "six"}
    assert "p_cluster" not in cand.colnames  # no cnn stage


@pytest.fixture(scope="module")
def trained(stamped):
    model = stamped / "m.keras"
    assert main(["train-cnn", str(stamped / "run"), "--out", str(model), "--epochs", "1",
                 "--batch-size", "2"]) == 0
    return model


@pytest.mark.slow
def test_train_cnn_reads_a_campaign_folder(stamped, trained):
    run = stamped / "run"
    all_stamps = campaign_stamps(run)
    assert len(all_stamps) == sum(len(read_dataset(p)) for p in run.glob("pointings/*/stamps.h5"))
    meta = read_meta(trained)
    data = meta["data"]
    assert data["train"]["n"] + data["validation"]["n"] == len(all_stamps)
    assert data["train"]["provenance"]["campaign"] == str(run.resolve())
    assert meta["stamps"]["npix"] == 356


@pytest.fixture(scope="module")
def scored(stamped, trained):
    cfg_path = write(stamped, "cnn", '["sky", "xray", "optical", "detect", "cnn"]',
                     f'[cnn]\nmodel = "{trained}"\nscreen = "{SCREEN}"\n')
    out = stamped / "scored"
    assert main(["simulate", str(cfg_path), "--out", str(out), "--workers", "1"]) == 0
    return cfg_path, out


@pytest.mark.slow
def test_cnn_scores_are_the_same_with_two_workers(scored, tmp_path):
    cfg_path, out = scored
    assert main(["simulate", str(cfg_path), "--out", str(tmp_path / "two"), "--workers", "2"]) == 0
    a = Table.read(out / "catalogues" / "candidates.h5")
    b = Table.read(tmp_path / "two" / "catalogues" / "candidates.h5")
    assert a.colnames == b.colnames and len(a) == len(b)
    for col in ("p_cluster", "p_non_cluster", "ext", "ra"):
        assert np.array_equal(np.asarray(a[col]), np.asarray(b[col]), equal_nan=True), col


@pytest.mark.slow
def test_cnn_stage_adds_p_cluster_equal_to_apply(scored, trained):
    model = trained
    cfg_path, out = scored
    cand = Table.read(out / "catalogues" / "candidates.h5")
    p = np.asarray(cand["p_cluster"], float)
    screened = _screened(cand)
    assert screened.any() and np.isnan(p[~screened]).all()
    assert np.all((p[screened] >= 0) & (p[screened] <= 1))
    total = np.asarray(cand["p_non_cluster"], float) + np.asarray(cand["p_cluster"], float)
    np.testing.assert_allclose(total[screened], 1.0, rtol=1e-5)
    # Same scores from the written files through the public API (apply-cnn's path), with
    # the optical band rendered from the pointing's plate.
    cfg = load_campaign(cfg_path)
    spec = draw_pointings(cfg.survey, cfg.campaign.n_pointings, cfg.campaign.seed)[0]
    pdir = out / "pointings" / "00000"
    mine = Table.read(pdir / "candidates.fits")
    from selfunc.campaign.simulate import simulate_pointing

    truth, _ = simulate_pointing(spec, cfg)
    scene = optical_scene(spec, truth, cfg)

    def optical(ra, dec):
        from selfunc import optical as opt

        c = opt.cutout(scene, ra, dec, 7.0)
        return c.image, c.wcs

    m, meta = load_model(model)
    sel = mine[_screened(mine)]
    again = score_candidates(m, meta, sel, xray=read_image(pdir / "xray.fits", "COUNTS"),
                             optical=optical)
    np.testing.assert_allclose(np.asarray(again["p_cluster"]), np.asarray(sel["p_cluster"]),
                               atol=1e-5)


def test_cnn_stage_errors_are_clear(tmp_path, capsys):
    cfg = write(tmp_path, "nodetect", '["sky", "xray", "cnn"]')
    assert main(["simulate", str(cfg), "--out", str(tmp_path / "a")]) == 2
    assert "stage 'cnn' needs the 'detect' stage" in capsys.readouterr().err
    cfg = write(tmp_path, "nomodel", '["sky", "xray", "optical", "detect", "cnn"]',
                '[cnn]\nmodel = "missing.keras"\n')
    assert main(["simulate", str(cfg), "--out", str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err
    assert "[cnn] model = " in err and "missing.keras" in err and "not found" in err
    cfg = write(tmp_path, "nooptical", '["sky", "xray", "detect", "stamps"]')
    assert main(["simulate", str(cfg), "--out", str(tmp_path / "c")]) == 2
    assert "need the 'optical' stage" in capsys.readouterr().err
    cfg = write(tmp_path, "badrule", '["sky", "xray", "optical", "detect", "stamps"]',
                '[cnn]\nscreen = "C1 and"\n')
    assert main(["simulate", str(cfg), "--out", str(tmp_path / "d")]) == 2


def test_default_model_is_shipped_and_takes_default_stamps():
    from selfunc.stamps import StampConfig
    from selfunc.cnn import stamp_config_of

    path = default_model_path()
    assert path.is_file(), f"{path} is missing: the package ships a default model"
    assert path.stat().st_size < 5e6
    meta = read_meta(path)
    free = {"kind", "channel_order"}
    ours = StampConfig().model_dump_json(exclude=free)
    assert stamp_config_of(meta).model_dump_json(exclude=free) == ours
    assert meta["task"] == "binary" and meta["input"]["kind"] == "composite"
