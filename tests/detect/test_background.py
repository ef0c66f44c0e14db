"""Spurious detections on pure-background pointings (issue 4)."""

import numpy as np
import pytest

from helpers import empty_population, spec, truth_of
from selfunc.config.models import DetectionConfig, InstrumentConfig
from selfunc.detect import run
from selfunc.detect.inputs import from_observation
from selfunc.pointing import rng_for
from selfunc.xray import observe


def spurious(n_pointings, seed=0, instrument=InstrumentConfig(), cfg=DetectionConfig()):
    """Per pointing: all detections, those with DET_ML > 15, and C1/C2 ones, on 10 ks of
    background only."""
    n_det, n_15, n_ext, n_c1 = [], [], [], []
    for k in range(n_pointings):
        obs = observe(spec(id=k, roll=37.0 * k), truth_of(), instrument, empty_population(),
                      rng_for(seed, k, "xray"))
        images, psf = from_observation(obs, instrument)
        cat = run(images, psf, cfg)
        n_det.append(len(cat))
        n_15.append(int(np.sum(cat["det_ml"] > 15)))
        n_ext.append(int((cat["C1"] | cat["C2"]).sum()))
        n_c1.append(int(cat["C1"].sum()))
    return np.array(n_det), np.array(n_15), np.array(n_ext), np.array(n_c1)


@pytest.mark.slow
def test_spurious_detections_on_pure_background_are_bounded():
    # 12 full pointings here; scripts/validate/spurious.py runs >= 100 and reports.
    n_det, n_15, n_ext, n_c1 = spurious(12)
    # DET_ML >= 6 over 13' radius. The exact wavelet thresholds reach ε = 1e-3 per
    # coefficient at the coarse scales too, where the Monte-Carlo ones were ~10-100x
    # stricter (detect/wavelet.py): the noise candidates rose from ~8 to 17.75 per pointing
    # here, and those above DET_ML 15 from ~1.2 to 2.5 (``threshold_method =
    # "monte_carlo"`` gives the former numbers). Bounds: ~1.4x the measured means.
    assert n_det.mean() < 25, n_det
    assert n_15.mean() < 3.5, n_15
    assert n_ext.mean() < 0.5
    assert n_c1.sum() == 0
