"""The whole stage (filter, extract, fit, classify) on injected sources (issue 4)."""

import numpy as np
import pytest
from astropy.table import Table

from helpers_detect import ECF_TOTAL, inject, random_position
from selfunc.config.models import DetectionConfig, InstrumentConfig
from selfunc.detect import run
from selfunc.detect.classes import classify

CFG = DetectionConfig()


def nearest(cat, x, y, radius):
    if not len(cat):
        return None
    d = np.hypot(cat["x"] - x, cat["y"] - y)
    k = int(np.argmin(d))
    return cat[k] if d[k] <= radius else None


@pytest.mark.slow
def test_large_bright_clusters_are_c1():
    rng = np.random.default_rng(11)
    wide = InstrumentConfig(npix=384, chip_gaps=False)  # r_c up to 60": keep 10 r_c on the image
    c1 = []
    for k in range(100):
        xi, eta = random_position(rng)
        rc, counts = rng.uniform(20, 60), rng.uniform(200, 600)
        flux = counts / (ECF_TOTAL["cluster"] * 1e4 * 0.9)
        obs, images, psf = inject([dict(kind="cluster", spectrum="cluster", xi=xi, eta=eta,
                                        flux=flux, core_radius=rc, beta=2 / 3)], k,
                                  instrument=wide)
        assert obs.truth["counts_expected"][0] >= 200 * 0.95
        row = nearest(run(images, psf, CFG), obs.truth["x"][0], obs.truth["y"][0], 12)
        c1.append(row is not None and bool(row["C1"]))
    assert np.mean(c1) >= 0.9, np.mean(c1)


@pytest.mark.slow
def test_bright_point_sources_are_never_c1():
    rng = np.random.default_rng(12)
    n_c1 = 0
    for k in range(200):
        xi, eta = random_position(rng)
        counts = 10 ** rng.uniform(2.3, 4.0)  # 200 to 10 000 counts
        flux = counts / (ECF_TOTAL["agn"] * 1e4 * 0.9)
        obs, images, psf = inject([dict(kind="agn", spectrum="agn", xi=xi, eta=eta, flux=flux)],
                                  5000 + k)
        cat = run(images, psf, CFG)
        row = nearest(cat, obs.truth["x"][0], obs.truth["y"][0], 4)
        assert row is not None
        n_c1 += int(cat["C1"].sum())
    assert n_c1 == 0


@pytest.mark.slow
def test_close_pairs_are_flagged_double_more_often_than_extended():
    rng = np.random.default_rng(13)
    double = extended = 0
    for k in range(60):
        xi, eta = random_position(rng)
        sep, phi = rng.uniform(8, 20), rng.uniform(0, 2 * np.pi)
        rows = [dict(kind="double", spectrum="agn", group=0,
                     xi=xi + s * sep / 2 * np.cos(phi), eta=eta + s * sep / 2 * np.sin(phi),
                     flux=rng.uniform(100, 300) / (ECF_TOTAL["agn"] * 1e4 * 0.9)) for s in (1, -1)]
        obs, images, psf = inject(rows, 7000 + k)
        row = nearest(run(images, psf, CFG), obs.truth["x"].mean(), obs.truth["y"].mean(), 12)
        double += int(row is not None and row["double"])
        extended += int(row is not None and (row["C1"] or row["C2"]))
    assert double > extended
    assert double >= 30


def test_class_cuts_follow_table_8():
    t = Table(dict(ext=[6.0, 6.0, 4.0, 6.0, 2.0, 10.0],
                   ext_ml=[34.0, 20.0, 40.0, 34.0, 0.0, 16.0],
                   ext_det_ml=[33.0, 40.0, 50.0, 31.0, 0.0, 20.0],
                   det_ml=[50.0, 50.0, 60.0, 40.0, 31.0, 20.0],
                   dbl_ml=[0.0, 25.0, 0.0, 0.0, 0.0, 10.0],
                   pe_ext=[6.0, 0.0, 0.0, 6.0, 0.0, 8.0],
                   pe_ext_ml=[21.0, 0.0, 0.0, 5.0, 0.0, 0.0],
                   pe_pnt_ml=[21.0, 0.0, 0.0, 101.0, 0.0, 0.0]))
    f = classify(t, CFG)
    assert list(f["C1"]) == [True, False, False, False, False, False]
    assert list(f["C2"]) == [False, True, False, True, False, True]
    assert list(f["AC"]) == [True, False, False, True, False, False]
    assert list(f["P1"]) == [False, False, False, False, True, False]
    assert list(f["double"]) == [False, True, False, False, False, False]
