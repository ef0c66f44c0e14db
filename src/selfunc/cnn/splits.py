"""Train / validation / test splits: stratified hold-out and k-fold (Tables 2, 7–8)."""

from __future__ import annotations

import numpy as np

__all__ = ["stratified_split", "kfold_splits"]


def _rng(seed) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def stratified_split(labels, fraction: float, seed) -> tuple[np.ndarray, np.ndarray]:
    """Indices (kept, held out): ``fraction`` of each label value held out (rounded, at
    least one stamp of every value with two or more), the rest kept; both sorted."""
    if not 0 < fraction < 1:
        raise ValueError(f"stratified_split: fraction must lie in (0, 1), got {fraction}")
    labels = np.asarray(labels)
    rng = _rng(seed)
    held = []
    for value in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == value))
        n = int(round(fraction * len(idx)))
        if len(idx) >= 2:
            n = min(max(n, 1), len(idx) - 1)
        else:
            n = 0
        held.append(idx[:n])
    held = np.sort(np.concatenate(held)) if held else np.zeros(0, int)
    kept = np.setdiff1d(np.arange(len(labels)), held)
    return kept, held


def kfold_splits(labels, k: int = 10, seed=0) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Stratified k-fold splits as (train, validation, test) index arrays.

    Every label value is dealt at random into ``k`` folds of near-equal size; split ``i``
    tests on fold ``i``, validates on fold ``i + 1`` (mod k) and trains on the other k − 2,
    so a 10-fold split trains on 8/10 of the stamps as in Table 7 (904 / 113 / 113
    clusters).
    """
    if k < 3:
        raise ValueError(f"kfold_splits: need k >= 3 (train, validation and test folds), got {k}")
    labels = np.asarray(labels)
    rng = _rng(seed)
    fold = np.empty(len(labels), dtype=np.int64)
    start = 0
    for value in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == value))
        # continue the deal where the previous class stopped, so folds stay equal in size
        fold[idx] = (start + np.arange(len(idx))) % k
        start = (start + len(idx)) % k
    out = []
    for i in range(k):
        test = np.flatnonzero(fold == i)
        val = np.flatnonzero(fold == (i + 1) % k)
        train = np.flatnonzero((fold != i) & (fold != (i + 1) % k))
        out.append((train, val, test))
    return out
