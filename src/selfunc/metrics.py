"""Binary classification metrics (Kosiba et al. 2020, §4, Eqs. 2–5), shared by the crowd
(:mod:`selfunc.crowd`, Table 1) and the CNN (:mod:`selfunc.cnn`, Tables 5–8): a neutral
module below both, so that neither imports the other.

Clusters are the positive class. With TP, TN, FP and FN the true/false positives and
negatives,

.. math::

    A = \\frac{TP + TN}{TP + TN + FP + FN},\\quad
    P = \\frac{TP}{TP + FP},\\quad
    R = {\\rm TPR} = \\frac{TP}{TP + FN},\\quad
    {\\rm FPR} = \\frac{FP}{FP + TN}.

The paper prints Eq. 5 as TN/(TN+FP), which is the true negative rate; a ROC curve plots
TPR against the FPR above (its Figure 5 does), and so do we.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = [
    "Confusion",
    "confusion",
    "accuracy",
    "precision",
    "recall",
    "false_positive_rate",
    "roc_curve",
    "roc_auc",
]


def _ratio(num, den):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(np.asarray(den) > 0, np.asarray(num, dtype=float) / np.maximum(den, 1), np.nan)[()]


def accuracy(tp, tn, fp, fn):
    """Eq. 2, :math:`(TP+TN)/(TP+TN+FP+FN)`; NaN for no objects."""
    return _ratio(np.add(tp, tn), np.add(np.add(tp, tn), np.add(fp, fn)))


def precision(tp, fp):
    """Eq. 3, :math:`TP/(TP+FP)`; NaN when nothing was classified positive."""
    return _ratio(tp, np.add(tp, fp))


def recall(tp, fn):
    """Eq. 4, :math:`TP/(TP+FN)` (true positive rate); NaN when there are no positives."""
    return _ratio(tp, np.add(tp, fn))


def false_positive_rate(fp, tn):
    """:math:`FP/(FP+TN)`, the abscissa of a ROC curve; NaN when there are no negatives."""
    return _ratio(fp, np.add(fp, tn))


class Confusion(NamedTuple):
    """Counts of a binary classification against the truth, with Eqs. 2–4 as properties."""

    tp: int
    tn: int
    fp: int
    fn: int

    @property
    def n(self) -> int:
        return self.tp + self.tn + self.fp + self.fn

    @property
    def accuracy(self) -> float:
        return float(accuracy(self.tp, self.tn, self.fp, self.fn))

    @property
    def precision(self) -> float:
        return float(precision(self.tp, self.fp))

    @property
    def recall(self) -> float:
        return float(recall(self.tp, self.fn))


def confusion(truth, predicted) -> Confusion:
    """Count TP, TN, FP, FN for boolean arrays (True = cluster)."""
    truth = np.asarray(truth, dtype=bool)
    predicted = np.asarray(predicted, dtype=bool)
    if truth.shape != predicted.shape:
        raise ValueError(f"truth has shape {truth.shape} but predicted has {predicted.shape}")
    return Confusion(
        int(np.sum(truth & predicted)),
        int(np.sum(~truth & ~predicted)),
        int(np.sum(~truth & predicted)),
        int(np.sum(truth & ~predicted)),
    )


def roc_curve(truth, score) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ROC curve of a continuous score: objects with ``score >= threshold`` are positive.

    Parameters
    ----------
    truth : array of bool
        True for clusters.
    score : array of float
        Higher means more cluster-like. Must be finite.

    Returns
    -------
    fpr, tpr : ndarray
        From (0, 0) to (1, 1), one point per distinct score (tied scores move together).
    thresholds : ndarray
        The threshold of each point; the first is ``+inf``.
    """
    truth = np.asarray(truth, dtype=bool)
    score = np.asarray(score, dtype=float)
    if truth.shape != score.shape:
        raise ValueError(f"truth has shape {truth.shape} but score has {score.shape}")
    if not np.all(np.isfinite(score)):
        raise ValueError("roc_curve needs finite scores")
    n_pos, n_neg = int(truth.sum()), int((~truth).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError(f"roc_curve needs both classes, got {n_pos} positives and {n_neg} negatives")
    order = np.argsort(-score, kind="stable")
    s, t = score[order], truth[order]
    last = np.r_[np.flatnonzero(s[1:] != s[:-1]), len(s) - 1]  # end of each run of equal scores
    tps = np.cumsum(t)[last]
    fps = (last + 1) - tps
    tpr = np.r_[0.0, tps / n_pos]
    fpr = np.r_[0.0, fps / n_neg]
    return fpr, tpr, np.r_[np.inf, s[last]]


def roc_auc(truth, score) -> float:
    """Area under the ROC curve (trapezoids), equal to the Mann–Whitney probability that a
    random cluster scores above a random non-cluster, ties counting one half."""
    fpr, tpr, _ = roc_curve(truth, score)
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))
