import math

import astropy.units as u
import numpy as np
import pytest
from scipy.special import ndtr

from selfunc.errors import SelfuncError
from selfunc.selection.models import (
    BernoulliLikelihood, Covariate, Prior, TransitionModel, completeness_model, purity_model,
)

from .conftest import TRUE_C1, draw_clusters, theta_of


def test_parameter_names_and_defaults():
    m = completeness_model()
    assert m.parameter_names == (
        "mu0", "mu_core_radius", "mu_exposure", "mu_offaxis",
        "lnw0", "lnw_core_radius", "lnw_exposure", "lnw_offaxis", "amax")
    p = purity_model(floor=True)
    assert p.parameter_names == ("mu0", "mu_rate", "lnw0", "lnw_rate", "amax", "amin")
    assert p.driver.column == "ext"
    assert m.prior_map["amax"] == Prior("uniform", 0.0, 1.0)


def test_probability_matches_the_formula_by_hand():
    m = completeness_model()
    th = theta_of(m, TRUE_C1)
    flux, rc, t, off = 2.0e-14, 40.0, 2.0e4, 6.0
    z_rc, z_t, z_off = math.log10(rc / 20), math.log10(t / 1e4), (off / 10) ** 2
    mu = 0.05 + 0.45 * z_rc - 0.55 * z_t + 0.3 * z_off
    sig = math.exp(math.log(0.15) + 0.3 * z_rc + 0.0 * z_t + 0.1 * z_off)
    expected = 0.93 * ndtr((math.log10(flux / 1e-14) - mu) / sig)
    got = m.probability(th, {"flux": flux, "core_radius": rc, "exposure": t, "offaxis": off})
    assert got.shape == ()
    assert got == pytest.approx(expected, rel=1e-12)


def test_logistic_link_and_floor():
    m = TransitionModel("purity", Covariate("ext", "arcsec", "log10", 20.0), link="logistic",
                        ceiling=True, floor=True)
    th = np.array([0.0, math.log(0.1), 0.95, 0.2])  # mu0, lnw0, amax, amin
    ext = np.array([20.0, 20 * 10**0.1, 1e6, 1e-6])
    p = m.probability(th, {"ext": ext})
    expected = 0.2 + 0.75 / (1 + np.exp(-np.log10(ext / 20) / 0.1))
    np.testing.assert_allclose(p, expected, rtol=1e-12)
    assert p[2] == pytest.approx(0.95) and p[3] == pytest.approx(0.2)


def test_probability_broadcasts_over_draws_and_accepts_units():
    m = completeness_model()
    th = theta_of(m, TRUE_C1)
    draws = np.vstack([th, th + 0.01, th - 0.01])
    flux = np.geomspace(3e-15, 3e-13, 7)[:, None]
    rc = np.array([10.0, 30.0, 90.0])[None, :]
    p = m.probability(draws, {"flux": flux, "core_radius": rc, "exposure": 1e4, "offaxis": 3.0})
    assert p.shape == (3, 7, 3)
    p0 = m.probability(th, {"flux": flux * u.erg / u.s / u.cm**2,
                            "core_radius": (rc * u.arcsec).to(u.arcmin),
                            "exposure": 10 * u.ks, "offaxis": 180 * u.arcsec})
    np.testing.assert_allclose(p[0], p0, rtol=1e-12)
    # Monotone in flux, bounded by amax.
    assert np.all(np.diff(p0, axis=0) >= 0) and np.all(np.diff(p0[:4], axis=0) > 0)
    assert np.all(p0 <= 0.93)
    with pytest.raises(SelfuncError, match="does not convert"):
        m.probability(th, {"flux": 1 * u.s, "core_radius": 1, "exposure": 1, "offaxis": 1})
    with pytest.raises(SelfuncError, match="needs exposure"):
        m.probability(th, {"flux": 1e-14, "core_radius": 1, "offaxis": 1})


@pytest.mark.parametrize("kw", [dict(ceiling=False), dict(ceiling=True),
                                dict(ceiling=True, floor=True), dict(link="logistic")])
def test_batched_likelihood_equals_direct_sum(kw):
    rng = np.random.default_rng(3)
    base = completeness_model(**{k: v for k, v in kw.items() if k in ("ceiling", "link")})
    m = base if not kw.get("floor") else TransitionModel(
        "completeness", base.driver, base.threshold, base.width, base.link, True, True)
    vals = draw_clusters(500, rng)
    # Parameters near a plausible point, where the direct formula does not underflow.
    th0 = np.zeros((4, m.ndim))
    th0[:, m.parameter_names.index("lnw0")] = math.log(0.2)
    th0 += rng.normal(0, 0.1, th0.shape)
    if m.ceiling:
        th0[:, m.parameter_names.index("amax")] = [0.9, 0.95, 0.99, 0.8]
    if m.floor:
        th0[:, m.parameter_names.index("amin")] = [0.01, 0.1, 0.2, 0.05]
    y = m.simulate(th0[0], vals, rng)
    like = BernoulliLikelihood(m, vals, y)
    got = like(th0)
    p = m.probability(th0, vals)
    direct = np.sum(np.where(y, np.log(p), np.log1p(-p)), axis=1)
    np.testing.assert_allclose(got, direct, rtol=1e-9)


