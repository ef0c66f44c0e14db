"""The CNN screening of one pointing: stages ``stamps`` and ``cnn``.

* ``stamps``: the XAmin-style stamps (:mod:`selfunc.stamps`) of the candidates the CNN
  screens (``[cnn] screen``, C1 or C2 by default, the paper's candidates): X-ray from the
  pointing's combined counts, optical cut from the pointing's plate (rendered only where a
  stamp needs it), labelled by the match. Written to ``stamps.h5``, which
  ``selfunc train-cnn DIR`` reads.
* ``cnn``: ``p_cluster`` and the class probabilities of the campaign's model (the one
  shipped with selfunc unless ``[cnn] model`` names a file) join ``candidates.fits``;
  candidates that were not screened get NaN, so a rule ``p_cluster > 0.5`` rejects them.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
from astropy.table import Table

from selfunc.config.campaign import CampaignConfig
from selfunc.errors import SelfuncError
from selfunc.rules import Selection
from selfunc.config.stamps import StampConfig
from selfunc.stamps.dataset import StampDataset, concatenate, read_dataset
from selfunc.stamps.make import make_stamps

__all__ = ["screened", "pointing_stamps", "score_stamps", "campaign_stamps", "load_screen_model",
           "default_model_path", "stamp_config"]

_ORDER_FREE = ("kind", "channel_order")


def default_model_path() -> Path:
    """The model shipped with selfunc (see ``docs/cnn.md``, "The default model")."""
    return Path(__file__).resolve().parent.parent / "cnn" / "data" / "default.keras"


def model_path(cfg: CampaignConfig) -> Path:
    path = default_model_path() if cfg.cnn.model == "default" else Path(cfg.cnn.model)
    if not path.is_file():
        raise SelfuncError(f"[cnn] model = '{cfg.cnn.model}': file {path} not found")
    return path


def _single_threaded() -> None:
    """One thread per worker process for the network, as for BLAS: Dask runs one worker per
    core, and TensorFlow's own thread pools (which ignore OMP_NUM_THREADS) would otherwise
    make every worker compete for every core."""
    import keras

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        try:
            tf.config.threading.set_intra_op_parallelism_threads(1)
            tf.config.threading.set_inter_op_parallelism_threads(1)
        except RuntimeError:  # TF already ran an op in this process: its pools are fixed
            pass
    elif keras.backend.backend() == "torch":
        import torch

        torch.set_num_threads(1)


@functools.lru_cache(maxsize=4)
def load_screen_model(path: str):
    """(model, meta), loaded once per worker process."""
    from selfunc.cnn.saving import load_model

    _single_threaded()
    return load_model(path)


def stamp_config(cfg: CampaignConfig) -> StampConfig:
    """The stamp settings of the campaign. With the ``cnn`` stage they must be the model's
    (its input kind and channel order aside: a dataset converts between those), else the
    scores would be of images the model never saw."""
    if "cnn" not in cfg.campaign.stages:
        return cfg.stamps
    from selfunc.cnn.saving import read_meta
    from selfunc.cnn.score import stamp_config_of

    path = model_path(cfg)
    want = stamp_config_of(read_meta(path))
    # JSON, where NaN (the optical fill value) compares equal to itself
    ours = json.loads(cfg.stamps.model_dump_json(exclude=set(_ORDER_FREE)))
    theirs = json.loads(want.model_dump_json(exclude=set(_ORDER_FREE)))
    if ours != theirs:
        diff = sorted(k for k in ours if ours[k] != theirs.get(k))
        raise SelfuncError(f"[stamps] differ from the stamps model {path.name} was trained on "
                           f"(keys: {', '.join(diff)}); remove them from the campaign config")
    return cfg.stamps


def screened(cand: Table, cfg: CampaignConfig) -> np.ndarray:
    """Mask of the candidates the CNN screens."""
    return Selection.from_string(cfg.cnn.screen).apply(cand, source="candidates ([cnn] screen)")


def pointing_stamps(cand: Table, obs, optical_scene, cfg: CampaignConfig, pid: int) -> StampDataset:
    """Stamps of a pointing's screened candidates (ids ``PPPPP-CCCCC``)."""
    sel = cand[screened(cand, cfg)]
    sel = sel.copy()
    sel["pointing"] = np.full(len(sel), pid, dtype=np.int64)
    # cfg.stamps was checked against the model (stamp_config) before any pointing ran, by
    # selfunc.campaign.engine.check_stages; make_stamps refuses a missing band.
    scfg = cfg.stamps
    xray = (obs.counts["combined"], obs.wcs)
    optical = None
    if optical_scene is not None:
        from selfunc import optical as opt

        def optical(ra, dec):
            c = opt.cutout(optical_scene, ra, dec, scfg.size)
            return c.image, c.wcs

    label = "label" if "label" in sel.colnames else None
    return make_stamps(sel, xray=xray, optical=optical, config=scfg, label_column=label,
                       provenance={"pointing": int(pid)})


def score_stamps(cand: Table, ds: StampDataset, cfg: CampaignConfig) -> Table:
    """``cand`` with ``p_cluster`` and the class probabilities (NaN where not screened)."""
    from selfunc.cnn.score import probability_columns, score_dataset

    path = model_path(cfg)
    model, meta = load_screen_model(str(path))
    mask = screened(cand, cfg)
    out = cand.copy()
    names = ["p_cluster", *probability_columns(meta["classes"])]
    for name in names:
        out[name] = np.full(len(out), np.nan, dtype=np.float32)
    if len(ds):
        scores = score_dataset(model, meta, ds)
        for name in names:
            out[name][mask] = scores[name]
    out.meta["CNNMODEL"] = path.name
    return out


def campaign_stamps(out: str | Path) -> StampDataset:
    """All stamps of a campaign folder (``pointings/*/stamps.h5`` of finished pointings)."""
    out = Path(out)
    files = sorted(p.parent / "stamps.h5" for p in (out / "pointings").glob("*/done.json"))
    files = [f for f in files if f.is_file()]
    if not files:
        raise SelfuncError(f"{out}: no stamps in this campaign (run it with the 'stamps' stage)")
    datasets = [read_dataset(f) for f in files]
    datasets = [d for d in datasets if len(d)]
    if not datasets:
        raise SelfuncError(f"{out}: the campaign's pointings have no screened candidates")
    stamps = [d.provenance.get("stamps") for d in datasets]
    if any(s != stamps[0] for s in stamps):
        raise SelfuncError(f"{out}: pointings were stamped with different settings")
    return concatenate(datasets, provenance={"campaign": str(out.resolve()),
                                             "pointings": len(files), "stamps": stamps[0]})
