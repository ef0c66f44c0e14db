"""dN/dCR dHR dz (selfunc.observable_counts): its count rates are the truth's, its integral
over CR and HR is the dN/dz of selfunc.cosmology (Gauss-Hermite there, Monte Carlo here), its
cube matches the simulator's own halo draw, and its Poisson likelihood closes on mocks."""

import numpy as np
import pytest
from scipy import stats
from scipy.special import expit

from helpers import empty_population, spec, truth_of
from selfunc import scaling
from selfunc.config.models import (ClusterMassFunction, Cosmology, InstrumentConfig,
                                   PopulationConfig, Range)
from selfunc.cosmology import expected_counts
from selfunc.errors import SelfuncError
from selfunc.observable_counts import ObservableCounts, fit_grid, halo_rates, observed_counts
from selfunc.pointing import rng_for
from selfunc.selection.massz import selection_mz
from selfunc.selection.survey import offaxis_nodes
from selfunc.sky.draw import clusters
from selfunc.xray import observe

MF = ClusterMassFunction(log10_mass=Range(min=13.5, max=15.5), redshift=Range(min=0.1, max=1.0))
FID = MF.cosmology
INF = [-np.inf, np.inf]
Z_EDGES = np.linspace(0.1, 1.0, 10)
CR_EDGES = np.array([-np.inf, -2.5, -2.0, -1.5, -1.0, np.inf])
HR_EDGES = np.array([-np.inf, 0.5, 0.7, 0.9, np.inf])
N_HALOS = 100_000
SEED = 11


def toy(flux, core_radius, exposure, offaxis, redshift):
    """A smooth flux limit near 1e-14 erg/s/cm2, deeper with exposure, shallower off axis."""
    return expit((np.log10(flux) + 14.0 - 0.15 * (exposure / 1e4 - 1.5)
                  + 0.02 * (offaxis - 8.0)) / 0.15)


@pytest.fixture(scope="module")
def toy_sample():
    # ecf_dz = 0.01 keeps the ECF table cheap here (the default is 0.005)
    return ObservableCounts.build(toy, mass_function=MF, n_halos=N_HALOS, seed=SEED,
                                  ecf_dz=0.01)


@pytest.fixture(scope="module")
def all_halos():
    return ObservableCounts.build(None, mass_function=MF, n_halos=N_HALOS, seed=SEED,
                                  ecf_dz=0.01)


def test_rates_are_those_observe_writes_into_the_truth():
    """Clusters drawn by the simulator (sky.draw.clusters), observed by xray.observe with
    the XXL bands: halo_rates gives the truth's ecf, CR = flux x ecf and hr."""
    pop = PopulationConfig(mode="mass_function", mass_function=MF)
    c = clusters(pop, np.random.default_rng(3), 0.3)
    k = np.argsort(c["flux"])[-6:]
    rows = [dict(kind="cluster", spectrum="cluster", xi=60.0 * i, eta=-40.0 * i,
                 flux=float(c["flux"][j]), core_radius=float(c["core_radius"][j]),
                 beta=2 / 3, redshift=float(c["redshift"][j])) for i, j in enumerate(k)]
    t = truth_of(*rows)
    t["temperature"] = c["temperature"][k]
    inst = InstrumentConfig(bands="xxl", npix=256, chip_gaps=False)
    o = observe(spec(), t, inst, empty_population(), rng_for(1, 0, "xray"))
    for dz, tol in ((None, 1e-6), (0.005, 3e-3)):
        got = halo_rates(c["temperature"][k], c["redshift"][k], c["flux"][k], instrument=inst,
                         nh=spec().nh, ecf_dz=dz)
        np.testing.assert_allclose(got["ecf"], o.truth["ecf"], rtol=tol)
        np.testing.assert_allclose(got["rate_05_1"], o.truth["rate_05_1"], rtol=max(tol, 2e-7))
        np.testing.assert_allclose(got["hr"], o.truth["hr"], rtol=max(tol, 2e-7))
    # the 0.5-2 keV ECF is the sum of the HR bands' (used by the table)
    np.testing.assert_allclose(got["rate"], got["rate_05_1"] + got["rate_1_2"], rtol=1e-12)


