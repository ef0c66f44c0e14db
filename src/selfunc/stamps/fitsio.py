"""Reading an image and its celestial WCS from a FITS file (simulated or real)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from astropy.wcs import WCS, FITSFixedWarning

from selfunc.errors import SelfuncError
from selfunc.fitsimage import read_image_hdu

__all__ = ["read_image"]


def read_image(path: str | Path, extname: str | None = None) -> tuple[np.ndarray, WCS]:
    """(data, wcs) of the HDU ``extname`` of ``path``, or of its first 2-D image HDU.

    A simulated ``xray.fits`` (:mod:`selfunc.xray.fitsio`) is read at its ``COUNTS`` HDU by
    passing ``extname="COUNTS"``; a file without that HDU falls to its first image, as a
    real XMM counts image has only one.
    """
    data, header = read_image_hdu(path, extname)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FITSFixedWarning)
        wcs = WCS(header).celestial
    if not wcs.has_celestial or wcs.naxis != 2:
        raise SelfuncError(f"{path}[{header.get('EXTNAME', 'PRIMARY')}]: no celestial WCS")
    return data, wcs
