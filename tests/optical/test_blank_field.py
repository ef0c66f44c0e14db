"""A blank field (no clusters, no stars): galaxies found on the rendered plate follow the
input number counts.

The plates are read as an astronomer would: scan units → intensity through the inverse
characteristic curve, SExtractor (sep) detection at 1.5σ, Kron (AUTO) magnitudes with a
1.75″ circular floor, zero point from the plate's photometry. Brighter than m_lim − 1.8 the
counts per magnitude must match the input within Poisson error (3σ); the bin just below
(19–20) is printed: extended galaxies are harder to find than point sources at the same
magnitude, so it starts to be incomplete.
"""

import numpy as np
import sep

from selfunc import optical
from selfunc.optical.config import OpticalConfig, StarCountConfig
from selfunc.optical.counts import galaxy_counts
from selfunc.optical.plate import intensity_from_density

from .util import blank, spec

BINS = np.array([14.0, 16.0, 17.0, 18.0, 19.0, 20.0])
EDGE = 20  # pixels


def measured_magnitudes(field):
    phot = field.scene.phot
    e = intensity_from_density(field.image, phot)
    e = np.ascontiguousarray(np.nan_to_num(e, nan=np.nanmax(e)) - 1.0)
    objs = sep.extract(e, 1.5, err=phot.sky_sigma, minarea=5)
    kr, _ = sep.kron_radius(e, objs["x"], objs["y"], objs["a"], objs["b"], objs["theta"], 6.0)
    flux, _, _ = sep.sum_ellipse(e, objs["x"], objs["y"], objs["a"], objs["b"], objs["theta"],
                                 2.5 * kr, subpix=1)
    small = kr * np.sqrt(objs["a"] * objs["b"]) < 1.75
    flux[small] = sep.sum_circle(e, objs["x"][small], objs["y"][small], 1.75, subpix=1)[0]
    n = field.image.shape[0]
    inside = ((objs["x"] > EDGE) & (objs["x"] < n - EDGE) & (objs["y"] > EDGE)
              & (objs["y"] < n - EDGE) & (flux > 0))
    return phot.magnitude(flux[inside])


def test_detected_galaxy_counts_match_input_counts():
    cfg = OpticalConfig(stars=StarCountConfig(density_at_20=0.0))
    sp = spec()
    mags = []
    n_fields = 2
    for seed in range(n_fields):
        field = optical.observe(sp, blank(sp), cfg, np.random.default_rng(seed))
        mags.append(measured_magnitudes(field))
    h, _ = np.histogram(np.concatenate(mags), BINS)
    side = (cfg.field_size * 60.0 - 2 * EDGE) / 3600.0
    law = galaxy_counts(cfg.galaxies, cfg.depth)
    expected = np.array([law.number(a, b) for a, b in zip(BINS[:-1], BINS[1:])]) * side**2 * n_fields
    z = (h - expected) / np.sqrt(expected)
    for a, b, n, e, zz in zip(BINS[:-1], BINS[1:], h, expected, z):
        print(f"R_F {a:.0f}-{b:.0f}: input {e:7.1f}  detected {n:5d}  ({zz:+.2f} sigma)")
    assert np.all(np.abs(z[:-1]) < 3.0), (h, expected.round(1))
    # just beyond: still mostly complete, but not more than the input
    assert 0.75 * expected[-1] < h[-1] < expected[-1] + 3 * np.sqrt(expected[-1])