def test_summed_over_cr_and_hr_it_is_the_dndz_of_the_quadrature(toy_sample):
    """The same toy selection through selection_mz (Gauss-Hermite over the scatter, ring
    nodes in off-axis) and expected_counts (midpoint rule in M, z): every z bin agrees
    within 4 sigma of the MC noise plus 1.5 % for the quadratures."""
    th, w_th = offaxis_nodes(13.0, 8)
    ex, tt = np.meshgrid([1e4, 2e4], th, indexing="ij")
    w = (0.5 * np.ones((2, 1)) * w_th[None, :]).ravel()
    cosmo = scaling.astropy_cosmology(FID)

    def p_mz(m, z):
        return selection_mz(toy, m[:, None], z[None, :], cosmology=cosmo, relations=MF.scaling,
                            beta=2 / 3, truncation=10.0, mass_function=MF, n_nodes=8,
                            conditions={"exposure": ex.ravel(), "offaxis": tt.ravel()},
                            weights=w)

    ref = expected_counts(FID, p_mz, 25.0, Z_EDGES, log10_mass=(13.5, 15.5), n_mass=80,
                          z_per_bin=6)
    mu, var = toy_sample.expected(FID, 25.0, INF, INF, Z_EDGES, variance=True)
    mu, var = mu.ravel(), var.ravel()
    assert 300 < mu.sum() < 500
    assert np.all(np.abs(mu - ref) < 4 * np.sqrt(var) + 0.015 * ref), np.c_[mu, ref]
    assert abs(mu.sum() / ref.sum() - 1) < 0.01
    # and the MC noise is small against Poisson noise: Σ w² / Σ w < 2 % in every z bin
    assert np.all(var / mu < 0.02)
    # the same cube with finite edges loses only what lies outside them
    cube = toy_sample.expected(FID, 25.0, CR_EDGES, HR_EDGES, Z_EDGES)
    np.testing.assert_allclose(cube.sum(axis=(0, 1)), mu, rtol=1e-10)


def test_cube_matches_the_simulators_own_halo_draw(all_halos):
    """P = 1: the (CR, HR, z) histogram of a 60 deg² draw of sky.draw.clusters (its counts
    table, Poisson numbers, draw_properties) against μ: Pearson χ² over the cells with μ ≥ 5
    is consistent with its degrees of freedom (p > 0.001)."""
    area = 60.0
    pop = PopulationConfig(mode="mass_function", mass_function=MF)
    c = clusters(pop, np.random.default_rng(5), area)
    r = halo_rates(c["temperature"], c["redshift"], c["flux"], ecf_dz=0.01)
    cr_e = np.array([-np.inf, -3.0, -2.5, -2.0, -1.5, np.inf])
    hr_e = np.array([-np.inf, 0.4, 0.5, 0.6, 0.7, np.inf])
    z_e = np.array([0.1, 0.3, 0.5, 0.7, 1.0])
    n = observed_counts(r["rate"], r["hr"], c["redshift"], cr_e, hr_e, z_e)
    mu, var = all_halos.expected(FID, area, cr_e, hr_e, z_e, variance=True)
    assert n.sum() == pytest.approx(mu.sum(), abs=4 * np.sqrt(mu.sum()))
    use = mu >= 5
    assert use.sum() >= 40
    chi2 = np.sum((n[use] - mu[use]) ** 2 / (mu[use] + var[use]))
    assert stats.chi2.sf(chi2, use.sum()) > 1e-3, (chi2, use.sum())
    # the HR marginal, the new axis, on its own
    for axis in ((0, 2),):
        nm, mm = n.sum(axis=axis), mu.sum(axis=axis)
        assert np.all(np.abs(nm - mm) < 4 * np.sqrt(mm)), (nm, mm)


