"""Scoring candidates with a trained model: ``p_cluster`` and the class probabilities.

The stamps are made exactly as for the model's training data: the stamp settings recorded
in the model's metadata (``meta["stamps"]``; for a model trained on a public-layout folder,
which records none, the defaults of :class:`~selfunc.stamps.StampConfig` at the model's
input size), with the model's input kind and channel order.
"""

from __future__ import annotations

import numpy as np
from astropy.table import Table

from selfunc.cnn.evaluate import cluster_probability, predict
from selfunc.config.stamps import StampConfig
from selfunc.stamps.make import make_stamps

__all__ = ["stamp_config_of", "score_dataset", "score_candidates", "probability_columns"]


def stamp_config_of(meta: dict) -> StampConfig:
    """The stamp settings a model expects."""
    inp = meta["input"]
    base = dict(meta.get("stamps") or {})
    base.update(kind=inp["kind"], channel_order=tuple(inp["channel_order"]), npix=inp["shape"][0])
    return StampConfig.model_validate(base)


def probability_columns(classes) -> list[str]:
    """Column names of the class probabilities: ``p_`` + class, '-' → '_' (``p_low_z``)."""
    return ["p_" + c.replace("-", "_") for c in classes]


def score_dataset(model, meta: dict, ds, *, batch_size: int = 32) -> Table:
    """``p_cluster`` and the class probabilities of every stamp of a dataset."""
    inp = meta["input"]
    probs = predict(model, ds.inputs(inp["kind"], tuple(inp["channel_order"])),
                    batch_size=batch_size)
    t = Table()
    t["p_cluster"] = cluster_probability(probs, meta["classes"]).astype(np.float32)
    for name, col in zip(probability_columns(meta["classes"]), probs.T):
        t[name] = col.astype(np.float32)
    return t


def score_candidates(model, meta: dict, candidates: Table, *, xray=None, optical=None,
                     batch_size: int = 32) -> Table:
    """A copy of ``candidates`` with ``p_cluster`` and the class probabilities added.

    ``xray`` and ``optical`` are the bands as in :func:`selfunc.stamps.make_stamps`
    ((image, wcs) or a callable of (ra, dec)); those the model's input needs must be given.
    """
    cfg = stamp_config_of(meta)
    ds = make_stamps(candidates, xray=xray, optical=optical, config=cfg, label_column=None)
    scores = score_dataset(model, meta, ds, batch_size=batch_size)
    out = candidates.copy()
    for name in scores.colnames:
        out[name] = scores[name]
    return out
