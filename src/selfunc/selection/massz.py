"""The mass–redshift view: :math:`P(\\text{selected} \\mid M, z)` for number-count likelihoods.

A selection function in observables, :math:`P(f, r_c, \\ldots)`, becomes a function of mass
and redshift once a cosmology and the scaling relations map :math:`(M, z)` to flux and
angular core radius; the intrinsic scatter of the relations is integrated over:

.. math::

    P(\\text{sel} \\mid M, z) = \\int \\mathcal{N}(\\boldsymbol\\epsilon; 0, \\Sigma)\\,
        P\\big(f(M, z, \\boldsymbol\\epsilon),\\, \\theta_c(M, z, \\epsilon_x),\\, z, \\ldots\\big)\\,
        d^3\\epsilon ,

with :math:`\\boldsymbol\\epsilon = (\\epsilon_{\\ln T|M}, \\epsilon_{\\ln L|M}, \\epsilon_{\\ln x_c})`
and its covariance :math:`\\Sigma` from :func:`selfunc.scaling.scatter_covariance`. The
relations, the flux definition (whole β-model, from L inside R500) and the core radius are
those of :mod:`selfunc.scaling` — the same functions the simulator draws its clusters with —
so a selection function calibrated on a simulated survey is integrated over exactly the
population that was simulated. The integral uses Gauss–Hermite quadrature
(:func:`selfunc.scaling.scatter_nodes`), exact for polynomials of degree :math:`2n - 1` in
each :math:`\\epsilon`.
"""

from __future__ import annotations

from typing import Callable, Mapping

import astropy.units as u
import numpy as np

from selfunc import halos, scaling
from selfunc.config.models import ClusterMassFunction, ScalingRelations
from selfunc.errors import SelfuncError

__all__ = ["selection_mz"]


def selection_mz(
    sf, mass, redshift, *, cosmology, relations: ScalingRelations = ScalingRelations(),
    beta: float = 2 / 3, truncation: float = 10.0,
    k_correction: float | Callable | None = None, n_nodes: int = 12,
    draws: int | None = None, conditions: Mapping[str, np.ndarray] | None = None,
    weights=None, mass_function: ClusterMassFunction | None = None, **fixed,
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
    cosmology : astropy.cosmology.FLRW
    relations : selfunc.config.models.ScalingRelations
        The simulator's relations (``population.mass_function.scaling`` of a campaign).
    beta, truncation : float
        The β-model of the population (``population.beta``, ``population.truncation``): they
        turn L inside R500 into the model's total flux.
    k_correction : float or callable ``(z, T_keV) -> factor``, optional
        Observed-band flux over rest-band luminosity; default :func:`selfunc.scaling.k_correction`.
    n_nodes : int
        Gauss–Hermite nodes per scatter dimension (a dimension with zero scatter uses one).
    draws : int, optional
        For a :class:`SelectionFunction`: return ``draws`` posterior realisations,
        shape ``(draws,) + shape``, the same parameter draws for every (M, z).
    conditions : mapping column → 1-D array, optional
        Observing conditions to average over (e.g. ``exposure`` and ``offaxis`` of the
        survey's pointings and positions), with optional ``weights``.
    mass_function : selfunc.config.models.ClusterMassFunction, optional
        The population's mass function (``population.mass_function``): its local slope turns
        an M–T relation measured as mean mass at fixed T (``relations.mt_regression = "M|T"``)
        into the mean T at fixed mass, as the simulator does. Required in that case.
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
    eps, w = scaling.scatter_nodes(relations, n_nodes)
    extra = (None,) * mass.ndim
    node = (slice(None),) + extra
    slope = None
    if relations.mt_regression == "M|T" and relations.mt_scatter > 0:
        if mass_function is None:
            raise SelfuncError("selection_mz: relations.mt_regression = 'M|T' needs "
                               "mass_function= (population.mass_function) for the mean T at "
                               "fixed mass")
        slope = halos.log_slope(mass_function, mass, z)
    T = scaling.temperature_from_mass(mass, z, cosmology, relations,
                                      mf_slope=slope)[None] * np.exp(eps[0][node])
    lum = scaling.luminosity_from_mass(mass, z, cosmology, relations)[None] * np.exp(eps[1][node])
    x_c = relations.x_c * np.exp(eps[2][node])
    theta_c = scaling.core_radius_arcsec(mass[None], z[None], cosmology, x_c)
    if k_correction is None:
        k_correction = scaling.k_correction
    K = np.asarray(k_correction(z[None], T) if callable(k_correction) else k_correction,
                   dtype=float)
    if np.any(~np.isfinite(K)) or np.any(K <= 0):
        raise SelfuncError("k_correction must be finite and > 0")
    share = scaling.r500_fraction(x_c, beta, truncation)
    dl_cm = cosmology.luminosity_distance(z).to_value(u.cm)
    flux = lum / share * K / (4 * np.pi * dl_cm**2)                           # (K, *B)
    flux, theta_c = np.broadcast_arrays(flux, theta_c)
    wexp = w[node]
    axis = -1 - mass.ndim

    for k, v in fixed.items():
        if np.broadcast_shapes(mass.shape, np.shape(v)) != mass.shape:
            raise SelfuncError(f"{k} (shape {np.shape(v)}) must broadcast against mass and "
                               f"redshift (shape {mass.shape})")
    evaluate = _evaluator(sf, draws)
    base = {"flux": flux, "core_radius": theta_c, "redshift": z}
    if conditions is None:
        return (evaluate(base | fixed) * wexp).sum(axis=axis)
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
        total = total + wc[i] * (p * wexp).sum(axis=axis)
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
