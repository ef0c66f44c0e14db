"""Reading an image and its celestial WCS from a FITS file (simulated or real)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS, FITSFixedWarning

from selfunc.errors import SelfuncError

__all__ = ["read_image"]


def read_image(path: str | Path, extname: str | None = None) -> tuple[np.ndarray, WCS]:
    """(data, wcs) of the HDU ``extname`` of ``path``, or of its first 2-D image HDU.

    A simulated ``xray.fits`` (:mod:`selfunc.xray.fitsio`) is read at its ``COUNTS`` HDU by
    passing ``extname="COUNTS"``; a file without that HDU falls to its first image, as a
    real XMM counts image has only one.
    """
    path = Path(path)
    if not path.is_file():
        raise SelfuncError(f"{path}: file not found")
    try:
        hdul = fits.open(path)
    except OSError as exc:
        raise SelfuncError(f"{path}: cannot read as FITS ({exc})") from None
    with hdul:
        hdu = None
        if extname is not None and extname in hdul:
            hdu = hdul[extname]
        else:
            for h in hdul:
                if h.is_image and h.data is not None and h.data.ndim == 2:
                    hdu = h
                    break
        if hdu is None:
            raise SelfuncError(f"{path}: no 2-D image HDU")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FITSFixedWarning)
            wcs = WCS(hdu.header).celestial
        if not wcs.has_celestial or wcs.naxis != 2:
            raise SelfuncError(f"{path}[{hdu.name}]: no celestial WCS")
        return np.asarray(hdu.data), wcs
