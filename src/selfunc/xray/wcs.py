"""Celestial WCS of the simulated images: a north-up gnomonic (TAN) projection centred on
the pointing, the same projection as :mod:`selfunc.sky.tangent`."""

from __future__ import annotations

from astropy.wcs import WCS

__all__ = ["image_wcs"]


def image_wcs(ra: float, dec: float, npix: int, pixel: float) -> WCS:
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [ra, dec]
    w.wcs.crpix = [(npix + 1) / 2.0, (npix + 1) / 2.0]
    w.wcs.cdelt = [-pixel / 3600.0, pixel / 3600.0]
    w.wcs.cunit = ["deg", "deg"]
    w.wcs.radesys = "ICRS"
    w.wcs.equinox = 2000.0
    return w
