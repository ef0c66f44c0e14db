"""Volunteer classifications as arrays, and the selection of §2 of Kosiba et al. 2020.

A classification is one volunteer's path through the decision tree for one subject. The
paths are stored as rows of answer codes (see :mod:`selfunc.crowd.tree`) padded with −1,
so that counting and weighting are array operations.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from selfunc.crowd.tree import DecisionTree

__all__ = ["Classifications", "Selection", "select_classifications"]


@dataclass(frozen=True, eq=False)
class Classifications:
    """Classifications of subjects by volunteers.

    Attributes
    ----------
    tree : DecisionTree
    subject : ndarray of int, shape (N,)
        Index into ``subject_ids``.
    user : ndarray of int, shape (N,)
        Index into ``user_ids``.
    path : ndarray of int16, shape (N, tree.max_depth)
        Answer codes along each classification's path, padded with −1.
    subject_ids : ndarray of str
        Zooniverse subject ids.
    user_ids : ndarray of str
        Zooniverse user ids; for volunteers who were not logged in, their
        ``not-logged-in-…`` user name (a hash of the IP address).
    logged_in : ndarray of bool, shape like ``user_ids``
    created_at : ndarray of datetime64[ms], shape (N,)
    classification_id : ndarray of int64, shape (N,)
    row : ndarray of int64, shape (N,)
        Record number in the export (1 = first data row), for tracing results back.
    """

    tree: DecisionTree
    subject: np.ndarray
    user: np.ndarray
    path: np.ndarray
    subject_ids: np.ndarray
    user_ids: np.ndarray
    logged_in: np.ndarray
    created_at: np.ndarray
    classification_id: np.ndarray
    row: np.ndarray

    def __post_init__(self):
        n = len(self.subject)
        for f in ("user", "created_at", "classification_id", "row"):
            if len(getattr(self, f)) != n:
                raise ValueError(f"Classifications.{f} has {len(getattr(self, f))} entries, expected {n}")
        if self.path.shape != (n, self.tree.max_depth):
            raise ValueError(f"Classifications.path has shape {self.path.shape}, expected {(n, self.tree.max_depth)}")
        if len(self.logged_in) != len(self.user_ids):
            raise ValueError("Classifications.logged_in must have one entry per user id")

    def __len__(self) -> int:
        return len(self.subject)

    @property
    def depth(self) -> np.ndarray:
        """Number of questions answered in each classification."""
        return (self.path >= 0).sum(axis=1)

    @property
    def ending(self) -> np.ndarray:
        """Answer code that ended each classification."""
        return self.path[np.arange(len(self)), self.depth - 1].astype(np.int64)

    def entries(self) -> tuple[np.ndarray, np.ndarray]:
        """Every answer given: (classification index, answer code), flattened."""
        index, column = np.nonzero(self.path >= 0)
        return index, self.path[index, column].astype(np.int64)

    def subset(self, mask) -> "Classifications":
        """The classifications where ``mask`` is true (subject and user tables are kept)."""
        mask = np.asarray(mask)
        per_row = {"subject", "user", "path", "created_at", "classification_id", "row"}
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return Classifications(**{k: (v[mask] if k in per_row else v) for k, v in values.items()})


@dataclass(frozen=True)
class Selection:
    """How many classifications the selection of :func:`select_classifications` removed."""

    n_input: int
    n_not_logged_in: int
    n_repeated: int
    n_kept: int


def select_classifications(
    classifications: Classifications, *, drop_not_logged_in: bool = True, drop_repeats: bool = True
) -> tuple[Classifications, Selection]:
    """Apply the selection of Kosiba et al. (2020, §2).

    Classifications by volunteers who were not logged in are dropped, and where a volunteer
    classified a subject more than once only the first classification (earliest
    ``created_at``, then lowest ``classification_id``) is kept.

    Returns
    -------
    kept : Classifications
    selection : Selection
        The counts removed by each step, in the order above.
    """
    n = len(classifications)
    keep = np.ones(n, dtype=bool)
    n_anonymous = 0
    if drop_not_logged_in:
        anonymous = ~classifications.logged_in[classifications.user]
        n_anonymous = int(anonymous.sum())
        keep &= ~anonymous
    n_repeated = 0
    if drop_repeats:
        c = classifications
        order = np.lexsort((c.classification_id, c.created_at, c.subject, c.user))
        order = order[keep[order]]
        u, s = c.user[order], c.subject[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = (u[1:] != u[:-1]) | (s[1:] != s[:-1])
        repeated = order[~first]
        n_repeated = len(repeated)
        keep[repeated] = False
    kept = classifications.subset(keep)
    return kept, Selection(n, n_anonymous, n_repeated, len(kept))
