"""Surface-brightness images of extended sources for SIMPUT, with a celestial TAN WCS
centred on the source (CRVAL = its RA, Dec), normalised to sum 1.

* analytic β-models: the truncated profile of :mod:`selfunc.profiles.betamodel`, pixel r_c/4,
  5×5 sub-samples per pixel, out to the truncation radius;
* 3-D clusters: the histogram of their pyxsim photon list (each photon weighted by the
  flux it carries), pixel r_c/4, out to the model's outer radius.
"""

from __future__ import annotations

import numpy as np
from astropy.io import fits

from selfunc.angles import arcsec_to_deg
from selfunc.profiles import betamodel

__all__ = ["beta_image", "photon_image", "image_hdu"]

_SUB = 5


def _grid(half_pix: int, pixel: float):
    n = 2 * half_pix + 1
    offs = ((np.arange(_SUB) + 0.5) / _SUB - 0.5)
    g = ((np.arange(n) - half_pix)[:, None] + offs[None, :]).ravel() * pixel
    return n, g


def beta_image(core_radius: float, beta: float, truncation: float):
    """(image, pixel in arcsec) of a truncated β-model; x grows to the west (RA falls)."""
    pixel = core_radius / 4.0
    half = int(np.ceil(truncation * 4.0)) + 1
    n, g = _grid(half, pixel)
    r = np.hypot(g[None, :], g[:, None])
    s = np.where(r <= truncation * core_radius, betamodel.profile(r, core_radius, beta), 0.0)
    img = s.reshape(n, _SUB, n, _SUB).mean(axis=(1, 3))
    return img / img.sum(), pixel


def photon_image(xi, eta, weights, core_radius: float, radius: float):
    """(image, pixel) of photons at offsets ξ (east), η (north) from the source, arcsec."""
    pixel = core_radius / 4.0
    half = int(np.ceil(radius / pixel)) + 1
    n = 2 * half + 1
    # Column index grows to the west: x = half − ξ/pixel, as in every selfunc image.
    ix = np.floor(half - np.asarray(xi) / pixel + 0.5).astype(np.int64)
    iy = np.floor(half + np.asarray(eta) / pixel + 0.5).astype(np.int64)
    ok = (ix >= 0) & (ix < n) & (iy >= 0) & (iy < n)
    img = np.bincount(iy[ok] * n + ix[ok], weights=np.asarray(weights)[ok],
                      minlength=n * n).reshape(n, n)
    return img / img.sum(), pixel


def image_hdu(image, pixel: float, ra: float, dec: float, extver: int) -> fits.ImageHDU:
    n = image.shape[0]
    h = fits.Header()
    h["EXTNAME"] = "IMAGE"
    h["EXTVER"] = extver
    h["HDUCLASS"] = "HEASARC/SIMPUT"
    h["HDUCLAS1"] = "IMAGE"
    h["HDUVERS"] = "1.1.0"
    h["CTYPE1"], h["CTYPE2"] = "RA---TAN", "DEC--TAN"
    h["CUNIT1"], h["CUNIT2"] = "deg", "deg"
    h["CRVAL1"], h["CRVAL2"] = ra, dec
    h["CRPIX1"] = h["CRPIX2"] = (n + 1) / 2.0
    h["CDELT1"], h["CDELT2"] = -arcsec_to_deg(pixel), arcsec_to_deg(pixel)
    h["RADESYS"] = "ICRS"
    h["EQUINOX"] = 2000.0
    h["BUNIT"] = ("", "relative surface brightness (sum 1)")
    return fits.ImageHDU(image.astype(np.float32), header=h)
