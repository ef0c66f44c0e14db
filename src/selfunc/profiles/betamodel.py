"""The isothermal β-model (Cavaliere & Fusco-Femiano 1976) in projection.

Surface brightness S(r) ∝ [1 + (r/r_c)²]^(−3β + 1/2). With p = 3β − 1/2 > 1 (β > 1/2) the
flux inside a projected radius R is

    F(<R) ∝ π r_c² [1 − (1 + R²/r_c²)^(1−p)] / (p − 1).

selfunc truncates the model at ``R_t = truncation × r_c``; the truth ``flux`` is the total
inside R_t, so the normalised profile is S(r) / F(<R_t).
"""

from __future__ import annotations

import numpy as np

__all__ = ["profile", "enclosed", "enclosed_fraction", "central_brightness"]


def profile(r, core_radius, beta=2 / 3):
    """Unnormalised S(r)/S(0)."""
    return (1.0 + (np.asarray(r, float) / core_radius) ** 2) ** (0.5 - 3.0 * beta)


def enclosed(radius, core_radius, beta=2 / 3):
    """∫₀^R 2πr S(r)/S(0) dr, in the square of the units of ``core_radius``."""
    p = 3.0 * beta - 0.5
    x2 = (np.asarray(radius, float) / core_radius) ** 2
    return np.pi * core_radius**2 * (1.0 - (1.0 + x2) ** (1.0 - p)) / (p - 1.0)


def enclosed_fraction(radius, core_radius, beta=2 / 3, truncation=10.0):
    """Fraction of the truncated model's flux inside ``radius``."""
    r = np.minimum(np.asarray(radius, float), truncation * core_radius)
    return enclosed(r, core_radius, beta) / enclosed(truncation * core_radius, core_radius, beta)


def central_brightness(core_radius, beta=2 / 3, truncation=10.0):
    """S(0) such that the truncated model integrates to one (per unit area)."""
    return 1.0 / enclosed(truncation * core_radius, core_radius, beta)
