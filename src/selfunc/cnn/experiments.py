"""Repeated runs (Table 5) and k-fold cross-validation (Tables 7–8).

Both train several networks with :func:`selfunc.cnn.train` and score them on held-out
stamps; summarise their reports with :func:`selfunc.cnn.evaluate.summarise`.
"""

from __future__ import annotations

import io

import numpy as np

from selfunc.cnn.config import TrainConfig
from selfunc.cnn.evaluate import binary_report, cluster_probability, one_vs_all, predict
from selfunc.cnn.splits import kfold_splits
from selfunc.cnn.train import targets_of, train
from selfunc.stamps.composite import PAPER
from selfunc.stamps.dataset import StampDataset

__all__ = ["evaluate_model", "repeated_runs", "cross_validate"]


def evaluate_model(model, meta: dict, ds: StampDataset, *, threshold: float = 0.5) -> dict:
    """Binary report (A, P, R, AUC, counts) of a model on ``ds``, plus ``per_class``
    one-vs-all reports for a five-class model."""
    inp = meta["input"]
    probs = predict(model, ds.inputs(inp["kind"], tuple(inp["channel_order"])))
    report = binary_report(ds.is_cluster, cluster_probability(probs, meta["classes"]),
                           threshold=threshold)
    if meta["task"] == "five":
        report["per_class"] = one_vs_all(targets_of(ds, "five"), probs, meta["classes"])
    return report


def repeated_runs(train_ds: StampDataset, test_ds: StampDataset, cfg: TrainConfig, seeds, *,
                  val_ds: StampDataset | None = None, kind: str = "composite", order=PAPER,
                  stream=None) -> list[dict]:
    """Train once per seed (same data, §5.3) and report each run on ``test_ds``."""
    reports = []
    for seed in seeds:
        res = train(train_ds, cfg, val_ds=val_ds, seed=int(seed), kind=kind, order=order,
                    stream=stream or io.StringIO())
        reports.append({"seed": int(seed), **evaluate_model(res.model, res.meta, test_ds)})
    return reports


def cross_validate(ds: StampDataset, cfg: TrainConfig, *, k: int = 10, seed: int = 0,
                   kind: str = "composite", order=PAPER, stream=None) -> list[dict]:
    """Stratified k-fold cross-validation (:func:`~selfunc.cnn.splits.kfold_splits`):
    one network per fold, reported on its test fold."""
    labels = np.asarray(targets_of(ds, cfg.task))
    reports = []
    for i, (tr, va, te) in enumerate(kfold_splits(labels, k, seed)):
        res = train(ds.subset(tr), cfg, val_ds=ds.subset(va), seed=seed + i, kind=kind,
                    order=order, stream=stream or io.StringIO())
        reports.append({"fold": i + 1, "n_train": len(tr), "n_validate": len(va),
                        "n_test": len(te), **evaluate_model(res.model, res.meta, ds.subset(te))})
    return reports
