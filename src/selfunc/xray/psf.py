"""EPIC point-spread function: one King profile per camera, calibrated on axis to the SAS
encircled-energy table and the in-orbit half-energy width, with the CCF's energy and off-axis terms.

PSF(r) = (α − 1)/(π r_c²) · [1 + (r/r_c)²]^(−α), normalised to one over the plane, with
encircled energy EE(R) = 1 − [1 + (R/r_c)²]^(1−α) (CALHB "CALgetEncircledEnergy") and
half-energy width HEW = 2 r_c √(2^(1/(α−1)) − 1).

Calibration (docs/physics.md §4 gives every number with its source and tag):

* On axis at E_REF = 1.5 keV, (r_c, α) of each camera are the least-squares fit [D] to the SAS
  ``eupper`` EEF table at 15/30/45/60″ [V] and the UHB in-orbit HEW (pn 16.6″, MOS1 16.8″,
  MOS2 17.0″) [A]: one King meets all five numbers to ≤ 1.3 % (the Ghizzardi 2001/2002 fit that
  the CCF ``XRTn_XPSF`` KING_PARAMS holds puts the pn core ~30 % too wide: HEW 21″, EEF(15″)
  0.62 against 0.71).
* Energy: dr_c/dE = b + d·θ and dα/dE = y + w·θ are the CCF's (Ghizzardi's coefficients,
  CAL-SRN-0116, xmm_facts §1.2 [V]).
* Off axis: α(θ) follows the CCF's z + w·E term (the wings grow heavier: W90 grows with θ,
  UHB §3.2.1.2 Figs. 9–10 [V, figures]), while r_c(θ) is set so that the HEW keeps its on-axis
  value. The CCF's own r_c(θ) term would make the pn HEW *shrink* by 17 % at 10′ once the core
  is recalibrated; no primary number for the off-axis HEW was found, and ``eupper`` tabulates one
  EEF for the whole field ("designed to minimise the variation of the PSF ... across the field
  of view", accurate to ~5 %), which a constant HEW with heavier wings meets (EEF(15″) within
  3 % of the table to 12′).
* The CCF is calibrated to θ = 12′; beyond, θ is clipped at 12′ (the linear terms are not
  extrapolated: at 15′ the pn α would fall towards 1, a PSF without a finite HEW).

Rendering (see :func:`core_stamp`, :func:`tail_kernel`): the King wings are heavy
(α ≈ 1.5: ~5–9 % of the flux lies beyond 1′), so the profile is split exactly as

    K = K_core + K_tail,  K_tail(r) = min(K(r), K(R_in)),  K_core = K − K_tail ≥ 0,

where K_core vanishes beyond R_in (``psf_core_radius``, 60″ by default) and is drawn on the
image grid from a 0.5″ template, and the smooth K_tail is drawn on a coarse grid over the
whole image by FFT convolution. Nothing is truncated or renormalised, so a source's image
integrates to its counts (less what falls off the image or in chip gaps) and its encircled
energy follows the formula above.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["KING_ON_AXIS", "KING_SLOPES", "E_REF", "THETA_MAX", "king_parameters",
           "king_profile", "encircled_energy", "encircled_energy_radius", "half_energy_width",
           "core_fraction", "core_stamp", "tail_kernel", "OVERSAMPLE"]

#: Reference energy (keV) of the on-axis calibration (the UHB quotes its PSF at 1.5 keV).
E_REF = 1.5

#: On-axis (r_c in arcsec, α) at E_REF per camera: least-squares fit [D] of one King to the
#: ``eupper`` EEF at 15/30/45/60″ [V] and the UHB in-orbit HEW [A], equal relative weights.
KING_ON_AXIS = {
    "mos1": (4.644, 1.4759),
    "mos2": (4.901, 1.4991),
    "pn": (5.907, 1.6329),
}

#: CCF KING_PARAMS slopes (b, y, z, w) of r_c = … + b·E and α = … + y·E + z·θ + w·E·θ (E in keV,
#: θ in arcmin; Ghizzardi 2001/2002, xmm_facts §1.2 [V]). The CCF's r_c(θ) terms c, d are not
#: used: r_c(θ) follows from the constant HEW (module docstring).
KING_SLOPES = {
    "mos1": (-0.236, -0.010, -0.001, -0.0016),
    "mos2": (-0.203, -0.005, -0.001, -0.0002),
    "pn": (-0.305, -0.015, -0.012, -0.0010),
}
THETA_MAX = 12.0
OVERSAMPLE = 5


def _hew_factor(alpha):
    """HEW / r_c of a King profile of slope α."""
    return 2.0 * np.sqrt(2.0 ** (1.0 / (np.asarray(alpha) - 1.0)) - 1.0)


def king_parameters(camera: str, energy: float, theta):
    """(r_c in arcsec, α) of ``camera`` at ``energy`` (keV) and off-axis angle ``theta``
    (arcmin, clipped at 12′; scalar or array).

    On axis r_c = r_c,0 + b·(E − E_REF), α = α_0 + y·(E − E_REF); off axis
    α += (z + w·E)·θ and r_c follows so that the HEW stays at its on-axis value at that energy.
    """
    if camera not in KING_ON_AXIS:
        raise ValueError(f"PSF: unknown camera '{camera}' (expected one of {sorted(KING_ON_AXIS)})")
    rc0, a0 = KING_ON_AXIS[camera]
    b, y, z, w = KING_SLOPES[camera]
    t = np.clip(theta, 0.0, THETA_MAX)
    rc_axis = rc0 + b * (energy - E_REF)
    a_axis = a0 + y * (energy - E_REF)
    hew = rc_axis * _hew_factor(a_axis)
    alpha = a_axis + (z + w * energy) * t
    return hew / _hew_factor(alpha), alpha


def half_energy_width(rc, alpha):
    """HEW (arcsec) = 2 × the radius holding half the flux: 2 r_c √(2^(1/(α−1)) − 1)."""
    return np.asarray(rc) * _hew_factor(alpha)


def king_profile(r, rc, alpha):
    """Normalised King surface density (per arcsec²) at radius r (arcsec)."""
    return (alpha - 1.0) / (np.pi * rc**2) * (1.0 + (np.asarray(r) / rc) ** 2) ** (-alpha)


def encircled_energy(radius, rc, alpha):
    """Fraction of the flux inside ``radius`` (arcsec): 1 − [1 + (R/r_c)²]^(1−α)."""
    return 1.0 - (1.0 + (np.asarray(radius) / rc) ** 2) ** (1.0 - alpha)


def encircled_energy_radius(fraction, rc, alpha):
    """Radius (arcsec) holding ``fraction`` of the flux: r_c √((1 − f)^(1/(1−α)) − 1)."""
    return rc * np.sqrt((1.0 - np.asarray(fraction)) ** (1.0 / (1.0 - alpha)) - 1.0)


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
    r = np.hypot(g[:, None], g[None, :])
    k = np.maximum(king_profile(r, rc, alpha) - king_profile(r_in, rc, alpha), 0.0)
    k = k.reshape(2 * n + 1, 2, 2 * n + 1, 2).mean(axis=(1, 3)) * h * h
    return k


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
    out = np.empty((2 * pad + 1, 2 * pad + 1, m, m))
    canvas = np.zeros((big, big))
    for i in range(2 * pad + 1):
        for j in range(2 * pad + 1):
            canvas[:] = 0.0
            oy = kc * s + s // 2 + (i - pad) - n
            ox = kc * s + s // 2 + (j - pad) - n
            canvas[oy:oy + nf, ox:ox + nf] = fine
            out[i, j] = canvas.reshape(m, s, m, s).sum(axis=(1, 3))
    return out


def core_stamp(rc: float, alpha: float, r_in: float, pixel: float, dx: float, dy: float):
    """Image-pixel stamp of K_core for a source at offset (dx, dy) ∈ [−½, ½] pixel from the
    centre of the stamp's centre pixel; bilinear between templates shifted by whole fine
    pixels (1/S pixel), so the sum is exactly :func:`core_fraction` and the centroid moves
    continuously with the position."""
    stamps = _shifted_stamps(round(float(rc), 4), round(float(alpha), 5), float(r_in), float(pixel))
    s = OVERSAMPLE
    pad = _SHIFT_PAD
    fx = float(np.clip(dx, -0.5, 0.5)) * s
    fy = float(np.clip(dy, -0.5, 0.5)) * s
    j0 = int(np.floor(fx))
    i0 = int(np.floor(fy))
    wx = fx - j0
    wy = fy - i0
    j0 += pad
    i0 += pad
    return ((1 - wy) * ((1 - wx) * stamps[i0, j0] + wx * stamps[i0, j0 + 1])
            + wy * ((1 - wx) * stamps[i0 + 1, j0] + wx * stamps[i0 + 1, j0 + 1]))


@functools.lru_cache(maxsize=256)
def tail_kernel(rc: float, alpha: float, r_in: float, coarse_pixel: float, half_size: int):
    """K_tail integrated over coarse pixels, on a (2·half_size+1)² grid centred on the source.

    A 4×4 midpoint sub-sample per coarse pixel keeps the error near the R_in kink small.
    """
    sub = (np.arange(4) + 0.5) / 4 - 0.5
    g = (np.arange(-half_size, half_size + 1)[:, None] + sub[None, :]).ravel() * coarse_pixel
    r = np.hypot(g[:, None], g[None, :])
    k = np.minimum(king_profile(r, rc, alpha), king_profile(r_in, rc, alpha))
    n = 2 * half_size + 1
    return k.reshape(n, 4, n, 4).mean(axis=(1, 3)) * coarse_pixel**2
