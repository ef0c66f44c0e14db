"""The XAmin-like detection stage: wavelet filtering, sep extraction, Cash-statistic fits
(point, β-model ⊗ PSF, double, point + extended) and the C1/C2/AC/P1/double classes.
Runs on simulated and on real XMM images alike; never reads truth."""

from selfunc.detect.pipeline import DetectionImages, run

__all__ = ["DetectionImages", "run"]
