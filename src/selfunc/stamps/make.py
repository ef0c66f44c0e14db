"""Stamps of candidates: cutout → resample → Appendix A → 8-bit RGB PNG per band.

A band is given as an image with its celestial WCS (any size: a whole pointing or a cutout
already made, e.g. by :func:`selfunc.optical.cutout`), or as a callable
``band(ra, dec) -> (image, wcs)`` that renders the neighbourhood of one candidate on demand.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from astropy.table import Table
from astropy.wcs import WCS

from selfunc.config.stamps import BandConfig, StampConfig
from selfunc.stamps.cutout import cutout, pixel_scale, resample
from selfunc.stamps.dataset import StampDataset
from selfunc.stamps.normalise import cut_strategy, xamin_png

__all__ = ["band_stamp", "make_stamps", "candidate_ids"]

Band = tuple[np.ndarray, WCS] | Callable[[float, float], tuple[np.ndarray, WCS]]


def band_stamp(image, wcs: WCS, ra: float, dec: float, band: BandConfig, *,
               size_arcmin: float = 7.0, npix: int = 356) -> np.ndarray:
    """The XAmin PNG (``uint8``, ``(npix, npix, 3)``) of one band about (``ra``, ``dec``).

    Steps: a ``size_arcmin`` cutout (pixels outside the image set to ``band.fill_value``),
    optional Gaussian smoothing (``band.smooth_fwhm``, arcsec), bilinear resampling to
    ``npix``, then Tables A1–A2 with the band's cut levels (computed on the resampled
    stamp).
    """
    data, cut_wcs = cutout(image, wcs, ra, dec, size_arcmin=size_arcmin,
                           fill_value=band.fill_value)
    if band.smooth_fwhm > 0:
        from scipy.ndimage import gaussian_filter

        sigma = band.smooth_fwhm / (2.0 * np.sqrt(2.0 * np.log(2.0))) / pixel_scale(cut_wcs)
        data = gaussian_filter(data, sigma, mode="nearest")
    return xamin_png(resample(data, npix), cut_strategy(band.cuts), colour=band.colour)


def candidate_ids(candidates: Table) -> np.ndarray:
    """String ids of candidates: ``PPPPP-CCCCC`` (pointing, cand_id) when the table has a
    ``pointing`` column, else the ``cand_id``; a table without ``cand_id`` (not made by
    :mod:`selfunc.detect`) is numbered by row."""
    if "cand_id" in candidates.colnames:
        cid = np.asarray(candidates["cand_id"], dtype=np.int64)
    else:
        cid = np.arange(len(candidates), dtype=np.int64)
    if "pointing" in candidates.colnames:
        pid = np.asarray(candidates["pointing"], dtype=np.int64)
        return np.array([f"{p:05d}-{c:05d}" for p, c in zip(pid, cid)])
    return np.array([f"{c:05d}" for c in cid])


def _band_at(band: Band, ra: float, dec: float):
    if callable(band):
        return band(ra, dec)
    return band


def _as_float(band: Band | None) -> Band | None:
    """A whole image converted to float once, not once per candidate."""
    if band is None or callable(band):
        return band
    image, wcs = band
    return np.asarray(image, dtype=float), wcs


def make_stamps(candidates: Table, *, xray: Band | None = None, optical: Band | None = None,
                config: StampConfig = StampConfig(), label_column: str | None = "label",
                provenance: dict | None = None) -> StampDataset:
    """Stamps of every candidate of a table (needs ``ra``, ``dec``; ids from
    :func:`candidate_ids`).

    Parameters
    ----------
    candidates : astropy.table.Table
        Detected candidates; ``label`` (the five classes of :mod:`selfunc.match`) becomes
        the dataset's labels when ``label_column`` is set, else labels are empty strings.
    xray, optical : (image, wcs) or callable
        The bands, see the module docstring. The bands that ``config.kind`` needs must be
        given; a band given but not needed is stamped all the same (kept for other kinds).
    config : StampConfig
    provenance : dict
        Merged into the dataset's provenance (e.g. campaign, pointing, files).
    """
    needed = set(config.bands)
    given = {"xray": _as_float(xray), "optical": _as_float(optical)}
    missing = sorted(b for b in needed if given[b] is None)
    if missing:
        raise ValueError(f"stamps of kind '{config.kind}' need the {' and '.join(missing)} band")
    for col in ("ra", "dec"):
        if col not in candidates.colnames:
            raise ValueError(f"candidates need a '{col}' column (degrees)")
    n = len(candidates)
    rgb: dict[str, np.ndarray | None] = {}
    for name, band in given.items():
        if band is None:
            rgb[name] = None
            continue
        bcfg = getattr(config, name)
        out = np.empty((n, config.npix, config.npix, 3), dtype=np.uint8)
        for k, (ra, dec) in enumerate(zip(np.asarray(candidates["ra"], float),
                                          np.asarray(candidates["dec"], float))):
            image, wcs = _band_at(band, ra, dec)
            out[k] = band_stamp(image, wcs, ra, dec, bcfg, size_arcmin=config.size,
                                npix=config.npix)
        rgb[name] = out
    if label_column is not None:
        if label_column not in candidates.colnames:
            raise ValueError(f"candidates have no '{label_column}' column (labels); pass "
                             "label_column=None for unlabelled candidates")
        labels = np.char.strip(np.asarray(candidates[label_column]).astype(str))
    else:
        labels = np.full(n, "", dtype="U6")
    prov = {"stamps": config.model_dump(mode="json"), **(provenance or {})}
    return StampDataset(ids=candidate_ids(candidates), labels=labels, xray_rgb=rgb["xray"],
                        optical_rgb=rgb["optical"], provenance=prov)
