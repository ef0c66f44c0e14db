"""Survey-area cluster counts (selfunc.sky.counts) against independent calculations."""

import numpy as np
import pytest
from scipy.integrate import quad

from selfunc import scaling
from selfunc.config.models import PopulationConfig
from selfunc.sky import massfunction, xxl
from selfunc.sky.counts import aperture_flux, n_greater, survey_clusters


@pytest.mark.parametrize("rc, beta", [(10.0, 2 / 3), (45.0, 2 / 3), (120.0, 0.8)])
def test_f60_is_the_beta_model_integrated_inside_one_arcminute(rc, beta):
    prof = lambda r: 2 * np.pi * r * (1 + (r / rc) ** 2) ** (0.5 - 3 * beta)
    total = quad(prof, 0, 10 * rc, limit=200)[0]
    inside = quad(prof, 0, min(60.0, 10 * rc), limit=200)[0]
    assert aperture_flux(1.0, rc, beta, 10.0) == pytest.approx(inside / total, rel=1e-8)


def test_counts_without_scatter_equal_the_mass_function_integral():
    """N(>F60) of the drawn sky equals ∫∫ n(M, z) dV [F60(M, z) > S] computed on a fine
    (M, z) grid from the mean relations — a path that does not use the draw."""
    pop = PopulationConfig(mode="mass_function")
    rel = pop.mass_function.scaling.model_copy(update=dict(mt_scatter=0.0, lm_scatter=0.0))
    mf = pop.mass_function.model_copy(update=dict(scaling=rel))
    pop = pop.model_copy(update=dict(mass_function=mf))
    area = 300.0
    t = survey_clusters(pop, area, np.random.default_rng(11))
    lm_e, z_e, counts = massfunction.counts_table(mf, area, n_mass=240, n_z=240)
    m = 10 ** (0.5 * (lm_e[1:] + lm_e[:-1]))[:, None]
    z = (0.5 * (z_e[1:] + z_e[:-1]))[None, :]
    cosmo = scaling.astropy_cosmology(mf.cosmology)
    m, z = np.broadcast_arrays(m, z)
    T = scaling.temperature_from_mass(m, z, cosmo, rel)
    L = scaling.luminosity_from_mass(m, z, cosmo, rel)
    share = scaling.r500_fraction(rel.x_c, pop.beta, pop.truncation)
    f = scaling.flux_from_luminosity(L, z, T, cosmo, r500_share=share)
    rc = scaling.core_radius_arcsec(m, z, cosmo, rel.x_c)
    f60 = aperture_flux(f, rc, pop.beta, pop.truncation)
    for s in xxl.THRESHOLDS:
        expected = counts[f60 > s].sum()
        got = n_greater(t["flux_60"], s, area)[0][0] * area
        assert got == pytest.approx(expected, abs=4 * np.sqrt(expected) + 0.01 * expected), s


def test_xxl_reference_is_what_the_paper_says():
    ref = xxl.reference_counts()
    n, e = ref[3e-14]
    assert n == pytest.approx(100 / 50) and e == pytest.approx(2.0 * np.hypot(0.1, 0.1))
    assert np.isnan(ref[1e-14][0]) and np.isnan(ref[1e-13][0])
    assert xxl.redshift_counts().sum() == pytest.approx(100, abs=2)
    assert len(xxl.Z_COUNTS) == len(xxl.Z_EDGES) - 1


def _star_and_galaxy_sky(n_pointings=400, glat=45.58):
    from helpers import empty_population, spec
    from selfunc.config.models import NearbyGalaxyConfig, StarConfig
    from selfunc.pointing import rng_for
    from selfunc.sky.draw import draw

    pop = empty_population(stars=StarConfig(), nearby_galaxies=NearbyGalaxyConfig())
    tables = [draw(spec(id=i, glat=glat), pop, 15.0, rng_for(3, i, "sky")) for i in range(n_pointings)]
    kind = np.concatenate([np.asarray(t["kind"]) for t in tables])
    flux = np.concatenate([np.asarray(t["flux"]) for t in tables])
    area_field = n_pointings * np.pi * 15.0**2 / 3600
    area_place = n_pointings * np.pi * pop.placement_radius**2 / 3600
    return kind, flux, area_field, area_place


@pytest.mark.slow
def test_star_and_nearby_galaxy_counts_follow_their_references():
    """Stars: 2.1 deg⁻² above 7e-14 (0.5–4.5 keV) in the XMM BSS (Della Ceca et al. 2004: 58
    stars in 28.1 deg²), i.e. above 0.85 × 7e-14 in 0.5–2 keV at ⟨1/sin|b|⟩ = 1.4 (b = 45.6°).
    Nearby galaxies: ≈ 0.25 deg⁻² above 1e-14 with Euclidean counts (docs/physics.md §3)."""
    kind, flux, area_field, area_place = _star_and_galaxy_sky()
    n = np.sum((kind == "star") & (flux > 0.85 * 7e-14))
    expected = 58 / 28.1 * area_field
    assert n == pytest.approx(expected, abs=3 * np.sqrt(expected) + 0.15 * expected)
    g = flux[kind == "nearby_galaxy"]
    expected = 0.25 * area_place
    assert np.sum(g > 1e-14) == pytest.approx(expected, abs=3 * np.sqrt(expected) + 0.1 * expected)
    # The shape: Euclidean between the bounds (KS test of a larger draw against the CDF).
    from scipy.stats import kstest
    from selfunc.sky.draw import _power_law
    x = _power_law(np.random.default_rng(5), 20000, 5e-15, 5e-14, 1.5)
    cdf = lambda s: (5e-15**-1.5 - s**-1.5) / (5e-15**-1.5 - 5e-14**-1.5)
    assert kstest(x, cdf).pvalue > 0.01
