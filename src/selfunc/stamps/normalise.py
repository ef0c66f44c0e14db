"""The XAmin image normalisation of Kosiba et al. 2020, Appendix A, and grey-scaling.

Table A1 (cut and inversion). With ``data`` a pixel of the input image and
``min_cut < max_cut`` the two cut levels,

==========================  ==================================================
``data < min_cut``          255
``data > max_cut``          0
otherwise                   255 × (1 − (data − min_cut) / (max_cut − min_cut))
==========================  ==================================================

so the image is inverted: empty sky is white (255), bright emission black (0). The paper
does not publish the cut levels; :class:`FixedCuts` and :class:`PercentileCuts` are the two
ways selfunc chooses them (the preset ``configs/stamps/xamin.toml`` says which, per band).

Table A2 (the PNG's three channels), ``pix`` the value after cutting:

=======  ===============  ===================================
R        ``pix ≥ 176``    255
         ``pix < 176``    pix × 255 / 176
G        ``pix ≥ 120``    (pix − 120) × 255 / (255 − 120)
         ``pix < 120``    0
B        ``pix ≥ 190``    (pix − 190) × 255 / (255 − 190)
         ``pix < 190``    0
=======  ===============  ===================================

(a white → yellow → red → black colour map). The networks see each band grey-scaled
(§3.1): :func:`grey` is the ITU-R 601-2 luma that Pillow's ``convert("L")`` (and so Keras'
``load_img(color_mode="grayscale")``) applies to an 8-bit RGB image, in Pillow's exact
fixed-point form, ``L = (19595 R + 38470 G + 7471 B + 2¹⁵) >> 16``.

Quantisation: XAmin writes 8-bit PNGs, so ``pix`` and every channel are 8-bit integers.
The paper does not say whether values are rounded or truncated; :func:`xamin_png` rounds
half up at both steps (``quantise=True``, the default) and keeps floats otherwise.
"""

from __future__ import annotations

import dataclasses

import numpy as np

__all__ = ["FixedCuts", "PercentileCuts", "cut_strategy", "cut_invert", "channel_rules", "xamin_png", "grey",
           "R_KNEE", "G_KNEE", "B_KNEE"]

#: Table A2 knees: R saturates at and above 176; G starts at 120; B starts at 190.
R_KNEE, G_KNEE, B_KNEE = 176, 120, 190


@dataclasses.dataclass(frozen=True)
class FixedCuts:
    """Table A1 cut levels given as numbers, in the units of the image."""

    min_cut: float
    max_cut: float

    def __post_init__(self):
        if not (np.isfinite(self.min_cut) and np.isfinite(self.max_cut)):
            raise ValueError(f"FixedCuts: cuts must be finite, got {self.min_cut}, {self.max_cut}")
        if not self.max_cut > self.min_cut:
            raise ValueError(f"FixedCuts: max_cut ({self.max_cut:g}) must exceed min_cut "
                             f"({self.min_cut:g})")

    def __call__(self, data: np.ndarray) -> tuple[float, float]:
        return float(self.min_cut), float(self.max_cut)


@dataclasses.dataclass(frozen=True)
class PercentileCuts:
    """Cut levels from the image itself: ``min_cut`` the ``lower`` percentile of the finite
    pixels, ``max_cut = max(upper percentile, min_cut + min_range)``.

    ``min_range`` (image units) keeps the levels apart on a nearly empty image: in a 7′
    cutout of a 10 ks XMM pointing 99.9 % of the pixels hold ≤ 3 counts, and an empty
    stretch of sky holds none, where the percentiles coincide.
    """

    lower: float = 0.0
    upper: float = 99.9
    min_range: float = 1.0

    def __post_init__(self):
        if not 0.0 <= self.lower < self.upper <= 100.0:
            raise ValueError(f"PercentileCuts: need 0 <= lower < upper <= 100, got "
                             f"lower={self.lower}, upper={self.upper}")
        if not self.min_range > 0:
            raise ValueError(f"PercentileCuts: min_range must be > 0, got {self.min_range}")

    def __call__(self, data: np.ndarray) -> tuple[float, float]:
        good = np.asarray(data, dtype=float)
        good = good[np.isfinite(good)]
        if good.size == 0:
            raise ValueError("PercentileCuts: the image has no finite pixel")
        lo, hi = np.percentile(good, [self.lower, self.upper])
        return float(lo), float(max(hi, lo + self.min_range))


