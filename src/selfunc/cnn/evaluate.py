"""Evaluation of a classifier (Kosiba et al. 2020, §4, Tables 5, 6 and 8).

The counts and rates are those of :mod:`selfunc.metrics` (Eqs. 2–4, and the ROC's
false-positive rate FP/(FP+TN): the paper's Eq. 5 prints TN/(TN+FP), the specificity),
reused here. A stamp is called a cluster when its cluster probability is **above** 0.5
(§5.3); with several classes the predicted class is the most probable one (§3), and each
class is scored one-versus-all (§5.5, Table 6). Repeated runs are summarised as mean ± std
(sample standard deviation, ddof = 1) over runs, as Table 5.
"""

from __future__ import annotations

import numpy as np

from selfunc.metrics import confusion, roc_auc, roc_curve

__all__ = ["predict", "cluster_probability", "binary_report", "one_vs_all", "summarise", "outcomes", "roc",
           "format_summary", "BINARY_CLASSES", "METRICS"]

BINARY_CLASSES = ("non-cluster", "cluster")
METRICS = ("accuracy", "precision", "recall", "auc")


def predict(model, images, *, batch_size: int = 32) -> np.ndarray:
    """Class probabilities (N, K) of ``images`` (N, H, W, C; values 0–255), in batches."""
    images = np.asarray(images)
    if len(images) == 0:
        return np.zeros((0, int(model.outputs[0].shape[-1])), dtype=np.float32)
    out = []
    for start in range(0, len(images), batch_size):
        x = images[start:start + batch_size].astype(np.float32)
        out.append(np.asarray(model.predict_on_batch(x), dtype=np.float32))
    return np.concatenate(out)


def cluster_probability(probs, classes) -> np.ndarray:
    """P(cluster): the 'cluster' column of a binary model, or P(low-z) + P(hi-z)."""
    probs = np.asarray(probs, dtype=float)
    classes = list(classes)
    if classes == list(BINARY_CLASSES):
        return probs[:, 1]
    return probs[:, classes.index("low-z")] + probs[:, classes.index("hi-z")]


def binary_report(truth, score, *, threshold: float = 0.5) -> dict:
    """A, P, R (Eqs. 2–4) of ``score > threshold``, the ROC AUC, and TP, TN, FP, FN.

    ``auc`` is NaN when ``truth`` holds a single class.
    """
    truth = np.asarray(truth, dtype=bool)
    score = np.asarray(score, dtype=float)
    c = confusion(truth, score > threshold)
    both = truth.any() and (~truth).any()
    return {"accuracy": c.accuracy, "precision": c.precision, "recall": c.recall,
            "auc": roc_auc(truth, score) if both else float("nan"),
            "tp": c.tp, "tn": c.tn, "fp": c.fp, "fn": c.fn, "n": c.n}


def one_vs_all(targets, probs, classes) -> dict[str, dict]:
    """Per-class one-versus-all reports (Table 6): positive = that class, predicted class =
    the most probable, AUC from that class's probability."""
    targets = np.asarray(targets, dtype=np.int64)
    probs = np.asarray(probs, dtype=float)
    predicted = np.argmax(probs, axis=1)
    out = {}
    for k, name in enumerate(classes):
        truth = targets == k
        c = confusion(truth, predicted == k)
        both = truth.any() and (~truth).any()
        out[name] = {"accuracy": c.accuracy, "precision": c.precision, "recall": c.recall,
                     "auc": roc_auc(truth, probs[:, k]) if both else float("nan"),
                     "tp": c.tp, "tn": c.tn, "fp": c.fp, "fn": c.fn, "n": c.n}
    return out


def summarise(reports, keys=METRICS) -> dict[str, tuple[float, float]]:
    """Mean and sample standard deviation of each metric over repeated runs or folds."""
    reports = list(reports)
    if not reports:
        raise ValueError("summarise: no report")
    out = {}
    for key in keys:
        v = np.array([r[key] for r in reports], dtype=float)
        std = float(np.std(v, ddof=1)) if len(v) > 1 else float("nan")
        out[key] = (float(np.mean(v)), std)
    return out


def format_summary(rows: dict[str, dict[str, tuple[float, float]]], keys=METRICS) -> str:
    """A Table-5-like text table: one row per experiment, ``mean ± std`` per metric."""
    names = {"accuracy": "A", "precision": "P", "recall": "R", "auc": "AUC"}
    width = max([len(r) for r in rows] + [7])
    head = f"{'network':<{width}}  " + "  ".join(f"{names.get(k, k) + ' ± std':>13}" for k in keys)
    lines = [head]
    for name, summary in rows.items():
        cells = "  ".join(f"{summary[k][0]:>6.2f} ± {summary[k][1]:<4.2f}" for k in keys)
        lines.append(f"{name:<{width}}  {cells}")
    return "\n".join(lines)


def roc(truth, score):
    """(fpr, tpr, thresholds) of :func:`selfunc.metrics.roc_curve`."""
    return roc_curve(truth, score)


def outcomes(truth, score, *, threshold: float = 0.5) -> dict[str, np.ndarray]:
    """Indices of the true/false positives and negatives (for galleries, Figs. 9–11)."""
    truth = np.asarray(truth, dtype=bool)
    called = np.asarray(score, dtype=float) > threshold
    return {"TP": np.flatnonzero(truth & called), "FP": np.flatnonzero(~truth & called),
            "FN": np.flatnonzero(truth & ~called), "TN": np.flatnonzero(~truth & ~called)}