def test_deterministic_for_a_seed():
    a = ObservableCounts.build(toy, mass_function=MF, n_halos=5000, seed=3, ecf_dz=0.01)
    b = ObservableCounts.build(toy, mass_function=MF, n_halos=5000, seed=3, ecf_dz=0.01)
    c = ObservableCounts.build(toy, mass_function=MF, n_halos=5000, seed=4, ecf_dz=0.01)
    for name in ("log10_mass", "redshift", "log10_rate", "hr", "p"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.log10_mass, c.log10_mass)
    np.testing.assert_array_equal(a.expected(FID, 10.0, CR_EDGES, HR_EDGES, Z_EDGES),
                                  b.expected(FID, 10.0, CR_EDGES, HR_EDGES, Z_EDGES))


def test_smooth_in_cosmology(toy_sample):
    """Along Ω_m (step 0.01) every cell with μ > 1 changes smoothly: second differences are
    below 2 % of μ and far below its Poisson noise (a fixed sample has no MC jitter between
    grid points)."""
    om = np.linspace(0.26, 0.34, 9)
    mu = toy_sample.count_grid(25.0, CR_EDGES, HR_EDGES, Z_EDGES, om, [0.81])[:, 0]
    big = mu[4] > 1
    d2 = np.abs(mu[2:] - 2 * mu[1:-1] + mu[:-2])[:, big]
    assert np.all(d2 < 0.02 * mu[1:-1][:, big])
    assert np.all(d2 < 0.05 * np.sqrt(mu[1:-1][:, big]))
    # and it moves: more Ω_m, more clusters
    assert mu[-1].sum() > 1.2 * mu[0].sum()


def test_poisson_mocks_of_the_cube_are_recovered(toy_sample):
    """Closure of the likelihood: 10 Poisson mocks of μ(Ω_m = 0.3, σ_8 = 0.81) in
    (CR, HR, z), fitted on a 7 × 7 grid, hold the input inside their 95 % region
    (2 ΔlnL < 5.99) in ≥ 8."""
    om = np.round(np.linspace(0.24, 0.36, 7), 3)
    s8 = np.round(np.linspace(0.75, 0.87, 7), 3)
    i0, j0 = 3, 3
    assert (om[i0], s8[j0]) == (0.3, 0.81)
    z_e = np.linspace(0.1, 1.0, 6)
    grid = toy_sample.count_grid(25.0, CR_EDGES, HR_EDGES, z_e, om, s8)
    mu = toy_sample.expected(FID, 25.0, CR_EDGES, HR_EDGES, z_e)
    np.testing.assert_allclose(grid[i0, j0], mu, rtol=1e-12)
    rng = np.random.default_rng(8)
    inside = 0
    for _ in range(10):
        fit = fit_grid(rng.poisson(mu), grid, om, s8)
        inside += 2 * (fit.loglike.max() - fit.loglike[i0, j0]) < 5.99
        assert fit.best[0] in om
    assert inside >= 8, inside