def cut_strategy(cuts) -> FixedCuts | PercentileCuts:
    """The cut function of a :class:`selfunc.config.stamps.CutConfig`."""
    if cuts.method == "fixed":
        return FixedCuts(cuts.min_cut, cuts.max_cut)
    return PercentileCuts(cuts.lower, cuts.upper, cuts.min_range)


def cut_invert(data, min_cut: float, max_cut: float) -> np.ndarray:
    """Table A1: the inverted, cut image in [0, 255] (float64).

    NaN pixels (no data) count as below ``min_cut``: they are empty, white.
    """
    if not max_cut > min_cut:
        raise ValueError(f"cut_invert: max_cut ({max_cut:g}) must exceed min_cut ({min_cut:g})")
    d = np.asarray(data, dtype=float)
    out = 255.0 * (1.0 - (d - min_cut) / (max_cut - min_cut))
    out = np.where(d < min_cut, 255.0, out)
    out = np.where(d > max_cut, 0.0, out)
    return np.where(np.isnan(d), 255.0, out)


def channel_rules(pix) -> np.ndarray:
    """Table A2: the (..., 3) RGB channels of the cut image ``pix`` (values in [0, 255])."""
    p = np.asarray(pix, dtype=float)
    r = np.where(p >= R_KNEE, 255.0, p * 255.0 / R_KNEE)
    g = np.where(p >= G_KNEE, (p - G_KNEE) * 255.0 / (255 - G_KNEE), 0.0)
    b = np.where(p >= B_KNEE, (p - B_KNEE) * 255.0 / (255 - B_KNEE), 0.0)
    return np.stack([r, g, b], axis=-1)


def _round(x) -> np.ndarray:
    return np.floor(np.asarray(x, dtype=float) + 0.5)


def xamin_png(data, cuts, *, colour: bool = True, quantise: bool = True) -> np.ndarray:
    """The XAmin PNG of an image: Table A1 then (``colour=True``) Table A2.

    Parameters
    ----------
    data : 2-D array
        The image (counts for X-rays, scan units for a photographic plate).
    cuts : callable
        ``cuts(data) -> (min_cut, max_cut)``, e.g. :class:`FixedCuts` or
        :class:`PercentileCuts`.
    colour : bool
        Apply Table A2. Without it the three channels are equal to the cut image (a grey
        PNG).
    quantise : bool
        Round to 8-bit integers after each table, as in a PNG file (returns ``uint8``);
        otherwise floats in [0, 255].

    Returns
    -------
    ndarray, shape (ny, nx, 3)
    """
    data = np.asarray(data)
    if data.ndim != 2:
        raise ValueError(f"xamin_png: expected a 2-D image, got shape {data.shape}")
    lo, hi = cuts(data)
    pix = cut_invert(data, lo, hi)
    if quantise:
        pix = _round(pix)
    rgb = channel_rules(pix) if colour else np.repeat(pix[..., None], 3, axis=-1)
    if quantise:
        return _round(rgb).astype(np.uint8)
    return rgb


def grey(rgb) -> np.ndarray:
    """ITU-R 601-2 luma of an RGB image (last axis R, G, B).

    ``uint8`` input gives Pillow's ``convert("L")`` exactly (``uint8`` out); float input in
    [0, 255] gives ``0.299 R + 0.587 G + 0.114 B`` as floats.
    """
    rgb = np.asarray(rgb)
    if rgb.shape[-1] != 3:
        raise ValueError(f"grey: expected a last axis of 3 (R, G, B), got shape {rgb.shape}")
    if rgb.dtype == np.uint8:
        out = np.empty(rgb.shape[:-1], dtype=np.uint8)
        flat_in, flat_out = rgb.reshape(-1, 3), out.reshape(-1)
        step = 1 << 22  # pixels per block: bounded temporaries for whole datasets
        for s in range(0, len(flat_in), step):
            c = flat_in[s:s + step]
            acc = c[:, 0].astype(np.uint32) * 19595
            acc += c[:, 1].astype(np.uint32) * 38470
            acc += c[:, 2].astype(np.uint32) * 7471
            acc += 0x8000
            flat_out[s:s + step] = acc >> 16
        return out
    c = rgb.astype(float)
    return 0.299 * c[..., 0] + 0.587 * c[..., 1] + 0.114 * c[..., 2]
