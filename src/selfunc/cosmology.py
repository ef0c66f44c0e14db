"""Cluster number counts for cosmology: expected dN/dz of a survey and its Poisson likelihood.

The expected number of selected clusters in redshift bin i is

    μ_i = Ω ∫_{z_i}^{z_{i+1}} dz dV_c/(dz dΩ) ∫ dln M  n(M, z | Ω_m, σ_8)  P(selected | M, z),

with n = dn/dln M500c of the colossus mass function (Tinker et al. 2008 by default, as the
simulator draws its halos: :mod:`selfunc.halos`) and P from a survey selection
function (:class:`selfunc.selection.survey.SurveySelection`, or any callable of (M500, z)
returning an (n_M, n_z) grid). The likelihood of observed counts n_i is Poisson,
ln L = Σ n_i ln μ_i − μ_i − ln n_i!.

:func:`fit_grid` evaluates it on a grid of (Ω_m, σ_8) with the other parameters, the scaling
relations and P(selected | M, z) held fixed (P is computed once, at the fiducial cosmology:
a change of Ω_m by 0.05 moves D_L at z = 0.5 by ~2 %, so the flux scale by ~4 %), and returns
the posterior under flat priors on the grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import astropy.units as u
from scipy.special import gammaln

from selfunc import scaling
from selfunc.config.models import Cosmology

__all__ = ["expected_counts", "poisson_loglike", "count_grid", "fit_grid", "GridFit",
           "CountKernel", "fit_grid_marginal"]

_DEG2_SR = (np.pi / 180.0) ** 2


def expected_counts(cosmology: Cosmology, selection, area_deg2: float, z_edges, *,
                    log10_mass=(13.3, 15.5), n_mass: int = 80, z_per_bin: int = 6,
                    model: str = "tinker08") -> np.ndarray:
    """μ_i for the redshift bins ``z_edges`` (see module docstring).

    ``selection(mass, z)`` gets 1-D arrays of M500c (M☉) and z and returns P on their
    outer grid, shape (n_M, n_z); ``None`` means P = 1 (every halo).
    """
    edges = np.asarray(z_edges, float)
    m, z = _nodes(edges, log10_mass, n_mass, z_per_bin)
    p = np.ones((n_mass, z.size)) if selection is None else np.asarray(selection(m, z), float)
    if p.shape != (n_mass, z.size):
        raise ValueError(f"selection(mass, z) must return shape {(n_mass, z.size)}, got {p.shape}")
    per_z = (_kernel(cosmology, area_deg2, edges, log10_mass, n_mass, z_per_bin, model)
             * p).sum(axis=0)
    return per_z.reshape(edges.size - 1, z_per_bin).sum(axis=1)


def _nodes(edges, log10_mass, n_mass: int, z_per_bin: int):
    """Midpoint-rule nodes: M500c (M☉) at the centres of n_mass bins in log M, and z_per_bin
    redshifts inside each bin of ``edges``."""
    t = (np.arange(z_per_bin) + 0.5) / z_per_bin
    z = (edges[:-1, None] + np.diff(edges)[:, None] * t[None, :]).ravel()
    lm_e = np.linspace(log10_mass[0], log10_mass[1], n_mass + 1)
    return 10 ** (0.5 * (lm_e[1:] + lm_e[:-1])), z


def _poisson_terms(observed, expected) -> np.ndarray:
    """n ln μ − μ − ln n! per bin, broadcast over leading axes of ``expected``."""
    n = np.asarray(observed, float)
    mu = np.asarray(expected, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, n * np.log(mu), 0.0) - mu - gammaln(n + 1)


def poisson_loglike(observed, expected) -> float:
    """Σ n ln μ − μ − ln n! (μ = 0 with n > 0 gives −inf)."""
    return float(np.sum(_poisson_terms(observed, expected)))


@dataclass(frozen=True)
class GridFit:
    """Posterior of (Ω_m, σ_8) on a grid (flat priors): ``loglike[i, j]`` at
    ``om[i], s8[j]``, marginal means and standard deviations, the best grid point."""

    om: np.ndarray
    s8: np.ndarray
    loglike: np.ndarray

    def _posterior(self):
        p = np.exp(self.loglike - self.loglike.max())
        return p / p.sum()

    def marginal(self, name: str) -> tuple[float, float]:
        p = self._posterior()
        x, w = (self.om, p.sum(axis=1)) if name == "Om0" else (self.s8, p.sum(axis=0))
        mean = float(np.sum(w * x))
        return mean, float(np.sqrt(np.sum(w * (x - mean) ** 2)))

    @property
    def best(self) -> tuple[float, float]:
        i, j = np.unravel_index(np.argmax(self.loglike), self.loglike.shape)
        return float(self.om[i]), float(self.s8[j])


@dataclass(frozen=True)
class CountKernel:
    """μ_i(Ω_m, σ_8) as a linear map of P(selected | M, z) on fixed (M, z) nodes.

    The expected counts are linear in P: μ_i = Σ_{M, z ∈ bin i} K(M, z | Ω_m, σ_8) P(M, z)
    with K = dn/dlnM Δln M dV/dz Δz Ω (the midpoint rule of :func:`expected_counts`). K is
    computed once per cosmology grid; then every P — the posterior draws of a selection
    function, a naive selection — costs one tensor product.

    ``mass`` (M☉) and ``z`` are the nodes P must be given on (shape (n_M, n_z));
    ``kernel[i, j]`` has shape (n_M, n_z) for ``om[i], s8[j]``.
    """

    om: np.ndarray
    s8: np.ndarray
    mass: np.ndarray
    z: np.ndarray
    n_bins: int
    kernel: np.ndarray

    @classmethod
    def build(cls, area_deg2: float, z_edges, om, s8, *, fiducial: Cosmology = Cosmology(),
              log10_mass=(13.3, 15.5), n_mass: int = 80, z_per_bin: int = 6,
              model: str = "tinker08") -> "CountKernel":
        """K on the (Ω_m, σ_8) grid; Ω_b, H0, n_s are the fiducial's (as :func:`count_grid`)."""
        edges = np.asarray(z_edges, float)
        m, z = _nodes(edges, log10_mass, n_mass, z_per_bin)
        om, s8 = np.asarray(om, float), np.asarray(s8, float)
        k = np.empty((len(om), len(s8), n_mass, z.size))
        for i, o in enumerate(om):
            for j, sg in enumerate(s8):
                c = fiducial.model_copy(update=dict(Om0=float(o), sigma8=float(sg)))
                k[i, j] = _kernel(c, area_deg2, edges, log10_mass, n_mass, z_per_bin, model)
        return cls(om, s8, m, z, edges.size - 1, k)

    def counts(self, p) -> np.ndarray:
        """μ for P on the nodes: ``p`` of shape (n_M, n_z) → (n_om, n_s8, n_bins), or
        (D, n_M, n_z) → (D, n_om, n_s8, n_bins)."""
        p = np.asarray(p, float)
        if p.shape[-2:] != self.kernel.shape[-2:]:
            raise ValueError(f"P must have shape (…, {self.kernel.shape[-2]}, "
                             f"{self.kernel.shape[-1]}) on the kernel's (M, z) nodes, got {p.shape}")
        per_z = np.einsum("abmz,...mz->...abz", self.kernel, p)
        return per_z.reshape(per_z.shape[:-1] + (self.n_bins, -1)).sum(axis=-1)


