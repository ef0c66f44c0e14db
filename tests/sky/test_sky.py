"""Sky model: number counts, placements, scaling relations, seeds."""

import numpy as np
import pytest

from helpers import empty_population, spec
from selfunc.config.models import AgnConfig, ClusterGrid, PopulationConfig, Range
from selfunc.pointing import draw_pointings, rng_for
from selfunc.config.models import SurveyConfig
from selfunc import scaling
from selfunc.profiles import betamodel
from selfunc.sky import lognlogs
from selfunc.sky.draw import draw


def test_moretti_counts_match_published_table():
    # xmm_facts §7.1 [D]: N(>1e-15) = 782, N(>1e-14) = 126, N(>1e-13) = 4.5 deg^-2.
    assert lognlogs.n_greater(1e-15) == pytest.approx(782, rel=0.01)
    assert lognlogs.n_greater(1e-14) == pytest.approx(126, rel=0.01)
    assert lognlogs.n_greater(1e-13) == pytest.approx(4.5, rel=0.02)


def test_drawn_agn_follow_n_greater_than_s():
    pop = empty_population(agn=AgnConfig(flux_min=1e-15))
    radius = 15.0
    area = np.pi * radius**2 / 3600.0
    fluxes = np.concatenate([
        np.asarray(draw(spec(id=i), pop, radius, rng_for(3, i, "sky"))["flux"]) for i in range(60)])
    for s in (1e-15, 3e-15, 1e-14, 5e-14):
        expected = 60 * area * (lognlogs.n_greater(s) - lognlogs.n_greater(pop.agn.flux_max))
        observed = np.sum(fluxes >= s)
        assert abs(observed - expected) < 3.5 * np.sqrt(expected), (s, observed, expected)


def test_unresolved_intensity_is_the_integral_of_the_counts():
    # I(<S2) - I(<S1) equals the flux of sources between S1 and S2 (Monte Carlo check).
    cfg = AgnConfig(flux_min=1e-15, flux_max=1e-13)
    rng = np.random.default_rng(0)
    s = lognlogs.sample_fluxes(200_000, rng, cfg)
    n_per_deg2 = lognlogs.n_greater(1e-15, cfg) - lognlogs.n_greater(1e-13, cfg)
    mc = s.mean() * n_per_deg2
    exact = lognlogs.unresolved_intensity(1e-13, cfg) - lognlogs.unresolved_intensity(1e-15, cfg)
    assert mc == pytest.approx(exact, rel=0.01)


def test_beta_model_enclosed_fraction():
    rc = 20.0
    r = np.linspace(0, 200, 20001)
    dens = betamodel.profile(r, rc) * 2 * np.pi * r
    cum = np.cumsum(dens) * (r[1] - r[0])
    assert cum[10000] / cum[-1] == pytest.approx(betamodel.enclosed_fraction(100.0, rc), rel=1e-3)


def test_grid_clusters_inside_placement_radius_and_apart():
    pop = empty_population(grid=ClusterGrid(n_per_pointing=8), min_separation=90.0)
    t = draw(spec(), pop, 20.0, rng_for(1, 0, "sky"))
    cl = t[t["kind"] == "cluster"]
    assert len(cl) == 8
    r = np.hypot(cl["xi"], cl["eta"])
    assert np.all(r <= pop.placement_radius * 60)
    d = np.hypot(cl["xi"][:, None] - cl["xi"][None, :], cl["eta"][:, None] - cl["eta"][None, :])
    assert np.all(d[np.triu_indices(8, 1)] >= 90.0)
    g = pop.grid
    assert np.all((cl["flux"] >= g.flux.min) & (cl["flux"] <= g.flux.max))
    assert np.all((cl["core_radius"] >= g.core_radius.min) & (cl["core_radius"] <= g.core_radius.max))
    # Luminosity, temperature and mass obey the scaling relations (no scatter in grid mode).
    cosmo = scaling.astropy_cosmology(pop.mass_function.cosmology)
    rel = pop.mass_function.scaling
    f = scaling.flux_from_luminosity(cl["luminosity"], cl["redshift"], cl["temperature"], cosmo)
    assert np.allclose(f, cl["flux"], rtol=1e-3)
    from selfunc import halos
    t_m = scaling.temperature_from_mass(
        cl["mass"], cl["redshift"], cosmo, rel,
        mf_slope=halos.log_slope(pop.mass_function, cl["mass"], cl["redshift"]))
    assert np.allclose(t_m, cl["temperature"], rtol=1e-6)