def test_likelihood_is_accurate_in_the_far_tails():
    # A selected object 40 σ below threshold: ln P ≈ ln Φ(−40) ≈ −804.6, not −inf.
    m = completeness_model(threshold=(), ceiling=False)
    like = BernoulliLikelihood(m, {"flux": np.array([1e-14 * 10**-8.0])}, np.array([True]))
    ll = like(np.array([[0.0, math.log(0.2)]]))
    assert ll[0] == pytest.approx(-804.6084420137538, rel=1e-9)


def test_invalid_rows_are_refused():
    m = completeness_model()
    vals = draw_clusters(10, np.random.default_rng(0))
    vals["core_radius"][3] = np.nan
    vals["flux"][5] = 0.0
    with pytest.raises(SelfuncError, match="2 of 10 objects"):
        BernoulliLikelihood(m, vals, np.ones(10, bool))


def test_prior_sampling_and_density():
    rng = np.random.default_rng(1)
    m = purity_model(floor=True)
    draws = m.sample_prior(rng, 2000)
    assert draws.shape == (2000, m.ndim)
    ia, ib = m.parameter_names.index("amax"), m.parameter_names.index("amin")
    assert np.all(draws[:, ib] < draws[:, ia])
    assert np.all(np.isfinite(m.log_prior(draws)))
    bad = draws[0].copy()
    bad[ib] = bad[ia] + 0.01
    assert m.log_prior(bad) == -np.inf
    # Normal prior density at its mean: −ln(σ√(2π)).
    expected = -math.log(2 * math.sqrt(2 * math.pi))
    assert Prior("normal", 1.0, 2.0).logpdf(1.0) == pytest.approx(expected)


def test_serialisation_round_trip():
    m = completeness_model(("core_radius", "offaxis"), ("core_radius",), link="logistic",
                           priors={"mu0": Prior("uniform", -1, 1)})
    again = TransitionModel.from_dict(m.to_dict())
    assert again == m
    assert again.to_json() == m.to_json()
    with pytest.raises(ValueError, match="unknown parameters"):
        completeness_model(priors={"mu_redshift": Prior("normal", 0, 1)})
    with pytest.raises(SelfuncError, match="unknown covariate"):
        completeness_model(("core_radius", "colour"))


def test_parabolic_threshold_in_log_core_radius():
    """``core_radius_sq`` adds log10²(r_c/20″) to the threshold: the formula by hand, and a
    grid/inverse over the column still uses its monotonic log10 form."""
    m = completeness_model(("core_radius", "core_radius_sq", "exposure"), ("core_radius",))
    assert m.parameter_names == ("mu0", "mu_core_radius", "mu_core_radius_sq", "mu_exposure",
                                 "lnw0", "lnw_core_radius", "amax")
    assert [c.transform for c in m.variables] == ["log10", "log10", "log10"]
    assert m.columns == ("flux", "core_radius", "exposure")
    th = np.array([0.1, -0.2, 0.8, -0.5, math.log(0.15), 0.2, 0.9])
    flux, rc, t = 3e-14, 7.0, 2e4
    z = math.log10(rc / 20)
    mu = 0.1 - 0.2 * z + 0.8 * z * z - 0.5 * math.log10(t / 1e4)
    sig = 0.15 * math.exp(0.2 * z)
    expected = 0.9 * ndtr((math.log10(flux / 1e-14) - mu) / sig)
    got = m.probability(th, {"flux": flux, "core_radius": rc, "exposure": t})
    assert got == pytest.approx(expected, rel=1e-12)
    # the threshold rises on both sides of its minimum (r_c = 20″ · 10^(0.2 / 1.6)); with a
    # constant width the probability peaks there
    rcs = np.geomspace(5, 120, 41)
    flat = th.copy()
    flat[5] = 0.0
    p = m.probability(flat, {"flux": flux, "core_radius": rcs, "exposure": t})
    k = int(np.argmax(p))
    assert 0 < k < len(rcs) - 1 and rcs[k] == pytest.approx(20 * 10 ** (0.2 / 1.6), rel=0.05)
    again = TransitionModel.from_dict(m.to_dict())
    assert again == m and again.parameter_names == m.parameter_names
    with pytest.raises(ValueError, match="no inverse"):
        m.threshold[1].inverse(0.5)
    with pytest.raises(ValueError, match="repeat"):
        TransitionModel("completeness", m.driver, (m.threshold[0], m.threshold[0]))


def test_models_written_before_covariate_names_still_load():
    d = completeness_model().to_dict()
    assert all("name" not in c for c in d["threshold"])
    assert TransitionModel.from_dict(d) == completeness_model()
