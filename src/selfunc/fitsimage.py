"""Reading one 2-D image HDU of a FITS file, simulated or real: the one image picker of the
detection (:mod:`selfunc.detect.inputs`) and the stamps (:mod:`selfunc.stamps.fitsio`); and
reading a pointing's FITS tables (truth, candidates) as the physics wants them
(:func:`read_fits_table`: text as str, NaN for FITS-masked floats).

The file is closed before returning (data and header are copies, so nothing keeps it open:
a campaign reads thousands of images). The HDU is ``extname`` when the file has it, else the
first image HDU with 2-D data, as a real XMM counts image has only one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.table import Table

from selfunc.errors import SelfuncError

__all__ = ["read_image_hdu", "hdu_names", "read_fits_table"]


def read_image_hdu(path: str | Path, extname: str | None = None,
                   dtype=None) -> tuple[np.ndarray, fits.Header]:
    """(data, header) of the image HDU ``extname`` of ``path``, or of its first 2-D image."""
    path = Path(path)
    if not path.is_file():
        raise SelfuncError(f"{path}: file not found")
    try:
        hdul = fits.open(path, memmap=False)
    except OSError as exc:
        raise SelfuncError(f"{path}: cannot read as FITS ({exc})") from None
    with hdul:
        if extname is not None and extname in hdul:
            hdu = hdul[extname]
        else:
            hdu = next((h for h in hdul if h.is_image and h.data is not None and h.data.ndim == 2),
                       None)
        if hdu is None:
            raise SelfuncError(f"{path}: no 2-D image HDU"
                               + (f" named {extname}" if extname else ""))
        return np.array(hdu.data, dtype=dtype), hdu.header.copy()


def hdu_names(path: str | Path) -> set[str]:
    """The EXTNAMEs of the HDUs of ``path`` (the file closed again)."""
    with fits.open(path, memmap=False) as hdul:
        return {h.name for h in hdul}


def read_fits_table(path: str | Path, what: str) -> Table:
    """The FITS table ``path`` (``what`` names it in the one-line errors): byte-string columns
    become stripped text, masked float columns NaN (FITS NaNs come back masked)."""
    path = Path(path)
    if not path.is_file():
        raise SelfuncError(f"{path}: {what} not found")
    try:
        t = Table.read(path, format="fits")
    except (OSError, ValueError) as exc:
        raise SelfuncError(f"{path}: cannot read the {what} ({exc})") from None
    for col in t.colnames:
        if t[col].dtype.kind == "S":  # FITS gives bytes; the physics compares text
            t[col] = np.char.strip(t[col].astype(str))
        elif getattr(t[col], "mask", None) is not None and t[col].dtype.kind == "f":
            t[col] = t[col].filled(np.nan)
    return t
