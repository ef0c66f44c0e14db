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
    rel = pop.mass_function.scaling.model_copy(update=dict(mt_scatter=0.0, lt_scatter=0.0))
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
    L = scaling.luminosity_from_temperature(T, z, cosmo, rel)
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
