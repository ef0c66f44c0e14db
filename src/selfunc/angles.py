"""Angle conventions inside selfunc, and the conversions between them (one place).

Inside the code angles are plain floats in one unit per role, named in every docstring:

* positions on the tangent plane (ξ, η), radii of sources, PSF and match radii: arcsec;
* off-axis angles, field and placement radii, stamp sizes: arcmin;
* sky coordinates (RA, Dec, Galactic latitude, roll): degrees.

User input may carry units (``"2.5 arcsec"``; :mod:`selfunc.config.units` converts them to
these at the boundary). Conversions between the roles go through the functions below, which
divide or multiply by the exact factors (60, 3600), so results are bit-identical to the
hand-written ``x / 60.0`` they replace.
"""

from __future__ import annotations

__all__ = ["ARCSEC_PER_ARCMIN", "ARCSEC_PER_DEG", "ARCMIN_PER_DEG", "arcsec_to_arcmin",
           "arcmin_to_arcsec", "arcsec_to_deg", "deg_to_arcsec", "arcmin2_to_deg2"]

ARCSEC_PER_ARCMIN = 60.0
ARCMIN_PER_DEG = 60.0
ARCSEC_PER_DEG = 3600.0


def arcsec_to_arcmin(x):
    return x / ARCSEC_PER_ARCMIN


def arcmin_to_arcsec(x):
    return x * ARCSEC_PER_ARCMIN


def arcsec_to_deg(x):
    return x / ARCSEC_PER_DEG


def deg_to_arcsec(x):
    return x * ARCSEC_PER_DEG


def arcmin2_to_deg2(x):
    """An area in arcmin² in deg²."""
    return x / (ARCMIN_PER_DEG * ARCMIN_PER_DEG)