def test_mass_function_population_is_sane():
    pop = PopulationConfig(mode="mass_function")
    n = []
    for i in range(10):
        t = draw(spec(id=i), pop, 20.0, rng_for(5, i, "sky"))
        cl = t[t["kind"] == "cluster"]
        n.append(len(cl))
        assert np.all(cl["mass"] >= 10**13.3) and np.all(cl["redshift"] >= 0.05)
        # r_c = 0.24 R500: 10^14 Msun at z = 0.3 has R500 ≈ 0.7 Mpc, i.e. r_c ≈ 37".
    from selfunc import halos
    _, _, counts = halos.counts_table(pop.mass_function, np.pi * 13.0**2 / 3600.0)
    assert np.mean(n) == pytest.approx(counts.sum(), abs=4 * np.sqrt(counts.sum() / 10))
    cosmo = scaling.astropy_cosmology()
    r500 = scaling.r500_mpc(1e14, 0.3, cosmo)
    assert 0.6 < r500 < 0.8
    assert 0.24 * r500 * scaling.arcsec_per_mpc(0.3, cosmo) == pytest.approx(37, rel=0.1)


def test_k_correction_is_one_at_z0_and_falls_for_cool_gas():
    """The population's K-correction is the spectral one (tests/spectra check it against the
    free-free formula and the XXL ECF): 1 at z = 0; at z = 1 the observed band is rest
    1–4 keV, so hot gas gains and cool gas, whose emission dies above ~1 keV, loses."""
    assert scaling.k_correction(0.0, 3.0) == pytest.approx(1.0)
    assert scaling.k_correction(1.0, 0.5) < 1.0 < scaling.k_correction(1.0, 5.0)
    # Beyond the table's 32 keV the edge value is used (documented in scaling.k_correction).
    assert scaling.k_correction(0.3, 50.0) == scaling.k_correction(0.3, 32.0)


def test_special_kinds_are_drawn():
    from selfunc.config.models import CentralAgnConfig, NearbyGalaxyConfig, PairConfig
    pop = empty_population(grid=ClusterGrid(n_per_pointing=5),
                           central_agn=CentralAgnConfig(fraction=1.0),
                           pairs=PairConfig(per_pointing=3.0),
                           nearby_galaxies=NearbyGalaxyConfig(per_pointing=2.0))
    t = draw(spec(), pop, 20.0, rng_for(2, 0, "sky"))
    kinds = set(t["kind"])
    assert {"cluster", "central_agn", "double", "nearby_galaxy", "agn"} <= kinds
    # A central AGN sits on its cluster; the two AGN of a pair share a group.
    for row in t[t["kind"] == "central_agn"]:
        host = t[(t["kind"] == "cluster") & (t["group"] == row["group"])][0]
        assert (row["xi"], row["eta"]) == (host["xi"], host["eta"])
    pairs = t[t["kind"] == "double"]
    for g in set(pairs["group"]):
        p = pairs[pairs["group"] == g]
        sep = np.hypot(*(p["xi"][0] - p["xi"][1], p["eta"][0] - p["eta"][1]))
        assert len(p) == 2 and pop.pairs.separation.min <= sep <= pop.pairs.separation.max


def test_pointings_reproducible_and_independent_of_count():
    survey = SurveyConfig()
    a = draw_pointings(survey, 5, seed=9)
    b = draw_pointings(survey, 8, seed=9)
    assert a == b[:5]
    assert all(abs(p.glat) >= 20 for p in b)
    assert {p.exposure for p in b} <= {10_000.0, 20_000.0}


def test_tangent_wcs_is_the_gnomonic_projection_of_the_offsets():
    # astropy's TAN projection of tangent_wcs against selfunc's own gnomonic formulas
    # (radec_to_offsets), two independent code paths: pixel − CRPIX = (−ξ, η)/pixel, also in
    # a cutout window (CRPIX shifted by its corner), to 1e-6 arcsec over ±0.8° × ±0.25°.
    from selfunc.sky.tangent import radec_to_offsets, tangent_wcs

    rng = np.random.default_rng(0)
    ra = 33.0 + rng.uniform(-0.8, 0.8, 50)
    dec = -71.0 + rng.uniform(-0.25, 0.25, 50)
    xi, eta = radec_to_offsets(33.0, -71.0, ra, dec)
    for npix, pixel, x0, y0 in ((768, 2.5, 0, 0), (1920, 1.0, 300, 700)):
        x, y = tangent_wcs(33.0, -71.0, npix, pixel, x0, y0).world_to_pixel_values(ra, dec)
        centre = (npix - 1) / 2.0
        np.testing.assert_allclose((x + x0 - centre) * pixel, -xi, atol=1e-6)
        np.testing.assert_allclose((y + y0 - centre) * pixel, eta, atol=1e-6)
