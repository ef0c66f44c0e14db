"""Simulation-based calibration of the parametric fits (Talts et al. 2018).

Repeat: draw parameters :math:`\\theta^*` from the prior, draw Bernoulli outcomes from the
model at given covariates, fit. If the sampler and the convergence checks are right, the
rank of :math:`\\theta^*_j` among the posterior samples is uniform, and the central 68 %
interval contains :math:`\\theta^*_j` in 68 % of replicas — for any number of objects,
because the truths come from the same prior the fit uses.

The binomial standard error of a coverage over :math:`R` replicas is
:math:`\\sqrt{0.68 \\cdot 0.32 / R}` (4.7 % for 100 replicas, per parameter).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np
from scipy import stats

from selfunc.selection.fitting import ConvergenceWarning, fit
from selfunc.selection.models import TransitionModel

__all__ = ["CalibrationResult", "calibrate"]


@dataclass(frozen=True)
class CalibrationResult:
    """Outcome of :func:`calibrate`.

    Attributes
    ----------
    parameter_names : tuple of str
    truths, lower, upper, ranks : arrays of shape (R, ndim)
        True parameters, interval bounds and normalised ranks (fraction of posterior
        samples below the truth).
    converged : bool array (R,)
        Whether each fit passed its convergence checks.
    level : float
    seconds : float
    """

    parameter_names: tuple[str, ...]
    truths: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    ranks: np.ndarray
    converged: np.ndarray
    level: float
    seconds: float

    @property
    def covered(self) -> np.ndarray:
        return (self.truths >= self.lower) & (self.truths <= self.upper)

    @property
    def coverage(self) -> np.ndarray:
        """Fraction of replicas whose interval covers the truth, per parameter."""
        return self.covered.mean(axis=0)

    @property
    def pooled_coverage(self) -> float:
        return float(self.covered.mean())

    @property
    def standard_error(self) -> float:
        """Binomial standard error of a per-parameter coverage."""
        return float(np.sqrt(self.level * (1 - self.level) / len(self.truths)))

    def rank_uniformity_pvalues(self) -> np.ndarray:
        """Kolmogorov–Smirnov p-value of the ranks against U(0, 1), per parameter."""
        return np.array([stats.kstest(self.ranks[:, j], "uniform").pvalue
                         for j in range(self.ranks.shape[1])])

    def report(self) -> str:
        se = self.standard_error
        p = self.rank_uniformity_pvalues()
        lines = [f"SBC: {len(self.truths)} replicas, {int(self.converged.sum())} converged, "
                 f"{self.seconds:.0f} s; nominal {self.level:.0%} (±{se:.1%} binomial s.e.)"]
        for n, c, pv in zip(self.parameter_names, self.coverage, p):
            lines.append(f"  {n:>16s}: coverage {c:6.1%}   rank KS p = {pv:.3f}")
        lines.append(f"  {'pooled':>16s}: coverage {self.pooled_coverage:6.1%}")
        return "\n".join(lines)


def calibrate(
    model: TransitionModel, covariates: Mapping | Callable[[np.random.Generator], Mapping], *,
    n_replicas: int, rng: np.random.Generator, level: float = 0.68,
    fit_kwargs: Mapping | None = None, progress: Callable[[int, float], None] | None = None,
) -> CalibrationResult:
    """Run simulation-based calibration of ``model``.

    Parameters
    ----------
    model : TransitionModel
        Its priors are both the generating distribution of the truths and the fit priors.
    covariates : mapping column → array, or callable ``rng -> mapping``
        Objects of each replica (a callable draws new ones per replica).
    n_replicas : int
    rng : numpy.random.Generator
    level : float
        Credible level of the central interval.
    fit_kwargs : mapping, optional
        Passed to :func:`~selfunc.selection.fitting.fit` (e.g. ``max_steps``).
    progress : callable, optional
        Called as ``progress(i, running_pooled_coverage)`` after each replica.
    """
    t0 = time.perf_counter()
    k = model.ndim
    truths = np.empty((n_replicas, k))
    lower = np.empty((n_replicas, k))
    upper = np.empty((n_replicas, k))
    ranks = np.empty((n_replicas, k))
    conv = np.empty(n_replicas, dtype=bool)
    q = (50 * (1 - level), 50 * (1 + level))
    for r in range(n_replicas):
        values = covariates(rng) if callable(covariates) else covariates
        theta = model.sample_prior(rng)
        y = model.simulate(theta, values, rng)
        with warnings.catch_warnings():
            # Non-converged replicas are counted in `converged`, not printed one by one.
            warnings.simplefilter("ignore", ConvergenceWarning)
            post = fit(model, values, y, rng=rng, **dict(fit_kwargs or {}))
        truths[r] = theta
        lower[r], upper[r] = np.percentile(post.samples, q, axis=0)
        ranks[r] = (post.samples < theta).mean(axis=0)
        conv[r] = post.diagnostics["converged"]
        if progress is not None:
            cov = ((truths[: r + 1] >= lower[: r + 1]) & (truths[: r + 1] <= upper[: r + 1]))
            progress(r + 1, float(cov.mean()))
    return CalibrationResult(model.parameter_names, truths, lower, upper, ranks, conv, level,
                             time.perf_counter() - t0)
