"""A campaign with instrument.bands = "xxl": the detection catalogue is that of the same
campaign without bands, plus the band rates and HR (with units); catalogue mode stays small."""

import numpy as np
import pytest
from astropy.table import Table

from selfunc.cli import main

CONFIG = """
instrument = {{ preset = "epic", npix = 256, bands = "{bands}" }}
survey = "xclass10"
population = {{ preset = "grid", grid = {{ n_per_pointing = 2 }}, agn = {{ flux_min = 5e-15 }} }}
detection = "xamin"
[campaign]
name = "bands-test"
seed = 5
n_pointings = 2
stages = ["sky", "xray", "detect"]
[outputs]
images = "none"
"""
BUDGET = 200_000  # bytes per pointing in catalogue mode (issue 16)


def run(tmp_path, bands):
    path = tmp_path / f"{bands}.toml"
    path.write_text(CONFIG.format(bands=bands))
    out = tmp_path / bands
    assert main(["simulate", str(path), "--out", str(out), "--workers", "1"]) == 0
    return out


@pytest.mark.slow
def test_band_columns_join_an_unchanged_detection_catalogue(tmp_path):
    plain, banded = run(tmp_path, "none"), run(tmp_path, "xxl")
    n_cand = 0
    for pid in ("00000", "00001"):
        a = Table.read(plain / "pointings" / pid / "candidates.fits")
        b = Table.read(banded / "pointings" / pid / "candidates.fits")
        for col in a.colnames:
            np.testing.assert_array_equal(np.asarray(b[col]), np.asarray(a[col]), err_msg=col)
        for col in ("rate_05_1", "rate_05_1_err", "rate_1_2", "rate_1_2_err", "rate_2_10",
                    "rate_2_10_err"):
            assert b[col].unit == "1/s", col
        assert {"hr", "hr_err"} <= set(b.colnames)
        # soft + medium band rates make up the 0.5-2 keV rate of point sources (the same
        # counts: the difference is far below either error; position free vs fixed aside)
        pts = ~(np.asarray(b["C1"]) | np.asarray(b["C2"])) & (np.asarray(b["det_ml"]) > 30)
        if pts.any():
            s = (np.asarray(b["rate_05_1"]) + np.asarray(b["rate_1_2"]))[pts]
            assert np.all(np.abs(s - np.asarray(b["rate"])[pts])
                          < 2.0 * np.asarray(b["rate_err"])[pts])
        n_cand += len(b)
        t = Table.read(banded / "pointings" / pid / "truth.fits")
        assert t["rate_2_10"].unit == "1/s" and "hr" in t.colnames
        assert sum(f.stat().st_size for f in (banded / "pointings" / pid).iterdir()) < BUDGET
    assert n_cand > 0
    # P(selected | CR, HR, z) from this campaign: every true cluster lands in one cell, and
    # the selected ones are those whose matched candidate passes the rule
    from selfunc.selection.observable import ObservableSelection

    edges = dict(log10_rate_edges=[-4.0, -2.0, 1.0], hr_edges=[0.0, 1.0, 3.0],
                 redshift_edges=[0.0, 1.0, 3.0])
    s = ObservableSelection.from_campaign(banded, "C1 or C2", **edges)
    truth = Table.read(banded / "catalogues" / "truth.h5")
    cand = Table.read(banded / "catalogues" / "candidates.h5")
    cl = np.asarray(truth["kind"]).astype(str) == "cluster"
    assert s.n.sum() == cl.sum() == s.meta["clusters"]
    ok = set(zip(np.asarray(cand["pointing"])[np.asarray(cand["C1"]) | np.asarray(cand["C2"])],
                 np.asarray(cand["cand_id"])[np.asarray(cand["C1"]) | np.asarray(cand["C2"])]))
    k = sum((p, m) in ok for p, m in zip(np.asarray(truth["pointing"])[cl],
                                         np.asarray(truth["match"])[cl]))
    n = s.n.astype(float)
    got = np.nansum(np.where(n > 0, s.tables["median"] * (n + 1) - 0.5, 0.0))
    assert got == pytest.approx(k, abs=1e-6)


@pytest.mark.slow
def test_xclass_pointing_with_bands_fits_the_catalogue_budget(tmp_path):
    """sims/xclass.toml (every per-pointing stage through the CNN) with the bands on: the
    band columns (float32) keep a catalogue-mode pointing under 200 kB (193.5 kB measured)."""
    from pathlib import Path

    from selfunc.campaign import run_campaign
    from selfunc.config import load_campaign

    cfg = load_campaign(Path(__file__).resolve().parents[2] / "sims" / "xclass.toml")
    stages = tuple(s for s in cfg.campaign.stages if s not in ("fit", "report"))
    cfg = cfg.model_copy(update={
        "campaign": cfg.campaign.model_copy(update={"n_pointings": 1, "stages": stages}),
        "instrument": cfg.instrument.model_copy(update={"bands": "xxl"})})
    out = tmp_path / "x"
    run_campaign(cfg, out, workers=1)
    files = list((out / "pointings" / "00000").iterdir())
    assert sorted(f.name for f in files) == ["candidates.fits", "done.json", "truth.fits"]
    assert "hr" in Table.read(out / "pointings" / "00000" / "candidates.fits").colnames
    assert sum(f.stat().st_size for f in files) < BUDGET
