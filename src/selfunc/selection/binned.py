"""Binned fractions (completeness, purity) with Beta-posterior intervals.

In a bin with :math:`k` successes out of :math:`n` trials, a Beta(:math:`a, b`) prior on the
fraction gives the posterior Beta(:math:`k + a`, :math:`n - k + b`). Following Cameron
(2011, PASA 28, 128) the uniform prior :math:`a = b = 1` is the default (Jeffreys'
:math:`a = b = 1/2` is the other common choice), the point estimate is the posterior mode
:math:`k/n` and the interval is the central one of the requested level — one-sided,
:math:`[0, q_{\rm level}]` or :math:`[q_{1-\rm level}, 1]`, when :math:`k = 0` or
:math:`k = n`, where a central interval would exclude the mode. The posterior median is
kept too. Empty bins get NaN, not the prior.

:func:`compare` confronts binned outcomes with a parametric model evaluated at each object:
in a bin the expected number of successes is :math:`\\sum_i P_i`, with the Poisson-binomial
variance :math:`\\sum_i P_i (1 - P_i)` plus the posterior variance of :math:`\\sum_i P_i`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
from scipy import stats

from selfunc.errors import SelfuncError
from selfunc.selection.models import COVARIATES

__all__ = ["BinnedFraction", "binned_fraction", "beta_interval", "bin_edges", "bin_index",
           "Agreement", "compare"]


def bin_edges(values, nbins: int, column: str | None = None) -> np.ndarray:
    """``nbins`` equal bins spanning ``values``, in the covariate's transform.

    Columns of :data:`~selfunc.selection.models.COVARIATES` with a ``log10`` transform get
    logarithmic bins, others linear ones.
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        raise SelfuncError(f"no finite values of {column or 'the variable'} to bin")
    lo, hi = v.min(), v.max()
    if lo == hi:
        raise SelfuncError(f"{column or 'the variable'} takes the single value {lo:g}; "
                           "cannot bin it")
    cov = COVARIATES.get(column or "")
    if cov is not None and cov.transform == "log10" and lo > 0:
        return np.geomspace(lo, hi, nbins + 1)
    return np.linspace(lo, hi, nbins + 1)


def bin_index(values, edges) -> np.ndarray:
    """Bin of each value (last bin closed on the right), −1 outside or for NaN."""
    v = np.asarray(values, dtype=float)
    edges = np.asarray(edges, dtype=float)
    i = np.searchsorted(edges, v, side="right") - 1
    i = np.where(v == edges[-1], len(edges) - 2, i)
    return np.where((i >= 0) & (i < len(edges) - 1) & np.isfinite(v), i, -1)


@dataclass(frozen=True)
class BinnedFraction:
    """Fractions in bins of one or two variables.

    Attributes
    ----------
    variables : tuple of str
    edges : tuple of arrays
    k, n : int arrays of shape ``(nbins_1[, nbins_2])``
        Successes and trials per bin.
    fraction : float array
        :math:`k / n`, the posterior mode under the uniform prior.
    median, lower, upper : float arrays
        Beta-posterior median and the ``level`` interval (module docstring); NaN where
        ``n == 0``.
    level : float
    prior : (float, float)
    index : int array, shape (N,)
        Flattened (C order) bin of each object, −1 outside the edges.
    """

    variables: tuple[str, ...]
    edges: tuple[np.ndarray, ...]
    k: np.ndarray
    n: np.ndarray
    fraction: np.ndarray
    median: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    level: float
    prior: tuple[float, float]
    index: np.ndarray = field(repr=False, compare=False)

    @property
    def centres(self) -> tuple[np.ndarray, ...]:
        """Geometric centres for logarithmic bins, arithmetic otherwise."""
        out = []
        for e in self.edges:
            if np.all(e > 0) and e[-1] / e[0] > 20:
                out.append(np.sqrt(e[:-1] * e[1:]))
            else:
                out.append(0.5 * (e[:-1] + e[1:]))
        return tuple(out)


