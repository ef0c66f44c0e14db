"""What is in the sky: clusters (grid or halo mass function), AGN, stars, nearby galaxies,
close pairs and AC clusters. Knows nothing of the instrument.

:func:`selfunc.sky.draw.draw` draws one pointing's truth table; the cluster scaling relations
it uses live in :mod:`selfunc.scaling` (shared with :mod:`selfunc.selection.massz`).
"""
