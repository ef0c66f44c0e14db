import warnings

import numpy as np
import pytest

from selfunc.selection.fitting import (
    ConvergenceError, ConvergenceWarning, check_convergence, fit,
)
from selfunc.selection.models import completeness_model

from .conftest import TRUE_C1, draw_clusters, theta_of


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(11)
    m = completeness_model()
    vals = draw_clusters(3000, rng)
    th = theta_of(m, TRUE_C1)
    return m, vals, m.simulate(th, vals, rng), th


@pytest.fixture(scope="module")
def posterior(data):
    m, vals, y, _ = data
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # must converge on its own
        return fit(m, vals, y, rng=np.random.default_rng(1))


def test_fit_recovers_the_generating_parameters(data, posterior):
    m, _, _, th = data
    med = posterior.median()
    lo, hi = posterior.interval(0.68)
    sd = 0.5 * (hi - lo)
    pulls = (med - th) / sd
    # Every parameter within 3 σ; and not all suspiciously far (mean |pull| < 1.5).
    assert np.all(np.abs(pulls) < 3), dict(zip(m.parameter_names, pulls.round(2)))
    assert np.mean(np.abs(pulls)) < 1.5
    # The well-measured ones are measured well.
    assert sd[m.parameter_names.index("mu0")] < 0.05
    assert sd[m.parameter_names.index("amax")] < 0.02


def test_fit_diagnostics_are_complete_and_consistent(posterior):
    d = posterior.diagnostics
    assert d["converged"] and d["warnings"] == []
    assert d["n_steps"] >= d["tau_factor"] * max(d["tau"])
    assert 0.15 <= np.mean(d["acceptance"]) <= 0.75
    assert len(d["acceptance"]) == d["nwalkers"] == 20
    assert d["n_objects"] == 3000
    n_kept = d["nwalkers"] * ((d["n_steps"] - d["burn"]) // d["thin"])
    assert abs(len(posterior.samples) - n_kept) <= d["nwalkers"]
    assert posterior.samples.shape[1] == 9 and np.all(np.isfinite(posterior.log_prob))
    assert "converged" in posterior.summary()


def test_fit_is_reproducible_with_the_same_generator(data):
    m, vals, y, _ = data
    sub = {k: v[:400] for k, v in vals.items()}
    kw = dict(max_steps=300, check_every=100)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = fit(m, sub, y[:400], rng=np.random.default_rng(5), **kw)
        b = fit(m, sub, y[:400], rng=np.random.default_rng(5), **kw)
        c = fit(m, sub, y[:400], rng=np.random.default_rng(6), **kw)
    assert np.array_equal(a.samples, b.samples)
    assert not np.array_equal(a.samples, c.samples)


def test_short_chains_warn_and_strict_raises(data):
    m, vals, y, _ = data
    sub = {k: v[:300] for k, v in vals.items()}
    with pytest.warns(ConvergenceWarning, match="shorter than 50 autocorrelation times"):
        post = fit(m, sub, y[:300], rng=np.random.default_rng(2), max_steps=60, check_every=30)
    assert not post.diagnostics["converged"]
    assert "NOT CONVERGED" in post.summary()
    with pytest.raises(ConvergenceError, match="completeness fit: chain of 60 steps"):
        fit(m, sub, y[:300], rng=np.random.default_rng(2), max_steps=60, check_every=30,
            strict=True)


def test_check_convergence_messages():
    names = ("a", "b")
    assert check_convergence([10, 12], np.full(20, 0.3), 1000, names=names) == []
    msgs = check_convergence([10, 30], np.full(20, 0.3), 1000, names=names)
    assert len(msgs) == 1 and "for b (τ_b = 30.0, needs ≥ 1500 steps)" in msgs[0]
    msgs = check_convergence([10, 12], np.full(20, 0.05), 1000, names=names)
    assert "mean acceptance fraction 0.050" in msgs[0]
    acc = np.full(20, 0.3)
    acc[3] = 0.01
    msgs = check_convergence([10, 12], acc, 1000, names=names)
    assert "1 walker(s)" in msgs[0] and "stuck" in msgs[0]
    assert "autocorrelation" in check_convergence([np.nan, 1], acc * 0 + 0.3, 100,
                                                  names=names)[0]


def test_walker_count_validation(data):
    m, vals, y, _ = data
    with pytest.raises(ValueError, match="nwalkers must be at least 2 × ndim = 18"):
        fit(m, vals, y, rng=np.random.default_rng(0), nwalkers=10)