def beta_interval(k, n, *, level: float = 0.68, prior=(1.0, 1.0)):
    """Median and ``level`` interval of Beta(k + a, n − k + b); NaN where n == 0.

    The interval is central, except one-sided when ``k == 0`` or ``k == n``.
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    a, b = prior
    with np.errstate(invalid="ignore", divide="ignore"):
        dist = stats.beta(k + a, n - k + b)
        med = dist.ppf(0.5)
        lo = np.where(k == n, dist.ppf(1 - level), dist.ppf(0.5 * (1 - level)))
        hi = np.where(k == 0, dist.ppf(level), dist.ppf(0.5 * (1 + level)))
        lo = np.where(k == 0, 0.0, lo)
        hi = np.where(k == n, 1.0, hi)
        empty = n <= 0
        return (np.where(empty, np.nan, med), np.where(empty, np.nan, lo),
                np.where(empty, np.nan, hi))


def binned_fraction(
    values: Mapping, outcome, bins: Mapping[str, int | Sequence[float]], *,
    level: float = 0.68, prior: tuple[float, float] = (1.0, 1.0),
) -> BinnedFraction:
    """Fraction of ``outcome`` in bins of one or two variables.

    Parameters
    ----------
    values : mapping column → array
    outcome : array of bool, one per object
    bins : mapping of one or two column names → edges or number of bins
        (see :func:`bin_edges` for the spacing of a number of bins).
    level : float
        Credible level of the interval (0.68 → 16 and 84 % quantiles).
    prior : (a, b)
        Beta prior; (1, 1) is uniform.

    Returns
    -------
    BinnedFraction
    """
    if not 1 <= len(bins) <= 2:
        raise SelfuncError(f"bin over one or two variables, got {list(bins)}")
    y = np.asarray(outcome).astype(bool)
    edges, idx = [], []
    for name, spec in bins.items():
        if name not in values:
            raise SelfuncError(f"cannot bin over '{name}': not among {', '.join(values)}")
        v = np.asarray(values[name], dtype=float)
        if v.shape != y.shape:
            raise SelfuncError(f"'{name}' has {v.size} values for {y.size} outcomes")
        e = bin_edges(v, int(spec), name) if np.ndim(spec) == 0 else np.asarray(spec, float)
        if e.ndim != 1 or len(e) < 2 or np.any(np.diff(e) <= 0):
            raise SelfuncError(f"bin edges of '{name}' must increase strictly")
        edges.append(e)
        idx.append(bin_index(v, e))
    shape = tuple(len(e) - 1 for e in edges)
    inside = np.all([i >= 0 for i in idx], axis=0)
    flat = np.full(y.shape, -1)
    flat[inside] = np.ravel_multi_index(tuple(i[inside] for i in idx), shape)
    size = int(np.prod(shape))
    n = np.bincount(flat[inside], minlength=size).reshape(shape)
    k = np.bincount(flat[inside], weights=y[inside], minlength=size).round().astype(int)
    k = k.reshape(shape)
    med, lo, hi = beta_interval(k, n, level=level, prior=prior)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(n > 0, k / np.maximum(n, 1), np.nan)
    return BinnedFraction(tuple(bins), tuple(edges), k, n, frac, med, lo, hi, level,
                          tuple(prior), flat)


@dataclass(frozen=True)
class Agreement:
    """Binned outcomes against a model: per-bin expectation, its sd, pulls and a χ² test.

    ``chi2`` sums the squared pulls over bins with at least ``min_count`` objects (``dof``
    of them); ``pvalue`` is the χ² survival probability, approximate because the
    parameter part of the variance correlates the bins (which makes the test conservative).
    """

    expected: np.ndarray
    sd: np.ndarray
    pulls: np.ndarray
    chi2: float
    dof: int
    pvalue: float


def compare(binned: BinnedFraction, probability, *, min_count: int = 5) -> Agreement:
    """Compare :class:`BinnedFraction` with model probabilities of the same objects.

    Parameters
    ----------
    binned : BinnedFraction
        From :func:`binned_fraction` on the objects whose probabilities are given.
    probability : array, shape ``(N,)`` or ``(S, N)``
        Model probability of each object, for one parameter vector or ``S`` posterior draws.
    """
    p = np.atleast_2d(np.asarray(probability, dtype=float))
    idx = binned.index
    if p.shape[1] != idx.size:
        raise SelfuncError(f"{p.shape[1]} probabilities for {idx.size} binned objects")
    shape = binned.n.shape
    size = int(np.prod(shape))
    inside = idx >= 0
    # Sum of P_i per bin for each draw: one bincount per draw.
    sums = np.stack([np.bincount(idx[inside], weights=row[inside], minlength=size)
                     for row in p])
    pmean = p.mean(axis=0)
    var_bern = np.bincount(idx[inside], weights=(pmean * (1 - pmean))[inside], minlength=size)
    var_par = sums.var(axis=0) if len(p) > 1 else np.zeros(size)
    expected = sums.mean(axis=0).reshape(shape)
    sd = np.sqrt(var_bern + var_par).reshape(shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        pulls = np.where(binned.n >= min_count, (binned.k - expected) / sd, np.nan)
    good = np.isfinite(pulls)
    chi2 = float(np.sum(pulls[good] ** 2))
    dof = int(good.sum())
    pvalue = float(stats.chi2.sf(chi2, dof)) if dof else np.nan
    return Agreement(expected, sd, pulls, chi2, dof, pvalue)
