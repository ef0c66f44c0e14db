"""Whole pointings: the catalogue grows with depth, the off-axis cut holds for fitted
positions, and bright sources do not seed spurious extended detections (issue 14)."""

import dataclasses

import numpy as np
import pytest

from selfunc.campaign.simulate import field_radius
from selfunc.config import configs_dir, load_campaign
from selfunc.detect import run
from selfunc.detect.inputs import from_observation
from selfunc.match import crossmatch
from selfunc.pointing import draw_pointings, rng_for
from selfunc.sky.draw import draw
from selfunc.xray import observe


def _campaign(flux_min):
    cfg = load_campaign(configs_dir() / "campaign" / "quickstart.toml")
    agn = cfg.population.agn.model_copy(update={"flux_min": flux_min})
    return cfg.model_copy(update={"population": cfg.population.model_copy(update={"agn": agn})})


def _detect(cfg, spec, extra=None):
    truth = draw(spec, cfg.population, field_radius(cfg), rng_for(spec.seed, spec.id, "sky"))
    if extra is not None:
        row = {k: (np.nan if truth[k].dtype.kind == "f" else truth[k][0]) for k in truth.colnames}
        row.update(extra, id=int(np.max(truth["id"])) + 1, group=int(np.max(truth["group"])) + 1)
        truth.add_row(row)
    obs = observe(spec, truth, cfg.instrument, cfg.population, rng_for(spec.seed, spec.id, "xray"))
    images, psf = from_observation(obs, cfg.instrument)
    cat = run(images, psf, cfg.detection)
    return crossmatch(cat, obs.truth, obs.pixel)


@pytest.fixture(scope="module")
def deep_field():
    # AGN down to 2.5e-16 erg/s/cm2 (Moretti+03 logN-logS): ~800 sources in the image, the
    # faintest with ~40 counts at 100 ks, so the detectable number grows with exposure.
    cfg = _campaign(2.5e-16)
    spec = draw_pointings(cfg.survey, 1, seed=77)[0]
    return cfg, {t: _detect(cfg, dataclasses.replace(spec, exposure=t))
                 for t in (10e3, 50e3, 100e3)}


def _found(cand, truth, min_counts):
    """Fraction of true point sources (θ < 12′, > min_counts) found with DET_ML > 15."""
    sel = np.isin(truth["kind"], ["agn", "star"]) & (truth["offaxis"] < 12) \
        & (truth["counts_expected"] > min_counts)
    good = set(np.asarray(cand["cand_id"])[np.asarray(cand["det_ml"]) > 15].tolist())
    hit = np.array([m in good for m in truth["match"][sel]])
    return hit.mean(), sel.sum()


@pytest.mark.slow
def test_catalogue_grows_with_depth(deep_field):
    _, res = deep_field
    n = {t: int(np.sum(c["det_ml"] > 15)) for t, (c, _) in res.items()}
    # Sources above 100 counts are > 10 sigma over the background of a PSF (~25 counts
    # in 10″ at 100 ks): a detector that keeps every significant source finds ~all; the
    # misses allowed are sources within ~15″ of a brighter one (confusion).
    for t, (c, tr) in res.items():
        frac, n_true = _found(c, tr, 100)
        assert frac >= 0.9, (t, frac, n_true)
    # The count of true sources above 100 counts grows ~ as the exposure (Moretti+03
    # slope ~1.8 below 1.5e-14): the catalogue must grow too, well beyond 10 ks.
    assert n[50e3] > 1.4 * n[10e3] and n[100e3] > 1.6 * n[10e3], n


@pytest.mark.slow
def test_offaxis_cut_applies_to_fitted_positions(deep_field):
    cfg, res = deep_field
    edge = 0
    for c, _ in res.values():
        assert np.all(c["offaxis"] <= cfg.detection.max_offaxis)
        edge += int(np.sum(c["offaxis"] > cfg.detection.max_offaxis - 0.5))
    assert edge > 0  # the ring just inside the cut is still populated


@pytest.mark.slow
def test_no_spurious_extended_sources_around_a_bright_star():
    # A 5e-11 erg/s/cm2 star (~5e5 counts at 10 ks) 3′ off axis. Its King wings hold ~10 %
    # of its counts beyond 1′ (xray/psf.py): unmodelled, they seeded 35 spurious C1 in one
    # pointing (issue 14). Spurious extended detections (C1 or C2 without a cluster) within
    # 5′ of it must not exceed those of the same fields without the star.
    cfg = _campaign(1e-15)
    star = dict(kind="star", spectrum="star", xi=180.0, eta=0.0, flux=5e-11)
    with_star = without = 0
    for spec in draw_pointings(cfg.survey, 3, seed=91):
        cand, truth = _detect(cfg, spec, star)
        bright = truth[-1]
        assert bright["flux"] == star["flux"]
        near = _within(cand, bright, 300.0, cfg.instrument.pixel_size)
        with_star += int(np.sum((cand["C1"] | cand["C2"]) & ~cand["is_cluster"] & near))
        # The star itself is one P1 source.
        assert int(np.sum(cand["P1"] & _within(cand, bright, 5.0, cfg.instrument.pixel_size))) == 1
        cand, _ = _detect(cfg, spec)
        near = _within(cand, bright, 300.0, cfg.instrument.pixel_size)
        without += int(np.sum((cand["C1"] | cand["C2"]) & ~cand["is_cluster"] & near))
    assert with_star <= without + 1, (with_star, without)


def _within(cand, src, radius, pixel):
    """Candidates within ``radius`` arcsec of the truth row ``src``."""
    return np.hypot(cand["x"] - src["x"], cand["y"] - src["y"]) * pixel <= radius
