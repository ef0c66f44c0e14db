"""FITS files of simulated pointings: one file, one HDU per image, each with the WCS.

Layout of ``xray.fits`` (RICE tile-compressed; counts lossless, float maps quantised to
``QUANTUM``: 10⁻³ s of exposure, 10⁻⁷ counts of background or model per pixel):

===================  ==========================================================
``PRIMARY``          pointing keywords (RA_PNT, DEC_PNT, PA_PNT, EXPOSURE, DATE-OBS…)
``COUNTS``           combined pn+MOS1+MOS2 Poisson counts (int32)
``EXPOSURE``         combined exposure, ECF-weighted (s), see :mod:`selfunc.xray.observe`
``BACKGROUND``       combined background model (counts per pixel)
``MODEL``            combined expected counts, sources + background
``COUNTS_PN`` …      the same per camera (``_PN``, ``_MOS1``, ``_MOS2``), MODEL included
``COUNTS_05_1`` …    with ``instrument.bands``: the combined images of each sub-band
                     (``_05_1``, ``_1_2``, ``_2_10``; ENERG_LO/HI give the band), after the rest
===================  ==========================================================

:func:`read_images` reads these files and also real XMM products (any image with a
celestial WCS, exposure and background maps in separate files).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.table import Table

from selfunc import __version__
from selfunc.io import atomic_path
from selfunc.xray.observe import XrayObservation

__all__ = ["write_observation", "write_truth", "KINDS"]

#: Absolute quantisation step of the float images (SUBTRACTIVE_DITHER_2 keeps exact zeros;
#: a fixed dither seed keeps files bit-identical run to run, which gzip tiles are not).
QUANTUM = {"exposure": 1e-3, "background": 1e-7, "model": 1e-7}

KINDS = (("COUNTS", "counts", "count"), ("EXPOSURE", "exposure", "s"),
         ("BACKGROUND", "background", "count"), ("MODEL", "model", "count"))


def _header(obs: XrayObservation, extname: str, bunit: str, camera: str) -> fits.Header:
    h = obs.wcs.to_header()
    h["EXTNAME"] = extname
    h["BUNIT"] = bunit
    h["TELESCOP"] = "XMM"
    h["INSTRUME"] = {"pn": "EPN", "mos1": "EMOS1", "mos2": "EMOS2"}.get(camera, "EPIC")
    h["FILTER"] = "Thin1"
    h["ENERG_LO"] = (0.5, "[keV] band lower edge")
    h["ENERG_HI"] = (2.0, "[keV] band upper edge")
    h["EXPOSURE"] = (obs.spec.exposure, "[s] on-axis exposure")
    h["DATE-OBS"] = obs.spec.date.isoformat()
    h["ORIGIN"] = f"selfunc {__version__} (simulated)"
    if camera == "combined" and extname.startswith("EXPOSURE"):
        for cam, w in obs.ecf_weights.items():
            h[f"W_{cam.upper()}"] = (w, f"ECF weight of {cam} in the combined exposure")
    return h


def write_observation(obs: XrayObservation, path: str | Path, *, per_camera: bool = True) -> Path:
    """Write ``obs`` to ``path``: the combined images, and each camera's unless
    ``per_camera`` is false (a campaign's ``[outputs] images = "combined"``)."""
    path = Path(path)
    primary = fits.PrimaryHDU()
    ph = primary.header
    ph["TELESCOP"] = "XMM"
    ph["OBJECT"] = f"selfunc pointing {obs.spec.id}"
    ph["POINTING"] = obs.spec.id
    ph["SEED"] = obs.spec.seed
    ph["RA_PNT"] = (obs.spec.ra, "[deg] pointing RA (optical axis)")
    ph["DEC_PNT"] = (obs.spec.dec, "[deg] pointing Dec")
    ph["PA_PNT"] = (obs.spec.roll, "[deg] detector position angle")
    ph["GLAT"] = (obs.spec.glat, "[deg] Galactic latitude")
    ph["EXPOSURE"] = (obs.spec.exposure, "[s] on-axis exposure")
    ph["DATE-OBS"] = obs.spec.date.isoformat()
    ph["BKGSCALE"] = (obs.spec.background_scale, "particle background scale")
    ph["CAMERAS"] = ",".join(obs.cameras)
    hdus = [primary]
    for camera in ("combined", *(obs.cameras if per_camera else ())):
        suffix = "" if camera == "combined" else f"_{camera.upper()}"
        for extname, attr, bunit in KINDS:
            data = getattr(obs, attr)[camera]
            data = data.astype(np.int32) if attr == "counts" else data.astype(np.float32)
            # one tile per image: astropy compresses tile by tile in Python, and the default
            # one-row tiles made the write 3.1x slower (issue 16) for no smaller file
            kw = dict(compression_type="RICE_1", tile_shape=data.shape)
            if attr != "counts":
                kw.update(quantize_level=-QUANTUM[attr], quantize_method=2, dither_seed=1)
            hdus.append(fits.CompImageHDU(data, header=_header(obs, extname + suffix, bunit, camera), **kw))
    for name, band in obs.bands.items():
        for extname, attr, bunit in KINDS:
            data = getattr(band, attr)
            data = data["combined"] if attr == "exposure" else data
            data = data.astype(np.int32) if attr == "counts" else data.astype(np.float32)
            kw = dict(compression_type="RICE_1", tile_shape=data.shape)
            if attr != "counts":
                kw.update(quantize_level=-QUANTUM[attr], quantize_method=2, dither_seed=1)
            h = _header(obs, f"{extname}_{name.upper()}", bunit, "band")
            h["ENERG_LO"] = (band.band.edges[0], "[keV] band lower edge")
            h["ENERG_HI"] = (band.band.edges[1], "[keV] band upper edge")
            if attr == "exposure":
                for cam, w in band.weights.items():
                    h[f"W_{cam.upper()}"] = (w, f"ECF weight of {cam} in the band's exposure")
            hdus.append(fits.CompImageHDU(data, header=h, **kw))
    with atomic_path(path) as tmp:
        fits.HDUList(hdus).writeto(tmp)
    return path


def write_truth(truth: Table, path: str | Path) -> Path:
    path = Path(path)
    with atomic_path(path) as tmp:
        truth.write(tmp, format="fits")
    return path
