"""Helpers of the detection tests: single sources injected with the real simulator."""

import numpy as np

from helpers import empty_population, spec, truth_of
from selfunc.config.models import DetectionConfig, EcfConfig, InstrumentConfig
from selfunc.detect.characterise import Candidate, characterise
from selfunc.detect.inputs import from_observation
from selfunc.pointing import rng_for
from selfunc.xray import observe

# ±5.3′ of sky; the constant ECFs, so that counts = flux × ECF_TOTAL for any source
INSTRUMENT = InstrumentConfig(npix=256, chip_gaps=False, ecf=EcfConfig(model="constant"))
ECF_TOTAL = {k: sum(getattr(INSTRUMENT.ecf[c], k) for c in INSTRUMENT.cameras)
             for k in ("cluster", "agn")}


def inject(rows, seed, exposure=10_000.0, instrument=INSTRUMENT):
    """Observe a truth of ``rows``; returns (observation, images, psf)."""
    obs = observe(spec(exposure=exposure), truth_of(*rows), instrument, empty_population(),
                  rng_for(seed, 0, "xray"))
    images, psf = from_observation(obs, instrument)
    return obs, images, psf


def fit_at(images, psf, x, y, flux_guess=50.0, size=2.0, cfg=None):
    """Characterise one candidate started at (x, y): point and extended fits."""
    cfg = cfg or DetectionConfig(characterise_det_ml=0.0, secondary_ext_ml=1e9)
    cand = Candidate(x=x, y=y, flux=flux_guess, size=size, angle=0.0)
    return characterise(images, [cand], psf, cfg)[0].row


def random_position(rng, max_theta=4.5):
    theta = rng.uniform(0.0, max_theta) * 60.0
    phi = rng.uniform(0, 2 * np.pi)
    return theta * np.cos(phi), theta * np.sin(phi)
