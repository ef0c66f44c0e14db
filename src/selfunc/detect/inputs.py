"""Inputs of the detection stage, from a simulated observation or from FITS files.

Real XMM products come as separate files (counts image, exposure map, optional background
map), each with a celestial WCS; our simulated ``xray.fits`` holds all of them as HDUs.
Without a background map, the background is estimated from the counts (see
:func:`estimate_background`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS, FITSFixedWarning

from selfunc.config.models import InstrumentConfig
from selfunc.detect.pipeline import DetectionImages
from selfunc.detect.psfmodel import PsfModel
from selfunc.errors import SelfuncError

__all__ = ["from_observation", "read_images", "estimate_background", "INSTRUMENTS"]

INSTRUMENTS = {"EPN": "pn", "EMOS1": "mos1", "EMOS2": "mos2"}


def from_observation(obs, instrument: InstrumentConfig):
    """Detection inputs of a simulated :class:`~selfunc.xray.observe.XrayObservation`."""
    images = DetectionImages(obs.counts["combined"], obs.exposure["combined"],
                             obs.background["combined"], obs.wcs)
    n = obs.counts["combined"].shape[0]
    psf = PsfModel(cameras=obs.cameras,
                   weights=tuple(instrument.ecf[c].cluster for c in obs.cameras),
                   energy=instrument.effective_energy, pixel=obs.pixel,
                   axis=((n - 1) / 2, (n - 1) / 2),
                   exposures=tuple(obs.exposure[c] for c in obs.cameras))
    return images, psf


def _image_hdu(path: Path, extname: str | None):
    if not path.is_file():
        raise SelfuncError(f"{path}: file not found")
    try:
        hdul = fits.open(path)
    except OSError as exc:
        raise SelfuncError(f"{path}: cannot read as FITS ({exc})") from None
    if extname is not None and extname in hdul:
        return hdul[extname]
    for hdu in hdul:
        if hdu.is_image and hdu.data is not None and hdu.data.ndim == 2:
            return hdu
    raise SelfuncError(f"{path}: no 2-D image HDU" + (f" named {extname}" if extname else ""))


def estimate_background(counts: np.ndarray, exposure: np.ndarray, box: int = 64) -> np.ndarray:
    """Background counts per pixel ∝ exposure, from the counts with sources clipped.

    The background rate per unit exposure is the sigma-clipped mean of counts / exposure in
    boxes of ``box`` pixels (three 3σ clipping passes against the box's Poisson mean),
    interpolated bilinearly, times the exposure map. A simple stand-in where no
    background map exists; XMM pipeline maps (esplinemap) are better when available.
    """
    from scipy import ndimage

    ny, nx = counts.shape
    gy, gx = -(-ny // box), -(-nx // box)
    rate = np.full((gy, gx), np.nan)
    for i in range(gy):
        for j in range(gx):
            n = counts[i * box:(i + 1) * box, j * box:(j + 1) * box].astype(float)
            e = exposure[i * box:(i + 1) * box, j * box:(j + 1) * box]
            ok = e > 0.5 * np.max(exposure)
            for _ in range(3):
                if ok.sum() < 10:
                    break
                r = n[ok].sum() / e[ok].sum()
                mu = r * e
                ok &= n <= mu + 3 * np.sqrt(np.maximum(mu, 1.0))
            if ok.sum() >= 10:
                rate[i, j] = n[ok].sum() / e[ok].sum()
    if np.all(np.isnan(rate)):
        raise SelfuncError("cannot estimate a background: no well-exposed region")
    rate = np.where(np.isnan(rate), np.nanmedian(rate), rate)
    yy = (np.arange(ny) + 0.5) / box - 0.5
    xx = (np.arange(nx) + 0.5) / box - 0.5
    grid = ndimage.map_coordinates(rate, np.meshgrid(yy, xx, indexing="ij"), order=1, mode="nearest")
    return grid * exposure


def read_images(counts_path, exposure_path=None, background_path=None, *,
                camera: str | None = None, energy: float = 1.2,
                instrument: InstrumentConfig = InstrumentConfig()):
    """Read counts / exposure / background FITS (real or simulated) for detection."""
    import warnings

    counts_path = Path(counts_path)
    sim = counts_path.is_file() and exposure_path is None
    hc = _image_hdu(counts_path, "COUNTS" if sim else None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FITSFixedWarning)
        wcs = WCS(hc.header)
    if not wcs.has_celestial:
        raise SelfuncError(f"{counts_path}: the image has no celestial WCS (RA/Dec axes)")
    counts = np.asarray(hc.data, float)
    if exposure_path is None:
        if not sim or "EXPOSURE" not in fits.open(counts_path):
            raise SelfuncError(f"{counts_path}: give --exposure (no EXPOSURE HDU in this file)")
        exposure = np.asarray(fits.open(counts_path)["EXPOSURE"].data, float)
    else:
        exposure = np.asarray(_image_hdu(Path(exposure_path), None).data, float)
    if exposure.shape != counts.shape:
        raise SelfuncError(f"{exposure_path}: exposure map shape {exposure.shape} differs from "
                           f"the counts image {counts.shape}")
    if background_path is not None:
        background = np.asarray(_image_hdu(Path(background_path), None).data, float)
        if background.shape != counts.shape:
            raise SelfuncError(f"{background_path}: background shape {background.shape} differs "
                               f"from the counts image {counts.shape}")
    elif sim and "BACKGROUND" in fits.open(counts_path):
        background = np.asarray(fits.open(counts_path)["BACKGROUND"].data, float)
    else:
        background = estimate_background(counts, exposure)
    scales = wcs.celestial.proj_plane_pixel_scales()
    pixel = float(np.mean([abs(s.to_value("arcsec")) for s in scales]))
    header = fits.getheader(counts_path, 0)
    if camera is None:
        camera = INSTRUMENTS.get(str(hc.header.get("INSTRUME", header.get("INSTRUME", ""))).strip())
    cameras = (camera,) if camera else ("pn", "mos1", "mos2")
    axis = _optical_axis(header, hc.header, wcs, counts.shape)
    psf = PsfModel(cameras=cameras, weights=tuple(instrument.ecf[c].cluster for c in cameras),
                   energy=energy, pixel=pixel, axis=axis)
    return DetectionImages(counts, exposure, background, wcs), psf


def _optical_axis(primary, header, wcs, shape):
    for h in (header, primary):
        if "RA_PNT" in h and "DEC_PNT" in h:
            x, y = wcs.celestial.world_to_pixel_values(h["RA_PNT"], h["DEC_PNT"])
            return float(x), float(y)
    return (shape[1] - 1) / 2.0, (shape[0] - 1) / 2.0
