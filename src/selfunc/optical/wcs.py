"""Celestial WCS of the optical plates: a north-up gnomonic (TAN) projection about the
pointing, the projection of :mod:`selfunc.sky.tangent` and the same convention as the X-ray
images (``CRPIX = (npix + 1)/2``, ``CDELT = (−p, p)``), so a sky position lands on the same
object in both. A cutout is a window of the same projection (``CRPIX`` shifted), not a new
tangent point, so its pixels are exactly the field's.
"""

from __future__ import annotations

from astropy.wcs import WCS

__all__ = ["plate_wcs"]


def plate_wcs(ra: float, dec: float, npix: int, pixel: float, x0: int = 0, y0: int = 0) -> WCS:
    """WCS of the window whose pixel [0, 0] is plate pixel (``x0``, ``y0``) of a field of
    ``npix`` pixels of ``pixel`` arcsec centred on (``ra``, ``dec``) (degrees)."""
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [ra, dec]
    w.wcs.crpix = [(npix + 1) / 2.0 - x0, (npix + 1) / 2.0 - y0]
    w.wcs.cdelt = [-pixel / 3600.0, pixel / 3600.0]
    w.wcs.cunit = ["deg", "deg"]
    w.wcs.radesys = "ICRS"
    w.wcs.equinox = 2000.0
    return w
