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
from selfunc.fitsimage import hdu_names, read_image_hdu

__all__ = ["from_observation", "band_inputs", "read_images", "estimate_background", "INSTRUMENTS"]

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


def estimate_background(counts: np.ndarray, exposure: np.ndarray, box: int = 64,
                        block: int = 4) -> np.ndarray:
    """Background counts per pixel ∝ exposure, from the counts with sources masked.

    The counts and exposure are summed in blocks of ``block``² pixels (≳ 1 count each at
    10 ks, so that a Poisson cut means something: on single pixels of 0.07 counts a 3σ
    cut only removes pixels with ≥ 4 counts and leaves the wings of every source, which
    biased the estimate by +25 % with 5 sources and +85 % with 20 in 10′ × 10′). In each
    box of ``box`` pixels, blocks above μ + 3√μ + 1 (μ the box's rate × the block's
    exposure) are masked with the blocks within two of them (source wings, ±20″), five times;
    the box's rate is Σn/Σe over the rest, interpolated bilinearly and multiplied by the
    exposure map. A stand-in where no background map exists; XMM pipeline maps
    (esplinemap) are better when available.
    """
    from scipy import ndimage

    ny, nx = counts.shape
    by, bx = -(-ny // block), -(-nx // block)
    pad = ((0, by * block - ny), (0, bx * block - nx))
    good = exposure > 0.5 * np.max(exposure)
    nb = np.pad(np.where(good, counts, 0.0), pad).reshape(by, block, bx, block).sum(axis=(1, 3))
    eb = np.pad(np.where(good, exposure, 0.0), pad).reshape(by, block, bx, block).sum(axis=(1, 3))
    per = max(box // block, 1)
    gy, gx = -(-by // per), -(-bx // per)
    rate = np.full((gy, gx), np.nan)
    for i in range(gy):
        for j in range(gx):
            n = nb[i * per:(i + 1) * per, j * per:(j + 1) * per]
            e = eb[i * per:(i + 1) * per, j * per:(j + 1) * per]
            ok = e > 0.5 * block**2 * np.max(exposure)
            use = ok.copy()
            for _ in range(5):
                if use.sum() < 10:
                    break
                mu = n[use].sum() / e[use].sum() * e
                hot = ok & (n > mu + 3 * np.sqrt(mu) + 1)
                use = ok & ~ndimage.binary_dilation(hot, np.ones((5, 5), bool))
            if use.sum() >= 10:
                rate[i, j] = n[use].sum() / e[use].sum()
    if np.all(np.isnan(rate)):
        raise SelfuncError("cannot estimate a background: no well-exposed region")
    rate = np.where(np.isnan(rate), np.nanmedian(rate), rate)
    step = per * block
    yy = (np.arange(ny) + 0.5) / step - 0.5
    xx = (np.arange(nx) + 0.5) / step - 0.5
    grid = ndimage.map_coordinates(rate, np.meshgrid(yy, xx, indexing="ij"), order=1, mode="nearest")
    return grid * exposure


def read_images(counts_path, exposure_path=None, background_path=None, *,
                camera: str | None = None, energy: float = 1.2,
                instrument: InstrumentConfig = InstrumentConfig()):
    """Read counts / exposure / background FITS (real or simulated) for detection."""
    import warnings

    counts_path = Path(counts_path)
    sim = counts_path.is_file() and exposure_path is None
    counts, counts_header = read_image_hdu(counts_path, "COUNTS" if sim else None, float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FITSFixedWarning)
        wcs = WCS(counts_header)
    if not wcs.has_celestial:
        raise SelfuncError(f"{counts_path}: the image has no celestial WCS (RA/Dec axes)")
    names = hdu_names(counts_path) if sim else set()
    if exposure_path is None:
        if "EXPOSURE" not in names:
            raise SelfuncError(f"{counts_path}: give --exposure (no EXPOSURE HDU in this file)")
        exposure, _ = read_image_hdu(counts_path, "EXPOSURE", float)
    else:
        exposure, _ = read_image_hdu(exposure_path, None, float)
    if exposure.shape != counts.shape:
        raise SelfuncError(f"{exposure_path}: exposure map shape {exposure.shape} differs from "
                           f"the counts image {counts.shape}")
    if background_path is not None:
        background, _ = read_image_hdu(background_path, None, float)
        if background.shape != counts.shape:
            raise SelfuncError(f"{background_path}: background shape {background.shape} differs "
                               f"from the counts image {counts.shape}")
    elif "BACKGROUND" in names:
        background, _ = read_image_hdu(counts_path, "BACKGROUND", float)
    else:
        background = estimate_background(counts, exposure)
    scales = wcs.celestial.proj_plane_pixel_scales()
    pixel = float(np.mean([abs(s.to_value("arcsec")) for s in scales]))
    header = fits.getheader(counts_path, 0)
    if camera is None:
        camera = INSTRUMENTS.get(str(counts_header.get("INSTRUME",
                                                       header.get("INSTRUME", ""))).strip())
    cameras = (camera,) if camera else ("pn", "mos1", "mos2")
    axis = _optical_axis(header, counts_header, wcs, counts.shape)
    # Our own files hold each camera's exposure map: with them the PSF's camera shares are
    # those the campaign used (from_observation), so that re-detecting a stored pointing
    # reproduces its catalogue; without them the shares are the ECF weights alone, which
    # moved DET_ML by up to 10 and EXT_ML by up to 18 (issue 14).
    exposures = None
    if sim and len(cameras) > 1:
        with fits.open(counts_path) as hdul:
            names = [f"EXPOSURE_{c.upper()}" for c in cameras]
            if all(n in hdul for n in names):
                exposures = tuple(np.asarray(hdul[n].data, float) for n in names)
    psf = PsfModel(cameras=cameras, weights=tuple(instrument.ecf[c].cluster for c in cameras),
                   energy=energy, pixel=pixel, axis=axis, exposures=exposures)
    return DetectionImages(counts, exposure, background, wcs), psf


def _optical_axis(primary, header, wcs, shape):
    for h in (header, primary):
        if "RA_PNT" in h and "DEC_PNT" in h:
            x, y = wcs.celestial.world_to_pixel_values(h["RA_PNT"], h["DEC_PNT"])
            return float(x), float(y)
    return (shape[1] - 1) / 2.0, (shape[0] - 1) / 2.0


def band_inputs(obs, instrument: InstrumentConfig):
    """Forced-photometry inputs (:class:`~selfunc.detect.photometry.BandInput`) of the
    sub-band images of a simulated observation (``obs.bands``; empty without them): each
    band's combined counts, exposure and background, and its PSF at the band's energy with
    the cameras' band weights and exposure maps."""
    from selfunc.detect.photometry import BandInput

    out = []
    for name, b in obs.bands.items():
        n = b.counts.shape[0]
        psf = PsfModel(cameras=obs.cameras, weights=tuple(b.weights[c] for c in obs.cameras),
                       energy=b.band.energy, pixel=obs.pixel, axis=((n - 1) / 2, (n - 1) / 2),
                       exposures=tuple(b.exposure[c] for c in obs.cameras))
        out.append(BandInput(name, DetectionImages(b.counts, b.exposure["combined"],
                                                   b.background, obs.wcs), psf))
    return out
