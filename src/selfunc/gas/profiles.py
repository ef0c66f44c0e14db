"""Density and temperature of the built-in 3-D cluster models, in the model frame.

Coordinates are in units of the cluster's core radius r_c, the line of sight is +z and the
model's long axis is x (the sky orientation is applied to the photons afterwards).

* Density (gas number density relative to its central scale n₀):

  - ``beta``: n = (1 + r_e²)^(−3β/2) (Cavaliere & Fusco-Femiano 1976), whose projection is
    the β-model surface brightness of :mod:`selfunc.profiles.betamodel`;
  - ``gnfw``: n = r_e^(−γ) (1 + r_e^α)^(−(3β − γ)/α), the (α, β, γ) profile of Zhao (1996)
    with the outer slope of the β-model (n ∝ r^(−3β)); γ = 0, α = 2 is the β-model;

  with the ellipsoidal radius r_e² = x² + (y/q_y)² + (z/q_z)² (axis ratios q ≤ 1 flatten y
  and the line of sight).
* Cool core (Vikhlinin et al. 2006, Eqs. 3 and 6): a compact second density component
  added in n², n² = n_main² + [ρ_cc (1 + r²/r_cc²)^(−3β/2)]², and a central temperature
  drop T = T₀ (x^1.9 + t_min) / (x^1.9 + 1), x = r / r_cool.
* Merging substructure: a second β-model clump (its own core radius, central density and
  temperature) at a projected offset along x (and optionally along the line of sight).
  Densities add; the temperature is the density-weighted mean of the two components.

All functions are pure numpy on arrays of positions; nothing here knows yt or pyxsim.
"""

from __future__ import annotations

import numpy as np

__all__ = ["density", "temperature"]

_CC_SLOPE = 1.9  # Vikhlinin et al. 2006, Eq. 6 (a_cool), the mean of their sample


def _main_density(x, y, z, model, beta):
    q_y, q_z = model.axis_ratio
    r_e = np.sqrt(x**2 + (y / q_y) ** 2 + (z / q_z) ** 2)
    if model.density == "beta":
        return (1.0 + r_e**2) ** (-1.5 * beta)
    gamma, alpha = model.gnfw_inner, model.gnfw_alpha
    # Cells at the exact centre would be singular for γ > 0: a floor at 10⁻³ r_c is far
    # below any cell size the grids use.
    r_e = np.maximum(r_e, 1e-3)
    return r_e ** (-gamma) * (1.0 + r_e**alpha) ** (-(3.0 * beta - gamma) / alpha)


def _components(x, y, z, model, beta):
    """(n of the main halo incl. cool core, n of the substructure)."""
    n_main = _main_density(x, y, z, model, beta)
    cc = model.cool_core
    if cc is not None:
        r2 = x**2 + y**2 + z**2
        n_cc = cc.density_ratio * (1.0 + r2 / cc.core_radius**2) ** (-1.5 * beta)
        n_main = np.sqrt(n_main**2 + n_cc**2)
    sub = model.substructure
    if sub is None:
        return n_main, np.zeros_like(n_main)
    r2 = (x - sub.offset) ** 2 + y**2 + (z - sub.los_offset) ** 2
    n_sub = sub.density_ratio * (1.0 + r2 / sub.core_radius**2) ** (-1.5 * beta)
    return n_main, n_sub


def density(x, y, z, model, beta: float):
    """Gas density in units of n₀ at positions (x, y, z) in core radii."""
    n_main, n_sub = _components(x, y, z, model, beta)
    return n_main + n_sub


def temperature(x, y, z, model, beta: float, kt: float):
    """Temperature (keV) at positions (x, y, z) in core radii; ``kt`` is the cluster's T."""
    t_main = np.full(np.broadcast_shapes(np.shape(x), np.shape(y), np.shape(z)), float(kt))
    cc = model.cool_core
    if cc is not None:
        xr = np.sqrt(x**2 + y**2 + z**2) / cc.r_cool
        t_main = kt * (xr**_CC_SLOPE + cc.t_min) / (xr**_CC_SLOPE + 1.0)
    sub = model.substructure
    if sub is None:
        return t_main
    n_main, n_sub = _components(x, y, z, model, beta)
    return (n_main * t_main + n_sub * sub.temperature * kt) / (n_main + n_sub)
