"""Square cutouts about a sky position, and their resampling to the network's grid.

A 7′ × 7′ cutout (Kosiba et al. 2020, §2) is 168 pixels of our 2.5″ X-ray images and
420 pixels of a 1″ optical plate; both are resampled to 356 × 356 (§3.1, Figure 4).
"""

from __future__ import annotations

import warnings

import astropy.units as u
import numpy as np
from astropy.coordinates import SkyCoord
from astropy.nddata import Cutout2D, NoOverlapError
from astropy.wcs import WCS
from astropy.wcs.utils import proj_plane_pixel_scales

from selfunc.angles import deg_to_arcsec

__all__ = ["cutout", "resample", "pixel_scale"]


def pixel_scale(wcs: WCS) -> float:
    """Mean pixel side of a celestial WCS, in arcsec."""
    scales = deg_to_arcsec(proj_plane_pixel_scales(wcs.celestial))
    return float(np.mean(scales))


def cutout(image, wcs: WCS, ra: float, dec: float, *, size_arcmin: float = 7.0,
           fill_value: float = 0.0) -> tuple[np.ndarray, WCS]:
    """A ``size_arcmin`` square of ``image`` centred on (``ra``, ``dec``) (degrees, ICRS).

    Parameters
    ----------
    image : 2-D array
        With its celestial ``wcs``.
    ra, dec : float
        Centre, degrees.
    size_arcmin : float
        Side of the square; the number of pixels is ``size / pixel_scale`` rounded
        (astropy's :class:`~astropy.nddata.Cutout2D`).
    fill_value : float
        Value of the pixels that fall outside ``image`` (0 counts for an X-ray image: outside
        the field of view nothing was observed).

    Returns
    -------
    data : ndarray (float64)
    wcs : astropy.wcs.WCS
        The WCS of the cutout.

    Raises
    ------
    ValueError
        If the square does not overlap the image at all.
    """
    image = np.asarray(image, dtype=float)  # no copy when the image is float64 already
    if image.ndim != 2:
        raise ValueError(f"cutout: expected a 2-D image, got shape {image.shape}")
    if not size_arcmin > 0:
        raise ValueError(f"cutout: size_arcmin must be > 0, got {size_arcmin}")
    position = SkyCoord(float(ra), float(dec), unit="deg", frame="icrs")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=RuntimeWarning)
            cut = Cutout2D(image, position, size_arcmin * u.arcmin,
                           wcs=wcs.celestial, mode="partial", fill_value=fill_value, copy=True)
    except NoOverlapError:
        raise ValueError(f"cutout: ({ra:.5f}, {dec:.5f}) ± {size_arcmin / 2:g}′ lies "
                         "outside the image") from None
    return cut.data, cut.wcs


def resample(data, npix: int) -> np.ndarray:
    """Resample a square image to ``npix × npix`` (float32).

    Bilinear interpolation of the pixel values (surface brightness, not total counts), with
    Pillow's antialiasing when shrinking (its filter support widens by the shrink factor),
    so a 420-pixel optical cutout is averaged, not decimated, onto 356 pixels. A cutout
    already of side ``npix`` is returned unchanged.
    """
    from PIL import Image

    data = np.asarray(data, dtype=np.float32)
    if data.ndim != 2:
        raise ValueError(f"resample: expected a 2-D image, got shape {data.shape}")
    if npix < 1:
        raise ValueError(f"resample: npix must be >= 1, got {npix}")
    if data.shape == (npix, npix):
        return data.copy()
    img = Image.fromarray(np.ascontiguousarray(data))  # float32 → mode "F"
    return np.asarray(img.resize((npix, npix), Image.Resampling.BILINEAR), dtype=np.float32)
