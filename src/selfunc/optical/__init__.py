"""DSS2-like photographic plates (POSS-II red IIIaF / blue IIIaJ) of simulated pointings:
field galaxies, cluster members (BCG, red sequence, richness from mass), stars, the truth
table's AGN, X-ray stars and nearby galaxies, rendered with galsim, seen through seeing,
grain noise, the plate limit and the plate's saturating response. Knows the truth table
and the WCS convention, nothing of X-rays. See ``docs/optical.md``.
"""

from selfunc.optical.config import OpticalConfig, load_optical_config
from selfunc.optical.fitsio import read_plate, write_cutout, write_field
from selfunc.optical.observe import (OPTICAL_TRUTH_COLUMNS, OpticalCutout, OpticalField,
                                     OpticalScene, cutout, observe, scene)

__all__ = ["OpticalConfig", "load_optical_config", "observe", "scene", "cutout", "write_field",
           "write_cutout", "read_plate", "OpticalField", "OpticalScene", "OpticalCutout",
           "OPTICAL_TRUTH_COLUMNS"]
