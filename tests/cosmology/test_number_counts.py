"""Expected cluster counts and the (Ω_m, σ_8) likelihood of selfunc.cosmology."""

import numpy as np
import pytest
from scipy.special import expit

from selfunc.config.models import ClusterMassFunction, Cosmology, Range
from selfunc.cosmology import count_grid, expected_counts, fit_grid, poisson_loglike
from selfunc import halos

FID = Cosmology()
EDGES = np.linspace(0.1, 1.0, 10)


def toy_selection(m, z):
    """A mass threshold rising with redshift, like a flux limit."""
    m50 = 8e13 * (1 + np.asarray(z)) ** 1.5
    return expit((np.log(m)[:, None] - np.log(m50)[None, :]) / 0.25)


def test_all_halos_equal_the_simulators_mass_function_integral():
    mf = ClusterMassFunction(log10_mass=Range(min=13.5, max=15.5), redshift=Range(min=0.1, max=1.0))
    expected = halos.counts_table(mf, 50.0, n_mass=200, n_z=200)[2].sum()
    got = expected_counts(FID, None, 50.0, [0.1, 1.0], log10_mass=(13.5, 15.5), n_mass=200,
                          z_per_bin=60).sum()
    assert got == pytest.approx(expected, rel=0.005)


def test_poisson_loglike():
    assert poisson_loglike([0, 2], [1.0, 2.0]) == pytest.approx(-1 + 2 * np.log(2) - 2 - np.log(2))
    assert poisson_loglike([1], [0.0]) == -np.inf


@pytest.mark.slow
def test_fit_recovers_the_input_from_poisson_mocks_and_a_flux_limit_does_not():
    """Closure of the likelihood itself: 10 mocks drawn from μ(Ω_m = 0.3, σ_8 = 0.81) with the
    toy selection and fitted with it contain the input inside their 95 % region (2 ΔlnL <
    5.99 for two parameters; Ω_m and σ_8 are degenerate in dN/dz, so the joint region is the
    test) in ≥ 8 of 10; fitted with a naive selection (a sharp mass limit at the 50 % point,
    80 % complete above it) they exclude it in ≥ 8 of 10."""
    area = 150.0
    mu = expected_counts(FID, toy_selection, area, EDGES, n_mass=50, z_per_bin=3)
    assert 100 < mu.sum() < 5000
    om = np.linspace(0.22, 0.40, 10)
    s8 = np.linspace(0.71, 0.91, 11)
    i0, j0 = np.argmin(abs(om - 0.3)), np.argmin(abs(s8 - 0.81))
    assert om[i0] == pytest.approx(0.3) and s8[j0] == pytest.approx(0.81)
    naive = lambda m, z: 0.8 * (np.log(m)[:, None]
                                > np.log(8e13 * (1 + np.asarray(z)) ** 1.5)[None, :])
    kw = dict(n_mass=50, z_per_bin=3)
    good = count_grid(toy_selection, area, EDGES, om, s8, **kw)
    bad = count_grid(naive, area, EDGES, om, s8, **kw)
    np.testing.assert_allclose(good[i0, j0], mu, rtol=1e-12)
    rng = np.random.default_rng(4)
    inside = excluded = 0
    for _ in range(10):
        n = rng.poisson(mu)
        fit = fit_grid(n, None, area, EDGES, om, s8, grid=good)
        inside += 2 * (fit.loglike.max() - fit.loglike[i0, j0]) < 5.99
        fit = fit_grid(n, None, area, EDGES, om, s8, grid=bad)
        excluded += 2 * (fit.loglike.max() - fit.loglike[i0, j0]) > 5.99
    assert inside >= 8 and excluded >= 8, (inside, excluded)


def test_count_kernel_equals_count_grid_and_marginalises_draws():
    """μ = K·P reproduces count_grid for any P; averaging the likelihood over draws of P
    widens the posterior when the draws differ in normalisation, and equals the single fit
    when they are all the same."""
    from selfunc.cosmology import CountKernel, fit_grid_marginal

    om, s8, area = np.linspace(0.22, 0.38, 9), np.linspace(0.73, 0.89, 9), 300.0
    kw = dict(n_mass=30, z_per_bin=2, log10_mass=(13.5, 15.5))
    k = CountKernel.build(area, EDGES, om, s8, fiducial=FID, **kw)
    p = toy_selection(k.mass, k.z)
    # count_grid is built on the kernel: compare with expected_counts one cosmology at a time
    for i, j in ((0, 0), (4, 4), (8, 2)):
        c = FID.model_copy(update=dict(Om0=float(om[i]), sigma8=float(s8[j])))
        np.testing.assert_allclose(k.counts(p)[i, j],
                                   expected_counts(c, toy_selection, area, EDGES, **kw),
                                   rtol=1e-12)
    n = np.round(k.counts(p)[4, 4]).astype(int)
    one = fit_grid(n, None, area, EDGES, om, s8, grid=k.counts(p))
    same = fit_grid_marginal(n, k.counts(np.stack([p, p, p])), om, s8)
    assert np.allclose(same.loglike, one.loglike)
    # a survey (~1300 clusters) whose completeness is 10 % above the median selection
    # function: marginalised over draws that span ±10 %, the fit is wider and nearer the input
    n = np.round(k.counts(1.1 * p)[4, 4]).astype(int)
    one = fit_grid(n, None, area, EDGES, om, s8, grid=k.counts(p))
    marg = fit_grid_marginal(n, k.counts(np.stack([0.9 * p, p, 1.1 * p])), om, s8)
    (m1, s1), (m2, s2) = one.marginal("Om0"), marg.marginal("Om0")
    assert s2 > 1.05 * s1 and abs(m2 - 0.3) / s2 < 0.7 * abs(m1 - 0.3) / s1
    assert marg.best == (0.3, 0.81)
    with pytest.raises(ValueError, match="shape"):
        k.counts(p[:-1])