def test_errors_name_the_argument(toy_sample):
    s = toy_sample
    with pytest.raises(SelfuncError, match="log10_rate_edges"):
        s.expected(FID, 25.0, [0.0], INF, Z_EDGES)
    with pytest.raises(SelfuncError, match="hr_edges"):
        s.expected(FID, 25.0, INF, [1.0, 0.5], Z_EDGES)
    with pytest.raises(SelfuncError, match="z_edges"):
        s.expected(FID, 25.0, INF, INF, [0.1, np.inf])
    with pytest.raises(SelfuncError, match="z_edges .*outside"):
        s.expected(FID, 25.0, INF, INF, [0.05, 0.5])
    with pytest.raises(SelfuncError, match="area_deg2"):
        s.expected(FID, -1.0, INF, INF, Z_EDGES)
    with pytest.raises(SelfuncError, match="draw="):
        s.expected(FID, 25.0, INF, INF, Z_EDGES, draw=0)
    with pytest.raises(SelfuncError, match="n_halos"):
        ObservableCounts.build(toy, mass_function=MF, n_halos=0)
    with pytest.raises(SelfuncError, match="max_offaxis"):
        ObservableCounts.build(toy, mass_function=MF, n_halos=10, max_offaxis=-1.0)
    with pytest.raises(SelfuncError, match="exposures"):
        ObservableCounts.build(toy, mass_function=MF, n_halos=10, exposures=[])
    with pytest.raises(SelfuncError, match="shape"):
        ObservableCounts.build(lambda **kw: np.ones(3), mass_function=MF, n_halos=10)
    with pytest.raises(SelfuncError, match=r"\[0, 1\]"):
        ObservableCounts.build(lambda flux, **kw: 2.0 + 0 * flux, mass_function=MF, n_halos=10)
    with pytest.raises(SelfuncError, match="grid has shape"):
        fit_grid(np.zeros((5, 4, 9)), np.ones((2, 2, 5, 4, 8)), [0.3, 0.31], [0.8, 0.81])
    n = np.zeros((1, 1, 1))
    n[0, 0, 0] = 3
    with pytest.raises(SelfuncError, match="cell"):
        fit_grid(n, np.zeros((1, 1, 1, 1, 1)), [0.3], [0.8])
    with pytest.raises(SelfuncError, match="rate"):
        observed_counts([-1.0], [0.5], [0.3], CR_EDGES, HR_EDGES, Z_EDGES)
    with pytest.raises(SelfuncError, match="one value per cluster"):
        observed_counts([1.0, 2.0], [0.5], [0.3], CR_EDGES, HR_EDGES, Z_EDGES)


def test_selection_function_and_its_posterior_realisations():
    """A SelectionFunction gets its own variables; draws= keeps one P per posterior
    realisation, and the default (their median per halo) lies between the extremes."""
    from selfunc.selection.function import SelectionFunction
    from selfunc.selection.models import completeness_model

    m = completeness_model()
    theta = np.array([0.05, 0.45, -0.55, 0.3, np.log(0.15), 0.3, 0.0, 0.1, 0.93])
    sf = SelectionFunction(m, theta + 0.05 * np.random.default_rng(0).standard_normal((50, 9)))
    s = ObservableCounts.build(sf, mass_function=MF, n_halos=5000, seed=3, draws=4,
                               ecf_dz=0.01)
    assert s.p.shape == (4, s.log10_mass.size)
    tot = [s.expected(FID, 25.0, INF, INF, Z_EDGES, draw=k).sum() for k in range(4)]
    assert len(set(np.round(tot, 6))) == 4
    assert min(tot) <= s.expected(FID, 25.0, INF, INF, Z_EDGES).sum() <= max(tot)
    # the median-parameter evaluation is another P of the same family
    one = ObservableCounts.build(sf, mass_function=MF, n_halos=5000, seed=3, ecf_dz=0.01)
    np.testing.assert_allclose(one.p, sf(**{k: v for k, v in _covariates(one, sf).items()}))
    with pytest.raises(SelfuncError, match="draw must be"):
        s.expected(FID, 25.0, INF, INF, Z_EDGES, draw=4)


def _covariates(sample, sf):
    """Recompute the sample's covariates from its seed (the build's streams)."""
    from selfunc import halos
    n, seed = sample.meta["n_halos"], sample.meta["seed"]
    r_halo, r_scatter, r_cond = (np.random.default_rng(s)
                                 for s in np.random.SeedSequence(seed).spawn(3))
    lm = r_halo.uniform(MF.log10_mass.min, MF.log10_mass.max, n)
    z = r_halo.uniform(MF.redshift.min, MF.redshift.max, n)
    cosmo = scaling.astropy_cosmology(FID)
    p = scaling.draw_properties(10**lm, z, cosmo, MF.scaling, r_scatter, beta=2 / 3,
                                truncation=10.0, mf_slope=halos.log_slope(MF, 10**lm, z))
    cond = {"exposure": r_cond.choice(np.array([1e4, 2e4]), size=n, p=[0.5, 0.5]),
            "offaxis": 13.0 * np.sqrt(r_cond.uniform(size=n))}
    v = {"flux": p["flux"], "core_radius": p["core_radius"], **cond}
    keep = np.isin(lm, sample.log10_mass)
    return {k: x[keep] for k, x in v.items() if k in sf.variables}
