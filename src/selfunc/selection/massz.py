"""The mass–redshift view: :math:`P(\\text{selected} \\mid M, z)` for number-count likelihoods.

A selection function in observables, :math:`P(f, r_c, \\ldots)`, becomes a function of mass
and redshift once a cosmology and scaling relations map :math:`(M, z)` to flux and angular
core radius; the intrinsic scatter of the relations is integrated over:

.. math::

    P(\\text{sel} \\mid M, z) = \\iint \\mathcal{N}(\\epsilon_T)\\, \\mathcal{N}(\\epsilon_L)\\,
        P\\big(f(L, z, T),\\, \\theta_c(M, z),\\, z, \\ldots\\big)\\,
        d\\epsilon_T\\, d\\epsilon_L ,

with

* M–T: :math:`M_{500c} = M_1 (T / 1\\,\\mathrm{keV})^{\\alpha} E(z)^{\\gamma}`, inverted for
  the mean temperature, and :math:`\\ln T = \\ln \\bar T(M, z) + \\sigma_{\\ln T}\\,\\epsilon_T`
  (defaults: Lieu et al. 2016, XXL IV: :math:`M_1 = 10^{13.56} M_\\odot`, α = 1.67,
  γ = −1);
* L–T: :math:`L = L_0 (T / T_0)^{\\beta} E(z)^{\\delta}` in the 0.5–2 keV rest band and
  :math:`\\ln L = \\ln \\bar L(T, z) + \\sigma_{\\ln L}\\,\\epsilon_L` (defaults after
  Giles et al. 2016, XXL III: β = 2.63, δ = 1.64, :math:`L_0 = 4 \\times 10^{43}` erg/s at
  3 keV);
* flux :math:`f = L\\, K(z, T) / (4 \\pi D_L^2)` with :math:`K` the band K-correction factor
  (observed-frame 0.5–2 keV flux over rest-frame 0.5–2 keV luminosity), passed in;
* core radius :math:`\\theta_c = x_c R_{500} / D_A`,
  :math:`R_{500} = [3 M / (4 \\pi\\, 500\\, \\rho_c(z))]^{1/3}`, :math:`x_c = 0.24`
  (Clerc et al. 2012).

The two Gaussian integrals use Gauss–Hermite quadrature (probabilists' weights), exact for
polynomials of degree :math:`2n - 1` in each :math:`\\epsilon`.

The defaults mirror ``selfunc.config.models.ScalingRelations``; the simulator's own
relations (``selfunc.sky``) are the ones to use once they exist — see
:meth:`ScalingRelations.from_config`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import astropy.units as u
import numpy as np

from selfunc.config.models import ScalingRelations as _SimulatorRelations
from selfunc.errors import SelfuncError

_SIM = _SimulatorRelations()

__all__ = ["ScalingRelations", "selection_mz", "core_radius_arcsec", "r500"]


@dataclass(frozen=True)
class ScalingRelations:
    """M–T and L–T power laws with log-normal scatter (module docstring for the formulas).

    Attributes
    ----------
    mt_norm : float
        :math:`M_1`, M500c in M☉ at T = 1 keV and E(z) = 1.
    mt_slope, mt_evolution : float
        α and γ of :math:`M = M_1 T^{\\alpha} E(z)^{\\gamma}`.
    sigma_lnT : float
        Scatter of ln T at fixed M and z.
    lt_norm, lt_pivot, lt_slope, lt_evolution : float
        :math:`L_0` (erg s⁻¹, 0.5–2 keV rest), :math:`T_0` (keV), β, δ.
    sigma_lnL : float
        Scatter of ln L at fixed T and z.
    x_c : float
        Core radius in units of :math:`R_{500}`.
    """

    # Defaults are the simulator's (selfunc.config.models.ScalingRelations), read from there
    # so that the two cannot drift apart; σ_lnT = σ_lnM / α as in from_config.
    mt_norm: float = _SIM.mt_norm
    mt_slope: float = _SIM.mt_slope
    mt_evolution: float = -1.0
    sigma_lnT: float = _SIM.mt_scatter / _SIM.mt_slope
    lt_norm: float = _SIM.lt_norm
    lt_pivot: float = _SIM.lt_pivot
    lt_slope: float = _SIM.lt_slope
    lt_evolution: float = _SIM.lt_evolution
    sigma_lnL: float = _SIM.lt_scatter
    x_c: float = _SIM.x_c

    def __post_init__(self):
        for name in ("mt_norm", "mt_slope", "lt_norm", "lt_pivot", "lt_slope", "x_c"):
            if not getattr(self, name) > 0:
                raise SelfuncError(f"scaling relation {name} must be > 0")
        for name in ("sigma_lnT", "sigma_lnL"):
            if not getattr(self, name) >= 0:
                raise SelfuncError(f"scaling relation {name} must be ≥ 0")

    @classmethod
    def from_config(cls, cfg, *, mt_scatter_is_lnM: bool = True) -> "ScalingRelations":
        """From an object with the fields of ``selfunc.config.models.ScalingRelations``.

        That config gives ``mt_scatter``; with ``mt_scatter_is_lnM`` it is read as the
        scatter of ln M at fixed T, so :math:`\\sigma_{\\ln T} = \\sigma_{\\ln M} / \\alpha`;
        otherwise as the scatter of ln T at fixed M. Which one the simulator draws must be
        checked against ``selfunc.sky`` when wiring the two together.
        """
        s = float(cfg.mt_scatter)
        return cls(mt_norm=float(cfg.mt_norm), mt_slope=float(cfg.mt_slope),
                   mt_evolution=float(getattr(cfg, "mt_evolution", -1.0)),
                   sigma_lnT=s / float(cfg.mt_slope) if mt_scatter_is_lnM else s,
                   lt_norm=float(cfg.lt_norm), lt_pivot=float(cfg.lt_pivot),
                   lt_slope=float(cfg.lt_slope), lt_evolution=float(cfg.lt_evolution),
                   sigma_lnL=float(cfg.lt_scatter), x_c=float(cfg.x_c))

    def mean_temperature(self, mass, ez) -> np.ndarray:
        """:math:`\\bar T(M, z)` in keV for M500c in M☉ and :math:`E(z)`."""
        return (np.asarray(mass) / (self.mt_norm * np.asarray(ez) ** self.mt_evolution)) ** (
            1.0 / self.mt_slope)

    def mean_luminosity(self, temperature, ez) -> np.ndarray:
        """:math:`\\bar L(T, z)` in erg s⁻¹ (0.5–2 keV rest) for T in keV."""
        return (self.lt_norm * (np.asarray(temperature) / self.lt_pivot) ** self.lt_slope
                * np.asarray(ez) ** self.lt_evolution)


def r500(mass, redshift, cosmology) -> np.ndarray:
    """:math:`R_{500c}` in Mpc for M500c in M☉: :math:`[3M / (4\\pi\\,500\\,\\rho_c(z))]^{1/3}`."""
    rho_c = cosmology.critical_density(redshift).to_value(u.Msun / u.Mpc**3)
    return (3.0 * np.asarray(mass) / (4.0 * np.pi * 500.0 * rho_c)) ** (1.0 / 3.0)


def core_radius_arcsec(mass, redshift, cosmology, x_c: float) -> np.ndarray:
    """Angular core radius :math:`x_c R_{500} / D_A` in arcsec."""
    da = cosmology.angular_diameter_distance(redshift).to_value(u.Mpc)
    return np.degrees(x_c * r500(mass, redshift, cosmology) / da) * 3600.0


def selection_mz(
    sf, mass, redshift, *, relations: ScalingRelations, cosmology,
    k_correction: float | Callable, n_nodes: int = 16, draws: int | None = None,
    conditions: Mapping[str, np.ndarray] | None = None, weights=None, **fixed,
) -> np.ndarray:
    """:math:`P(\\text{selected} \\mid M, z)`, integrating over the scaling-relation scatter.

    Parameters
    ----------
    sf : SelectionFunction or callable
        Called as ``sf(flux=…, core_radius=…, redshift=…, **fixed)`` (erg s⁻¹ cm⁻², arcsec),
        returning probabilities that broadcast like its arguments.
    mass : array-like or Quantity
        M500c (M☉ if a plain number).
    redshift : array-like
        Broadcast against ``mass``.
    relations : ScalingRelations
    cosmology : astropy.cosmology.FLRW
    k_correction : float or callable ``(z, T_keV) -> factor``
        Observed-band flux over rest-band luminosity (see module docstring).
    n_nodes : int
        Gauss–Hermite nodes per scatter dimension (a dimension with zero scatter uses one).
    draws : int, optional
        For a :class:`SelectionFunction`: return ``draws`` posterior realisations,
        shape ``(draws,) + shape``, the same parameter draws for every (M, z).
    conditions : mapping column → 1-D array, optional
        Observing conditions to average over (e.g. ``exposure`` and ``offaxis`` of the
        survey's pointings and positions), with optional ``weights``.
    **fixed
        Other variables of ``sf`` (e.g. ``exposure=1e4, offaxis=5``), broadcast.

    Returns
    -------
    ndarray of shape ``broadcast(mass, redshift, fixed)`` (with a leading ``draws`` axis).
    """
    if isinstance(mass, u.Quantity):
        mass = mass.to_value(u.Msun)
    mass = np.asarray(mass, dtype=float)
    z = np.asarray(redshift, dtype=float)
    if np.any(mass <= 0) or np.any(z <= 0):
        raise SelfuncError("selection_mz needs mass > 0 and redshift > 0")
    mass, z = np.broadcast_arrays(mass, z)
    ez = cosmology.efunc(z)
    dl_cm = cosmology.luminosity_distance(z).to_value(u.cm)
    theta_c = core_radius_arcsec(mass, z, cosmology, relations.x_c)
    lnT_mean = np.log(relations.mean_temperature(mass, ez))

    def nodes(sigma):
        if sigma == 0:
            return np.zeros(1), np.ones(1)
        x, w = np.polynomial.hermite_e.hermegauss(int(n_nodes))
        return sigma * x, w / np.sqrt(2 * np.pi)

    eT, wT = nodes(relations.sigma_lnT)
    eL, wL = nodes(relations.sigma_lnL)
    # Node axes (T, L) in front of the (M, z) shape.
    extra = (None,) * mass.ndim
    T = np.exp(lnT_mean[None] + eT[(slice(None),) + extra])               # (nT, *B)
    lnL = np.log(relations.mean_luminosity(T, ez[None]))[:, None] + eL[(None, slice(None)) + extra]
    K = np.asarray(k_correction(z[None], T) if callable(k_correction) else k_correction,
                   dtype=float)
    if np.any(~np.isfinite(K)) or np.any(K <= 0):
        raise SelfuncError("k_correction must be finite and > 0")
    K = np.broadcast_to(K, T.shape)[:, None]                                 # (nT, 1, *B)
    flux = np.exp(lnL) * K / (4 * np.pi * dl_cm**2)                          # (nT, nL, *B)
    weight = wT[:, None] * wL[None, :]
    wexp = weight[(slice(None), slice(None)) + extra]

    for k, v in fixed.items():
        if np.broadcast_shapes(mass.shape, np.shape(v)) != mass.shape:
            raise SelfuncError(f"{k} (shape {np.shape(v)}) must broadcast against mass and "
                               f"redshift (shape {mass.shape})")
    evaluate = _evaluator(sf, draws)
    base = {"flux": flux, "core_radius": theta_c, "redshift": z}
    if conditions is None:
        p = evaluate(base | fixed)
        return (p * wexp).sum(axis=(-2 - mass.ndim, -1 - mass.ndim))
    cond = {k: np.asarray(v, dtype=float).ravel() for k, v in conditions.items()}
    sizes = {len(v) for v in cond.values()}
    if len(sizes) != 1:
        raise SelfuncError("all arrays in conditions must have the same length")
    nc = sizes.pop()
    wc = np.ones(nc) if weights is None else np.asarray(weights, dtype=float).ravel()
    if len(wc) != nc or np.any(wc < 0) or wc.sum() <= 0:
        raise SelfuncError("weights must be non-negative, one per condition, not all zero")
    wc = wc / wc.sum()
    total = 0.0
    for i in range(nc):
        p = evaluate(base | fixed | {k: v[i] for k, v in cond.items()})
        total = total + wc[i] * (p * wexp).sum(axis=(-2 - mass.ndim, -1 - mass.ndim))
    return total


def _evaluator(sf, draws):
    """A function values → P with the same posterior draws on every call."""
    from selfunc.selection.function import SelectionFunction, evenly_spaced

    if isinstance(sf, SelectionFunction):
        if draws is None:
            theta = sf.median_parameters
        else:
            theta = evenly_spaced(sf.samples, int(draws))

        def evaluate(values):
            keep = {k: v for k, v in values.items() if k in sf.variables}
            missing = [c for c in sf.variables if c not in keep]
            if missing:
                raise SelfuncError(f"selection_mz: the selection function also needs "
                                   f"{', '.join(missing)} (pass them as keywords)")
            return sf.model.probability(theta, keep)
        return evaluate
    if draws is not None:
        raise SelfuncError("draws= needs a SelectionFunction (posterior samples)")
    if not callable(sf):
        raise SelfuncError("sf must be a SelectionFunction or a callable")
    return lambda values: np.asarray(sf(**values), dtype=float)
