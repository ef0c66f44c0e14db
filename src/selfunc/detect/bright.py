"""Masks around bright point sources, where the PSF model is not good enough to search
the wings for extended emission.

A fitted point source's model m(r) = a · PSF(r) · pixel² is subtracted from the data of
its neighbours (:mod:`selfunc.detect.characterise` draws it out to where it falls below
1 % of the background), but a model is only as good as the PSF: a relative error ε of the
wings leaves ε·m(r) of structured residual. With the simulator's rendered King wings the
residuals of a 5×10⁻¹¹ star are ε ≈ 6–8 % between 40″ and 4′ (tests/detect), and they seed
spurious extended sources wherever ε·m over a cluster-sized region beats the background's
noise — as real PSF wings (not exactly King) would. Such residual is ≥ 1σ over a 30″
disc where m ≳ 10 b with ε ≈ 7 %, so by default the disc where m exceeds
``bright_mask_level`` = 10 times the local background b is masked: candidates inside it
(other than the source itself) cannot be C1, C2 or AC, and the masked area within the
analysis radius is reported (table meta ``MASKAREA``, arcmin²) so that the selection
function can remove it from the surveyed area.
"""

from __future__ import annotations

import numpy as np

__all__ = ["mask_radius", "bright_masks"]


def mask_radius(counts: float, psf_mge, background: float, level: float) -> float:
    """Radius (pixels) inside which counts × PSF per pixel exceeds level × background;
    0 where even the peak does not."""
    r = np.concatenate([[0.0], np.geomspace(0.25, 2000.0, 400)])
    dens = counts * psf_mge.density(r)
    above = np.nonzero(dens > level * max(background, 1e-9))[0]
    return float(r[above[-1]]) if above.size else 0.0


def bright_masks(x, y, counts, backgrounds, psf, level: float, shape, valid):
    """Discs (x, y, radius in pixels) of every source whose model beats ``level`` × its
    background, and the boolean mask image they cover (within ``valid``)."""
    discs = []
    for xi, yi, a, b in zip(x, y, counts, backgrounds):
        m = psf.at(xi, yi)
        if a * m.density(0.0) <= level * b:  # fast reject: even the peak is below
            continue
        r = mask_radius(a, m, b, level)
        if r > 0:
            discs.append((float(xi), float(yi), r))
    mask = np.zeros(shape, bool)
    for xi, yi, r in discs:
        ya, yb = max(int(yi - r) - 1, 0), min(int(yi + r) + 2, shape[0])
        xa, xb = max(int(xi - r) - 1, 0), min(int(xi + r) + 2, shape[1])
        if ya >= yb or xa >= xb:
            continue
        yy, xx = np.mgrid[ya:yb, xa:xb]
        mask[ya:yb, xa:xb] |= np.hypot(xx - xi, yy - yi) <= r
    return discs, mask & valid