def _kernel(c: Cosmology, area_deg2, edges, log10_mass, n_mass, z_per_bin, model):
    """K(M, z) of :class:`CountKernel` for one cosmology (the terms of :func:`expected_counts`)."""
    from colossus.cosmology import cosmology as ccosmo
    from colossus.lss import mass_function

    ccosmo.setCosmology("selfunc-fit", dict(flat=True, H0=c.H0, Om0=c.Om0, Ob0=c.Ob0,
                                            sigma8=c.sigma8, ns=c.ns))
    h = c.H0 / 100.0
    m, z = _nodes(edges, log10_mass, n_mass, z_per_bin)
    dz = np.repeat(np.diff(edges) / z_per_bin, z_per_bin)
    dlnm = np.log(10.0) * np.diff(np.linspace(log10_mass[0], log10_mass[1], n_mass + 1))
    dndlnm = np.empty((n_mass, z.size))
    for j, zj in enumerate(z):
        dndlnm[:, j] = mass_function.massFunction(m * h, zj, mdef="500c", model=model,
                                                  q_out="dndlnM") * h**3
    dvdz = scaling.astropy_cosmology(c).differential_comoving_volume(z).to_value(
        u.Mpc**3 / u.sr) * area_deg2 * _DEG2_SR
    return dndlnm * dlnm[:, None] * (dvdz * dz)[None, :]


def fit_grid_marginal(observed, counts, om, s8) -> GridFit:
    """Poisson likelihood of observed dN/dz marginalised over draws of the selection
    function: L(Ω_m, σ_8) = (1/D) Σ_d L(n | μ_d), ``counts`` of shape (D, n_om, n_s8, n_bins)
    (:meth:`CountKernel.counts` of the D posterior draws) — the selection function's own
    calibration uncertainty, common to every halo of the survey, enters the posterior."""
    from scipy.special import logsumexp

    mu = np.asarray(counts, float)
    if mu.ndim != 4:
        raise ValueError(f"counts must have shape (draws, n_om, n_s8, n_bins), got {mu.shape}")
    if mu.shape[1:3] != (len(om), len(s8)):
        raise ValueError(f"counts has a {mu.shape[1:3]} cosmology grid for {len(om)} Ω_m × "
                         f"{len(s8)} σ_8 values")
    ll = logsumexp(_poisson_terms(observed, mu).sum(axis=-1), axis=0) - np.log(mu.shape[0])
    return GridFit(np.asarray(om, float), np.asarray(s8, float), ll)


def count_grid(selection, area_deg2: float, z_edges, om, s8, *,
               fiducial: Cosmology = Cosmology(), log10_mass=(13.3, 15.5), n_mass: int = 80,
               z_per_bin: int = 6, model: str = "tinker08") -> np.ndarray:
    """μ_i(Ω_m, σ_8) on the grid, shape (len(om), len(s8), n_bins): Ω_b, H0, n_s are the
    fiducial's; P(selected | M, z) is evaluated once (see module docstring)."""
    kernel = CountKernel.build(area_deg2, z_edges, om, s8, fiducial=fiducial,
                               log10_mass=log10_mass, n_mass=n_mass, z_per_bin=z_per_bin,
                               model=model)
    p = (np.ones(kernel.kernel.shape[-2:]) if selection is None
         else np.asarray(selection(kernel.mass, kernel.z), float))
    return kernel.counts(p)


def fit_grid(observed, selection, area_deg2: float, z_edges, om, s8, *, grid=None,
             **kw) -> GridFit:
    """Poisson likelihood of the observed dN/dz on the (Ω_m, σ_8) grid (``grid``: a
    :func:`count_grid` already computed for the same selection, to fit many mocks)."""
    om = np.asarray(om, float)
    s8 = np.asarray(s8, float)
    mu = count_grid(selection, area_deg2, z_edges, om, s8, **kw) if grid is None else grid
    return GridFit(om, s8, _poisson_terms(observed, mu).sum(axis=-1))
