"""Photoelectric absorption by cold interstellar gas (Galactic N_H).

Cross-section per hydrogen atom of Morrison & McCammon (1983, ApJ 270, 119), Table 2:
a piecewise quadratic in E over 14 energy ranges from 0.03 to 10 keV,

    σ(E) = (c₀ + c₁ E + c₂ E²) E⁻³ × 10⁻²⁴ cm²    (E in keV),

for gas of solar (Anders & Ebihara 1982) abundances, neutral, with grains as gas. Above
10 keV the last range is extended (σ < 2×10⁻²⁴ cm² there: negligible for N_H ≲ 10²³). The
transmission is T(E) = exp(−N_H σ(E)) (the XSPEC ``wabs`` model).
"""

from __future__ import annotations

import numpy as np

__all__ = ["MM83_EDGES", "MM83_COEFFS", "cross_section", "transmission"]

# Lower edges of the 14 ranges (keV); the first range starts at 0.03 keV.
MM83_EDGES = np.array([0.030, 0.100, 0.284, 0.400, 0.532, 0.707, 0.867, 1.303, 1.840,
                       2.471, 3.210, 4.038, 7.111, 8.331])
# (c0, c1, c2) of each range, Morrison & McCammon 1983 Table 2 [V].
MM83_COEFFS = np.array([
    [17.3, 608.1, -2150.0],
    [34.6, 267.9, -476.1],
    [78.1, 18.8, 4.3],
    [71.4, 66.8, -51.4],
    [95.5, 145.8, -61.1],
    [308.9, -380.6, 294.0],
    [120.6, 169.3, -47.7],
    [141.3, 146.8, -31.5],
    [202.7, 104.7, -17.0],
    [342.7, 18.7, 0.0],
    [352.2, 18.7, 0.0],
    [433.9, -2.4, 0.75],
    [629.0, 30.9, 0.0],
    [701.2, 25.2, 0.0],
])


def cross_section(energy) -> np.ndarray:
    """σ(E) per H atom in cm² (Morrison & McCammon 1983), E in keV (≥ 0.03)."""
    e = np.asarray(energy, float)
    if np.any(e < MM83_EDGES[0]):
        raise ValueError(f"energy must be >= {MM83_EDGES[0]} keV (Morrison & McCammon range)")
    k = np.searchsorted(MM83_EDGES, e, side="right") - 1
    c0, c1, c2 = np.moveaxis(MM83_COEFFS[k], -1, 0)
    return (c0 + c1 * e + c2 * e * e) / e**3 * 1e-24


def transmission(energy, nh) -> np.ndarray:
    """exp(−N_H σ(E)); ``nh`` in cm⁻² (scalar or array broadcastable against ``energy``)."""
    nh = np.asarray(nh, float)
    if np.any(nh < 0):
        raise ValueError("nh must be >= 0 (cm^-2)")
    return np.exp(-nh * cross_section(energy))
