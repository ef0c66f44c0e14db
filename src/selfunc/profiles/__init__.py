"""Shared physical models, below the simulator and the detector (both import them).

``betamodel``: the projected β-model of a cluster; ``king``: the EPIC King PSF (the formula and
its calibration per camera, energy and off-axis angle); ``mge``: their multi-Gaussian
expansions, which the detection fits convolve analytically. These modules import numpy and
scipy only: the simulator (:mod:`selfunc.sky`, :mod:`selfunc.xray`) renders them, the detector
(:mod:`selfunc.detect`) fits them, and neither imports the other.
"""
