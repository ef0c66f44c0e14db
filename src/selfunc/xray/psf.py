"""Rendering the EPIC point-spread function on the image grid.

The PSF itself (one King profile per camera, its calibration and encircled energy) is
:mod:`selfunc.profiles.king`, shared with the detector. Rendering (see :func:`core_stamp`,
:func:`tail_kernel`): the King wings are heavy (α ≈ 1.5: ~5–9 % of the flux lies beyond 1′),
so the profile is split exactly as

    K = K_core + K_tail,  K_tail(r) = min(K(r), K(R_in)),  K_core = K − K_tail ≥ 0,

where K_core vanishes beyond R_in (``psf_core_radius``, 60″ by default) and is drawn on the
image grid from a 0.5″ template, and the smooth K_tail is drawn on a coarse grid over the
whole image by FFT convolution. Nothing is truncated or renormalised, so a source's image
integrates to its counts (less what falls off the image or in chip gaps) and its encircled
energy follows :func:`selfunc.profiles.king.encircled_energy`.
"""

from __future__ import annotations

import functools

import numpy as np

from selfunc.profiles.king import encircled_energy, king_profile

__all__ = ["core_fraction", "core_stamp", "shifted_stamps", "shift_weights", "tail_kernel",
           "OVERSAMPLE"]

OVERSAMPLE = 5


def core_fraction(rc, alpha, r_in):
    """∫K_core = EE(R_in) − π R_in² K(R_in)."""
    return encircled_energy(r_in, rc, alpha) - np.pi * r_in**2 * king_profile(r_in, rc, alpha)


@functools.lru_cache(maxsize=512)
def _fine_core(rc: float, alpha: float, r_in: float, pixel: float):
    """K_core × fine-pixel area on a grid of pixel/OVERSAMPLE, centred on a fine pixel.

    Fine pixels are ≤ 0.5″ ≪ r_c, so a 2×2 midpoint sub-sample per fine pixel integrates the
    profile to ≪ 0.1 %.
    """
    h = pixel / OVERSAMPLE
    n = int(np.ceil(r_in / h)) + OVERSAMPLE
    sub = (np.arange(2) + 0.5) / 2 - 0.5
    g = (np.arange(-n, n + 1)[:, None] + sub[None, :]).ravel() * h
    k_in = king_profile(r_in, rc, alpha)
    k = _mirrored(lambda r: np.maximum(king_profile(r, rc, alpha) - k_in, 0.0), g)
    k = k.reshape(2 * n + 1, 2, 2 * n + 1, 2).mean(axis=(1, 3)) * h * h
    return k


def _mirrored(profile, g):
    """profile(hypot(g_i, g_j)) on the grid g × g, for a g of even length with g[::-1] = −g
    (exactly, as the sub-sample grids here are): evaluated on the quadrant g ≥ 0 and
    mirrored, the same numbers at a quarter of the cost."""
    q = g[g.size // 2:]
    quad = profile(np.hypot(q[:, None], q[None, :]))
    top = np.concatenate([quad[::-1, ::-1], quad[::-1, :]], axis=1)
    return np.concatenate([top, top[::-1, :]], axis=0)


_SHIFT_PAD = OVERSAMPLE // 2 + 1  # fine-pixel shifts span −(S//2+1) … S//2+1


@functools.lru_cache(maxsize=512)
def _shifted_stamps(rc: float, alpha: float, r_in: float, pixel: float):
    """Block sums of the fine core for integer fine-pixel shifts of the source.

    Returns (stamps, centre): stamps[i, j] (i, j = 0 … 2·pad) is the image-pixel core of a
    source displaced by ((j − pad)/S, (i − pad)/S) pixels in (x, y) from the centre of the
    stamp's centre pixel ``centre``.
    """
    s = OVERSAMPLE
    pad = _SHIFT_PAD
    fine = _fine_core(rc, alpha, r_in, pixel)
    nf = fine.shape[0]
    n = nf // 2
    kc = -(-(n + pad) // s) + 1
    m = 2 * kc + 1
    big = m * s
    ns = 2 * pad + 1
    # A block sum is separable (rows, then columns), so the 49 shifted stamps cost 7 row
    # passes and 49 narrow column passes instead of 49 sums of the whole fine canvas.
    canvas = np.zeros((ns, big, nf))
    for i in range(ns):
        oy = kc * s + s // 2 + (i - pad) - n
        canvas[i, oy:oy + nf] = fine
    rows = canvas.reshape(ns, m, s, nf).sum(axis=2)  # (shift i, stamp row, fine column)
    out = np.empty((ns, ns, m, m))
    canvas = np.zeros((ns, m, big))
    for j in range(ns):
        canvas[:] = 0.0
        ox = kc * s + s // 2 + (j - pad) - n
        canvas[:, :, ox:ox + nf] = rows
        out[:, j] = canvas.reshape(ns, m, m, s).sum(axis=3)
    return out


def shifted_stamps(rc: float, alpha: float, r_in: float, pixel: float):
    """The (cached) stack of core stamps for whole fine-pixel shifts that :func:`core_stamp`
    interpolates: shape (2·pad + 1, 2·pad + 1, m, m), shift (y, x) first."""
    return _shifted_stamps(round(float(rc), 4), round(float(alpha), 5), float(r_in), float(pixel))


def shift_weights(d):
    """For offsets ``d`` ∈ [−½, ½] pixel (clipped; scalar or array): the index of the lower
    of the two shifted stamps that bracket d along that axis, and the weight of the upper."""
    f = np.clip(d, -0.5, 0.5) * OVERSAMPLE
    i0 = np.floor(f)
    return i0.astype(np.int64) + _SHIFT_PAD, f - i0


def core_stamp(rc: float, alpha: float, r_in: float, pixel: float, dx: float, dy: float):
    """Image-pixel stamp of K_core for a source at offset (dx, dy) ∈ [−½, ½] pixel from the
    centre of the stamp's centre pixel; bilinear between templates shifted by whole fine
    pixels (1/S pixel), so the sum is exactly :func:`core_fraction` and the centroid moves
    continuously with the position."""
    stamps = shifted_stamps(rc, alpha, r_in, pixel)
    j0, wx = shift_weights(float(dx))
    i0, wy = shift_weights(float(dy))
    return ((1 - wy) * ((1 - wx) * stamps[i0, j0] + wx * stamps[i0, j0 + 1])
            + wy * ((1 - wx) * stamps[i0 + 1, j0] + wx * stamps[i0 + 1, j0 + 1]))


@functools.lru_cache(maxsize=256)
def tail_kernel(rc: float, alpha: float, r_in: float, coarse_pixel: float, half_size: int):
    """K_tail integrated over coarse pixels, on a (2·half_size+1)² grid centred on the source.

    A 4×4 midpoint sub-sample per coarse pixel keeps the error near the R_in kink small.
    """
    sub = (np.arange(4) + 0.5) / 4 - 0.5
    g = (np.arange(-half_size, half_size + 1)[:, None] + sub[None, :]).ravel() * coarse_pixel
    k_in = king_profile(r_in, rc, alpha)
    k = _mirrored(lambda r: np.minimum(king_profile(r, rc, alpha), k_in), g)
    n = 2 * half_size + 1
    return k.reshape(n, 4, n, 4).mean(axis=(1, 3)) * coarse_pixel**2
