"""Count rates from spectra: EPIC effective areas, Galactic absorption, thermal plasma and
power-law spectra, and the ECFs and K-corrections they give (``docs/physics.md`` §5)."""

from selfunc.spectra.ecf import agn_ecf, cluster_ecf, k_correction

__all__ = ["cluster_ecf", "agn_ecf", "k_correction"]
