import math

import astropy.units as u
import numpy as np
import pytest
from astropy.constants import G
from astropy.cosmology import FlatLambdaCDM
from scipy.special import ndtr

from selfunc import halos, scaling
from selfunc.config.models import ClusterMassFunction, ScalingRelations
from selfunc.errors import SelfuncError
from selfunc.selection.function import SelectionFunction
from selfunc.selection.massz import selection_mz
from selfunc.selection.models import completeness_model

from .conftest import TRUE_C1, theta_of

COSMO = FlatLambdaCDM(H0=70, Om0=0.3)
M0 = -13.8     # log10 flux of the 50 % point of the toy selection
W = 0.12       # its width, dex
BETA, TRUNC = 2 / 3, 10.0
MF = ClusterMassFunction()


def toy_sf(flux, core_radius, redshift, **_):
    """An erf transition in log flux: its convolution with log-normal scatter is analytic."""
    return ndtr((np.log10(flux) - M0) / W)


def mean_log_flux(mass, z, rel, K=1.0):
    """log10 of the flux of the mean relations, by hand from the formulas."""
    ez = COSMO.efunc(z)
    L = rel.lm_norm * (rel.lm_mass_bias * mass / rel.lm_pivot) ** rel.lm_slope * ez**rel.lm_evolution
    # Whole truncated β-model from L inside R500 = r_c / x_c (β = 2/3: p = 3/2).
    share = (1 - (1 + rel.x_c**-2) ** -0.5) / (1 - (1 + TRUNC**2) ** -0.5)
    dl = COSMO.luminosity_distance(z).to_value(u.cm)
    return np.log10(L / share * K / (4 * np.pi * dl**2))


def mean_temperature(mass, z, rel):
    ez = COSMO.efunc(z)
    return rel.mt_pivot * (mass / (rel.mt_norm * ez**rel.mt_evolution)) ** (1 / rel.mt_slope)


def analytic(mass, z, rel, gamma=0.0):
    """P for toy_sf with K = T^γ: log10 f is Gaussian with mean m and sd s (L and T scatter
    at fixed M, correlated), so P = Φ((m − M0)/√(W² + s²))."""
    T = mean_temperature(mass, z, rel)
    m = mean_log_flux(mass, z, rel) + gamma * np.log10(T)
    st, sl, r = rel.mt_scatter, rel.lm_scatter, rel.lm_mt_correlation
    s = math.sqrt((gamma * st) ** 2 + sl**2 + 2 * r * gamma * st * sl) / math.log(10)
    return ndtr((m - M0) / np.sqrt(W**2 + s**2))


@pytest.mark.parametrize("rho", [0.0, 0.5])
def test_integral_over_scatter_matches_the_analytic_convolution(rho):
    rel = ScalingRelations(mt_scatter=0.2, lm_scatter=0.4, lm_mt_correlation=rho,
                           mt_regression="T|M")
    mass = np.geomspace(2e13, 5e14, 25)[:, None]
    z = np.linspace(0.05, 1.2, 20)[None, :]
    gamma = 0.8      # K = T^γ makes the T scatter (and its correlation with L) matter
    p = selection_mz(toy_sf, mass, z, relations=rel, cosmology=COSMO,
                     k_correction=lambda zz, T: np.asarray(T) ** gamma, n_nodes=20)
    expected = analytic(mass, z, rel, gamma)
    assert p.shape == (25, 20)
    assert np.max(np.abs(p - expected)) < 2e-4
    # The answer spans the transition (the test is not all zeros or ones).
    assert p.min() < 0.05 and p.max() > 0.95
    # Monotone in mass at fixed redshift, decreasing with redshift at fixed mass.
    assert np.all(np.diff(p, axis=0) >= -1e-12) and np.all(np.diff(p[12], axis=0) <= 1e-12)


def test_temperature_dependent_k_correction_is_applied_per_node():
    rel = ScalingRelations(mt_scatter=0.25, lm_scatter=0.3, mt_regression="T|M")
    mass, z = np.geomspace(3e13, 3e14, 10), 0.4
    gamma = 0.5
    p = selection_mz(toy_sf, mass, z, relations=rel, cosmology=COSMO,
                     k_correction=lambda zz, T: np.asarray(T) ** gamma, n_nodes=24)
    np.testing.assert_allclose(p, analytic(mass, z, rel, gamma), atol=2e-4)


def test_zero_scatter_is_the_mean_relation():
    rel = ScalingRelations(mt_scatter=0.0, lm_scatter=0.0)
    mass, z = np.array([5e13, 2e14]), np.array([0.3, 0.8])
    p = selection_mz(toy_sf, mass, z, relations=rel, cosmology=COSMO, k_correction=0.9)
    f = 10 ** mean_log_flux(mass, z, rel, K=0.9)
    np.testing.assert_allclose(p, toy_sf(f, None, None), rtol=1e-12)


