"""Number counts: the piecewise power law, and the catalogue drawn from it."""

import numpy as np
import pytest
from scipy import integrate

from selfunc.optical.catalogue import catalogue_half_size, draw_catalogue
from selfunc.optical.config import FieldGalaxyConfig, OpticalConfig, StarCountConfig
from selfunc.optical.counts import PiecewiseCounts, galaxy_counts, star_counts
from selfunc.config.models import ScalingRelations
from selfunc.scaling import astropy_cosmology

from .util import blank, spec


def test_galaxy_counts_are_the_documented_law():
    gc = galaxy_counts(FieldGalaxyConfig(), 22.5)
    assert gc.density(20.0) == pytest.approx(1000.0)
    assert gc.density(21.0) / gc.density(20.0) == pytest.approx(10**0.45)
    assert gc.density(15.0) / gc.density(14.0) == pytest.approx(10**0.6)
    # continuous at the break, and ~90 deg^-2 brighter than r = 17.77 (SDSS main sample)
    assert gc.density(16.0 - 1e-9) == pytest.approx(gc.density(16.0 + 1e-9), rel=1e-6)
    assert 70 < gc.number(12.0, 17.77) < 110


def test_integral_matches_quadrature():
    pc = PiecewiseCounts((10.0, 15.0, 19.0, 23.0), (0.6, 0.45, 0.3), ref=20.0, density_at_ref=800.0)
    for a, b in ((10.0, 23.0), (12.3, 16.1), (19.5, 22.0)):
        num, _ = integrate.quad(pc.density, a, b, points=[15.0, 19.0], limit=200)
        assert pc.number(a, b) == pytest.approx(num, rel=1e-8)


def test_samples_follow_the_counts():
    pc = galaxy_counts(FieldGalaxyConfig(), 22.5)
    m = pc.sample(200_000, np.random.default_rng(0))
    bins = np.arange(12.0, 23.0, 1.0)
    h, _ = np.histogram(m, np.append(bins, 22.5))
    expected = np.array([pc.number(a, b) for a, b in zip(bins, np.append(bins[1:], 22.5))])
    expected *= 200_000 / pc.number(12.0, 22.5)
    ok = expected > 20
    assert np.all(np.abs(h[ok] - expected[ok]) < 4 * np.sqrt(expected[ok]))


def test_star_counts_scale_with_latitude():
    cfg = StarCountConfig()
    pole = star_counts(cfg, 90.0, 22.5).number(8.0, 22.5)
    b30 = star_counts(cfg, 30.0, 22.5).number(8.0, 22.5)
    assert b30 / pole == pytest.approx(2.0, rel=1e-9)  # 1/sin(30 deg)
    assert star_counts(cfg, 1.0, 22.5).number(8, 22.5) == pytest.approx(
        star_counts(cfg, cfg.min_latitude, 22.5).number(8, 22.5))


def test_catalogue_field_counts_per_bin_match_input_within_poisson():
    cfg = OpticalConfig()
    sp = spec(glat=-45.0)
    cosmo = astropy_cosmology()
    half = catalogue_half_size(cfg)
    area = (2 * half / 3600.0) ** 2
    n_fields = 4
    mags = {"galaxy": [], "star": []}
    for s in range(n_fields):
        src, _ = draw_catalogue(sp, blank(sp), cfg, np.random.default_rng(s), cosmo, ScalingRelations())
        for kind in mags:
            mags[kind].append(src["mag_r"][src["kind"] == kind])
            inside = src["kind"] == kind
            assert np.all(np.abs(src["xi"][inside]) <= half) and np.all(np.abs(src["eta"][inside]) <= half)
    laws = {"galaxy": galaxy_counts(cfg.galaxies, cfg.depth),
            "star": star_counts(cfg.stars, sp.glat, cfg.depth)}
    bins = np.arange(14.0, 23.0, 1.0)
    bins[-1] = cfg.depth
    for kind, law in laws.items():
        h, _ = np.histogram(np.concatenate(mags[kind]), bins)
        expected = np.array([law.number(a, b) for a, b in zip(bins[:-1], bins[1:])]) * area * n_fields
        z = (h - expected) / np.sqrt(expected)
        assert np.all(np.abs(z) < 3.5), (kind, h, expected.round(1))
