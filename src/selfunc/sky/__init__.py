"""What is in the sky: clusters (grid or halo mass function), AGN, stars, nearby galaxies,
close pairs and AC clusters. Knows nothing of the instrument."""

from selfunc.sky.draw import TRUTH_UNITS, draw

__all__ = ["draw", "TRUTH_UNITS"]
