"""The EPIC point-spread function model: one King profile per camera, calibrated on axis to the SAS
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

The images are drawn by :mod:`selfunc.xray.psf` and the detection fits use the multi-Gaussian
expansion of :mod:`selfunc.profiles.mge`; both take the profile from here.
"""

from __future__ import annotations

import numpy as np

__all__ = ["KING_ON_AXIS", "KING_SLOPES", "E_REF", "THETA_MAX", "king_parameters",
           "king_profile", "encircled_energy", "encircled_energy_radius", "half_energy_width"]

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
