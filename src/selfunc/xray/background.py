"""Diffuse background maps, 0.5–2 keV (xmm_facts §4).

Per camera c with share w_c of the total on-axis level L (cts s⁻¹ arcmin⁻², pn+2MOS):

* quiescent particle background: L·w_c·f_particle·b, **not** vignetted (b: the pointing's
  background scale, as X-CLASS scales the particle level);
* soft-proton residual: L·w_c·f_sp × the flatter soft-proton vignetting;
* sky (CXB + Galactic foreground): L·w_c·(1 − f_particle − f_sp) × v(E, θ), plus the change
  of the unresolved CXB when AGN are drawn to a limit S_min other than the reference
  S_ref: ΔI = I(<S_min) − I(<S_ref) (Moretti logN–logS) × ECF_c(AGN), vignetted (the
  default AGN spectrum through the pointing's N_H, :func:`selfunc.xray.rates.agn_ecf_default`).

All terms are multiplied by the exposure and the chip/FOV coverage. The configured level
is thus exactly what a source-free on-axis region records when S_min = S_ref.
"""

from __future__ import annotations

import functools

import numpy as np

from selfunc.config.models import AgnConfig, InstrumentConfig
from selfunc.sky import lognlogs
from selfunc.xray import rates
from selfunc.angles import ARCMIN_PER_DEG

__all__ = ["camera_rates", "unresolved_cxb_rate"]


@functools.lru_cache(maxsize=64)
def _delta_intensity(agn: AgnConfig, reference_flux: float) -> float:
    """I(<S_min) − I(<S_ref) in erg s⁻¹ cm⁻² arcmin⁻²."""
    return (lognlogs.unresolved_intensity(agn.flux_min, agn)
            - lognlogs.unresolved_intensity(reference_flux, agn)) / ARCMIN_PER_DEG**2  # deg⁻² → arcmin⁻²


def unresolved_cxb_rate(instrument: InstrumentConfig, camera: str, agn: AgnConfig,
                        nh: float = 3e20) -> float:
    """Extra vignetted rate (cts s⁻¹ arcmin⁻²) of AGN below S_min that the level lacks."""
    delta = _delta_intensity(agn, instrument.background.reference_flux)
    if delta == 0.0:
        return 0.0
    return delta * rates.agn_ecf_default(instrument, camera, nh)


def camera_rates(instrument: InstrumentConfig, camera: str, agn: AgnConfig,
                 background_scale: float = 1.0, *, nh: float = 3e20) -> dict[str, float]:
    """On-axis rates per arcmin² of the three components for one camera."""
    bg = instrument.background
    base = bg.level * bg.camera_share[camera]
    sky = base * (1.0 - bg.particle_fraction - bg.soft_proton_fraction)
    sky += unresolved_cxb_rate(instrument, camera, agn, nh)
    if sky < 0:
        raise ValueError("AGN drawn below the reference flux use up more than the sky background")
    return {"particle": base * bg.particle_fraction * background_scale,
            "soft_proton": base * bg.soft_proton_fraction,
            "sky": sky}
