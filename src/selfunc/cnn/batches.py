"""Balanced mini-batches drawn from the whole training set (Kosiba et al. 2020, §5.2).

"We use balanced training batches, containing the same number of classification classes,
randomly sampled from the training data … The batches used to train the networks were
randomly generated during training, always from the whole training sample. Validation
started once a satisfying number of generated batches was presented to the network, this is
the training data set size divided by the batch size."

So an epoch is ceil(N / batch_size) batches, and each batch holds ``batch_size / K`` stamps
of each of the K classes. Each class is drawn from its own stream of random permutations of
all its stamps, so within an epoch every stamp of a class is used once before any is used
twice (the rarer classes are repeated, the commoner ones are sub-sampled), and the order
within a batch is shuffled. The batches of epoch ``e`` depend only on (seed, e), so a run
resumed at an epoch boundary sees the same batches as one that never stopped.
"""

from __future__ import annotations

import numpy as np

from selfunc.streams import training_rng

__all__ = ["BalancedBatches"]


class BalancedBatches:
    """Index batches for ``targets`` (class index of each training stamp).

    Parameters
    ----------
    targets : array of int
        Class of each stamp, in ``range(n_classes)``.
    batch_size : int
        A multiple of ``n_classes`` when ``balanced``.
    n_classes : int
    seed : int
    balanced : bool
        False draws batches from one permutation stream of all stamps (no balancing).
    """

    def __init__(self, targets, batch_size: int, n_classes: int, seed: int, *,
                 balanced: bool = True):
        self.targets = np.asarray(targets, dtype=np.int64)
        if self.targets.ndim != 1 or len(self.targets) == 0:
            raise ValueError("BalancedBatches: need a non-empty 1-D array of targets")
        if self.targets.min() < 0 or self.targets.max() >= n_classes:
            raise ValueError(f"BalancedBatches: targets must lie in [0, {n_classes})")
        if balanced and batch_size % n_classes:
            raise ValueError(f"balanced batches: batch size {batch_size} is not a multiple of "
                             f"the {n_classes} classes")
        self.members = [np.flatnonzero(self.targets == k) for k in range(n_classes)]
        if balanced:
            empty = [k for k, m in enumerate(self.members) if len(m) == 0]
            if empty:
                raise ValueError(f"balanced batches: class(es) {empty} have no training stamp")
        self.batch_size, self.n_classes = int(batch_size), int(n_classes)
        self.seed, self.balanced = int(seed), bool(balanced)

    @property
    def steps_per_epoch(self) -> int:
        return -(-len(self.targets) // self.batch_size)

    @staticmethod
    def _stream(rng: np.random.Generator, pool: np.ndarray, n: int) -> np.ndarray:
        reps = -(-n // len(pool))
        return np.concatenate([rng.permutation(pool) for _ in range(reps)])[:n]

    def epoch(self, epoch: int) -> np.ndarray:
        """The batches of ``epoch``: an int array (steps_per_epoch, batch_size) of indices."""
        rng = training_rng(self.seed, "batches", epoch)
        steps = self.steps_per_epoch
        if not self.balanced:
            all_idx = np.arange(len(self.targets))
            return self._stream(rng, all_idx, steps * self.batch_size).reshape(steps, -1)
        per = self.batch_size // self.n_classes
        parts = [self._stream(rng, m, steps * per).reshape(steps, per) for m in self.members]
        batches = np.concatenate(parts, axis=1)
        return rng.permuted(batches, axis=1)
