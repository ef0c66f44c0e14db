"""Gnomonic (TAN) projection about a pointing centre: offsets ξ (east), η (north) in arcsec.

The same projection as the images' FITS ``RA---TAN``/``DEC--TAN`` WCS (:func:`tangent_wcs`,
the one WCS of the X-ray images and of the optical plates and their cutouts), so a source
placed at (ξ, η) lands on pixel CRPIX + (−ξ, η)/pixel_size exactly in a north-up image.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from astropy.wcs import WCS

from selfunc.angles import ARCSEC_PER_DEG, arcsec_to_deg

__all__ = ["offsets_to_radec", "radec_to_offsets", "TangentGrid", "tangent_wcs"]

_ARCSEC = np.pi / (180.0 * ARCSEC_PER_DEG)


def offsets_to_radec(ra0, dec0, xi, eta):
    """Inverse gnomonic projection; angles in degrees, offsets in arcsec."""
    a0, d0 = np.radians(ra0), np.radians(dec0)
    x = np.asarray(xi, float) * _ARCSEC
    y = np.asarray(eta, float) * _ARCSEC
    denom = np.cos(d0) - y * np.sin(d0)
    ra = a0 + np.arctan2(x, denom)
    dec = np.arctan2(np.sin(d0) + y * np.cos(d0), np.hypot(x, denom))
    return np.degrees(ra) % 360.0, np.degrees(dec)


def radec_to_offsets(ra0, dec0, ra, dec):
    a0, d0 = np.radians(ra0), np.radians(dec0)
    a, d = np.radians(np.asarray(ra, float)), np.radians(np.asarray(dec, float))
    cosc = np.sin(d0) * np.sin(d) + np.cos(d0) * np.cos(d) * np.cos(a - a0)
    xi = np.cos(d) * np.sin(a - a0) / cosc
    eta = (np.cos(d0) * np.sin(d) - np.sin(d0) * np.cos(d) * np.cos(a - a0)) / cosc
    return xi / _ARCSEC, eta / _ARCSEC


@dataclasses.dataclass(frozen=True)
class TangentGrid:
    """A square north-up pixel grid of ``npix`` pixels of ``pixel`` arcsec about the centre.

    Pixel (x, y), 0-based with x increasing to the west (decreasing RA), has offsets
    ξ = −(x − c)·pixel, η = (y − c)·pixel with c = (npix − 1)/2: the convention of every
    selfunc image (X-ray and optical), so one RA/Dec lands on one object in all of them.
    """

    npix: int
    pixel: float

    @property
    def centre(self) -> float:
        return (self.npix - 1) / 2.0

    def to_pixel(self, xi, eta):
        return self.centre - np.asarray(xi) / self.pixel, self.centre + np.asarray(eta) / self.pixel

    def to_offsets(self, x, y):
        return -(np.asarray(x) - self.centre) * self.pixel, (np.asarray(y) - self.centre) * self.pixel


def tangent_wcs(ra: float, dec: float, npix: int, pixel: float, x0: int = 0, y0: int = 0) -> WCS:
    """North-up TAN WCS of a field of ``npix`` pixels of ``pixel`` arcsec centred on
    (``ra``, ``dec``) (degrees, ICRS), ``CRPIX = (npix + 1)/2``, ``CDELT = (−p, p)``; with
    (``x0``, ``y0``) the WCS of the window whose pixel [0, 0] is field pixel (x0, y0): the same
    projection with ``CRPIX`` shifted, not a new tangent point, so a cutout's pixels are
    exactly the field's. X-ray images and optical plates share it, so a sky position lands on
    the same object in both."""
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [ra, dec]
    w.wcs.crpix = [(npix + 1) / 2.0 - x0, (npix + 1) / 2.0 - y0]
    w.wcs.cdelt = [-arcsec_to_deg(pixel), arcsec_to_deg(pixel)]
    w.wcs.cunit = ["deg", "deg"]
    w.wcs.radesys = "ICRS"
    w.wcs.equinox = 2000.0
    return w
