"""The registry of random streams: every seeded stream of selfunc has a name and an id here.

A stream is numpy's ``default_rng`` seeded with a list of integers that ends with the stream's
id, so no two streams share a seed sequence and adding one never changes another:

* pointing streams, ``[campaign seed, pointing id, id]`` (:func:`pointing_rng`, called as
  :func:`selfunc.pointing.rng_for`), one per stage of a pointing (``sky`` … ``cnn``), one
  for the photons of a SIMPUT export (``simput``) and one for the sub-band images (``bands``);
* training streams of the CNN, ``[seed, id]`` or ``[seed, epoch, id]`` (:func:`training_rng`):
  the validation split, the augmentation of an epoch and the batches of an epoch;
* campaign-wide streams, ``[campaign seed, id]`` (:func:`campaign_rng`): the simulated
  volunteers of a campaign (``selfunc.crowd.volunteers``).

Ids are never renumbered or reused: the same seed must give bit-identical outputs, so a new
stream takes a new id. Seeds that are part of a method rather than of a campaign (the fixed
noise realisation of the wavelet thresholds, ``detect.wavelet``; the per-tile plate grain,
``optical.render``) stay with that method.
"""

from __future__ import annotations

import numpy as np

__all__ = ["POINTING_STREAMS", "TRAINING_STREAMS", "CAMPAIGN_STREAMS", "pointing_rng",
           "training_rng", "campaign_rng"]

#: Streams of one pointing (6 was never used). ``bands``: the sub-band images of
#: :mod:`selfunc.xray.bands` (the binomial split of the 0.5–2 keV counts and the 2–10 keV
#: draw), apart from ``xray`` so that the detection images do not change with them.
POINTING_STREAMS = {"pointings": 0, "sky": 1, "xray": 2, "optical": 3, "detect": 4, "cnn": 5,
                    "simput": 7, "bands": 8}

#: Streams of a CNN training run.
TRAINING_STREAMS = {"split": 17, "augment": 0xA06, "batches": 0x5EED}

#: Streams of a whole campaign (two-entry seed sequences; "vol" in ASCII).
CAMPAIGN_STREAMS = {"volunteers": 0x766F6C}


def pointing_rng(seed: int, pointing_id: int, stream: str) -> np.random.Generator:
    """The random stream ``stream`` of one pointing of the campaign of ``seed``."""
    if stream not in POINTING_STREAMS:
        raise ValueError(f"unknown pointing stream {stream!r} (expected one of "
                         f"{', '.join(POINTING_STREAMS)})")
    return np.random.default_rng([int(seed), int(pointing_id), POINTING_STREAMS[stream]])


def training_rng(seed: int, stream: str, epoch: int | None = None) -> np.random.Generator:
    """The training stream ``stream`` of ``seed`` (of one ``epoch`` where given)."""
    if stream not in TRAINING_STREAMS:
        raise ValueError(f"unknown training stream {stream!r} (expected one of "
                         f"{', '.join(TRAINING_STREAMS)})")
    key = [int(seed)] if epoch is None else [int(seed), int(epoch)]
    return np.random.default_rng([*key, TRAINING_STREAMS[stream]])


def campaign_rng(seed: int, stream: str) -> np.random.Generator:
    """The campaign-wide stream ``stream`` of the campaign of ``seed``."""
    if stream not in CAMPAIGN_STREAMS:
        raise ValueError(f"unknown campaign stream {stream!r} (expected one of "
                         f"{', '.join(CAMPAIGN_STREAMS)})")
    return np.random.default_rng([int(seed), CAMPAIGN_STREAMS[stream]])
