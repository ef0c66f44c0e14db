"""XMM-Newton EPIC: CCD layout and gaps, vignetting, King PSF, background, Poisson counts."""

from selfunc.xray.observe import XrayObservation, observe

__all__ = ["XrayObservation", "observe"]