def test_equals_a_monte_carlo_through_the_simulator_draws():
    """P(sel | M, z) from the quadrature equals the mean of the selection over clusters drawn
    by the simulator's own draw (scatter in T, L and x_c, correlated), within MC error."""
    rel = ScalingRelations(mt_scatter=0.25, lm_scatter=0.45, lm_mt_correlation=0.4,
                           x_c_scatter=0.3)

    def sf(flux, core_radius, redshift, **_):   # depends on the core radius too
        return ndtr((np.log10(flux) - M0 - 0.5 * np.log10(core_radius / 20.0)) / W)

    mass = np.array([2e13, 6e13, 1.2e14])
    z = np.array([0.15, 0.4, 1.0])
    p = selection_mz(sf, mass, z, relations=rel, cosmology=COSMO, beta=BETA,
                     truncation=TRUNC, n_nodes=14, mass_function=MF)
    assert np.all((p > 0.05) & (p < 0.95)), p   # inside the transition, where it matters
    rng = np.random.default_rng(3)
    n = 200_000
    for mi, zi, pi in zip(mass, z, p):
        d = scaling.draw_properties(np.full(n, mi), np.full(n, zi), COSMO, rel, rng,
                                    beta=BETA, truncation=TRUNC,
                                    mf_slope=halos.log_slope(MF, mi, zi))
        v = sf(d["flux"], d["core_radius"], zi)
        assert pi == pytest.approx(v.mean(), abs=4 * v.std() / math.sqrt(n) + 1e-4)


def test_core_radius_from_r500():
    m, z = 1e14, 0.3
    # Independent route: M = 500 ρc(z) 4/3 π R³ with ρc = 3 H(z)² / (8 π G).
    rho_c = (3 * COSMO.H(z) ** 2 / (8 * np.pi * G)).to(u.Msun / u.Mpc**3)
    R = ((3 * m * u.Msun / (4 * np.pi * 500 * rho_c)) ** (1 / 3)).to(u.Mpc)
    assert scaling.r500_mpc(m, z, COSMO) == pytest.approx(R.value, rel=1e-10)
    theta = (0.24 * R / COSMO.angular_diameter_distance(z)).to(u.arcsec, u.dimensionless_angles())
    assert scaling.core_radius_arcsec(m, z, COSMO, 0.24) == pytest.approx(theta.value, rel=1e-10)
    # ~ 0.63 Mpc R500 for 1e14 Msun at z = 0.3: a sanity number from the literature.
    assert 0.55 < R.value < 0.72


def test_with_a_selection_function_draws_and_conditions():
    m = completeness_model()
    th = theta_of(m, TRUE_C1)
    rng = np.random.default_rng(0)
    samples = th + 0.02 * rng.standard_normal((300, m.ndim))
    sf = SelectionFunction(m, samples)
    rel = ScalingRelations()
    mass = np.geomspace(3e13, 1e15, 8)[:, None]
    z = np.array([0.2, 0.5, 1.0])[None, :]
    kw = dict(relations=rel, cosmology=COSMO, k_correction=1.0, n_nodes=10, mass_function=MF)
    p = selection_mz(sf, mass, z, exposure=1e4, offaxis=5.0, **kw)
    assert p.shape == (8, 3) and np.all((p >= 0) & (p <= 0.95))
    d = selection_mz(sf, mass, z, exposure=1e4, offaxis=5.0, draws=40, **kw)
    assert d.shape == (40, 8, 3)
    assert np.all(d.std(axis=0)[p > 0.05] > 0)
    # Averaging over observing conditions equals the weighted mean of separate calls.
    cond = {"exposure": np.array([1e4, 2e4, 2e4]), "offaxis": np.array([2.0, 6.0, 11.0])}
    w = np.array([1.0, 2.0, 1.0])
    avg = selection_mz(sf, mass, z, conditions=cond, weights=w, **kw)
    manual = sum(wi * selection_mz(sf, mass, z, exposure=e, offaxis=o, **kw)
                 for wi, e, o in zip(w, cond["exposure"], cond["offaxis"])) / w.sum()
    np.testing.assert_allclose(avg, manual, rtol=1e-12)
    # Mass as a quantity.
    pq = selection_mz(sf, mass * u.Msun, z, exposure=1e4, offaxis=5.0, **kw)
    np.testing.assert_array_equal(pq, p)
    with pytest.raises(SelfuncError, match="also needs offaxis"):
        selection_mz(sf, mass, z, exposure=1e4, **kw)


def test_errors():
    rel = ScalingRelations()
    with pytest.raises(SelfuncError, match="mass > 0"):
        selection_mz(toy_sf, -1.0, 0.3, relations=rel, cosmology=COSMO, k_correction=1.0)
    with pytest.raises(SelfuncError, match="draws= needs a SelectionFunction"):
        selection_mz(toy_sf, 1e14, 0.3, relations=rel, cosmology=COSMO, k_correction=1.0,
                     draws=3, mass_function=MF)
    with pytest.raises(SelfuncError, match="k_correction"):
        selection_mz(toy_sf, 1e14, 0.3, relations=rel, cosmology=COSMO, k_correction=-1.0,
                     mass_function=MF)
    with pytest.raises(SelfuncError, match="needs mass_function"):
        selection_mz(toy_sf, 1e14, 0.3, relations=rel, cosmology=COSMO, k_correction=1.0)
