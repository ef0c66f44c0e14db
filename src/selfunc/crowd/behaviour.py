"""How simulated volunteers behave, and the statistics of real exports it is drawn from.

:class:`VolunteerBehaviour` is the preset ``configs/crowd/volunteers.toml``: the fractions
of careless and malicious volunteers, the range of a good volunteer's per-question accuracy,
the Pareto index of their activity, the votes per subject, how much a faint stamp blurs
every answer, and each candidate class's true path through the decision tree.

:func:`vote_statistics` measures the same quantities on real votes of one question (user,
subject, answer): each volunteer's agreement with the subject's majority (Eq. 1's
``G = C/Q`` for that question), the share of volunteers near or below chance, and the tail
index of the number of classifications per volunteer (Hill estimator). The preset's numbers
are those of the Steller Watch export (``shared/data/real/zooniverse/data_digging``, 475
volunteers, 100 subjects), re-measured by ``tests/crowd/test_volunteers.py``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from selfunc.errors import SelfuncError

__all__ = ["VolunteerBehaviour", "load_behaviour", "VoteStatistics", "vote_statistics",
           "read_flat_votes", "DEFAULT_BEHAVIOUR"]

DEFAULT_BEHAVIOUR = "volunteers"


class VolunteerBehaviour(BaseModel):
    """Simulated volunteers (see ``configs/crowd/volunteers.toml`` for the sources).

    ``paths`` maps a candidate class (the ``label`` of :mod:`selfunc.match`) to the answer
    keys of its true path through the tree. ``clarity_column``/``clarity_half``: a stamp
    whose column value is ``x`` has clarity ``x / (x + half)``; every answer on it is the
    volunteer's own with that probability and chance otherwise (None: all stamps clear).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str = ""
    votes_per_subject: int = Field(default=30, ge=1)
    classifications_per_volunteer: float = Field(default=11.9, gt=0)
    careless_fraction: float = Field(ge=0, le=1)
    malicious_fraction: float = Field(ge=0, le=1)
    good_accuracy: tuple[float, float]
    malicious_accuracy: float = Field(default=0.05, ge=0, le=1)
    activity_index: float = Field(gt=0)
    clarity_column: str | None = "ext_ml"
    clarity_half: float = Field(default=15.0, gt=0)
    paths: dict[str, tuple[str, ...]]

    @model_validator(mode="after")
    def _consistent(self):
        lo, hi = self.good_accuracy
        if not 0 < lo <= hi <= 1:
            raise ValueError(f"good_accuracy = ({lo}, {hi}): expected 0 < low ≤ high ≤ 1")
        if self.careless_fraction + self.malicious_fraction > 1:
            raise ValueError("careless_fraction + malicious_fraction must not exceed 1")
        return self

    def n_volunteers(self, n_subjects: int) -> int:
        """The pool for ``n_subjects``: as many as the votes need at the preset's
        classifications per volunteer, at least ``votes_per_subject``."""
        need = int(np.ceil(n_subjects * self.votes_per_subject / self.classifications_per_volunteer))
        return max(self.votes_per_subject, need)


def load_behaviour(spec: str | Path = DEFAULT_BEHAVIOUR) -> VolunteerBehaviour:
    """A behaviour preset of ``configs/crowd/`` by name, or a TOML file."""
    from selfunc.crowd.tree import load_preset_model

    return load_preset_model(spec, VolunteerBehaviour, "volunteer behaviour")


@dataclass(frozen=True)
class VoteStatistics:
    """What real votes of one question say about volunteers.

    ``agreement``: per volunteer (with at least ``min_votes`` votes) the fraction of their
    votes that agree with the subject's majority (ties: every top answer is the majority,
    as in :mod:`selfunc.crowd.weights`); ``careless_fraction``: share of them below 0.6;
    ``malicious_fraction``: below 0.4; ``good_accuracy``: 10th and 90th percentiles of the
    others; ``activity_index``: Hill tail index of the classifications per volunteer above
    ``min_votes``; ``classifications_per_volunteer``: the mean; ``votes_per_subject``: the
    median."""

    n_volunteers: int
    n_subjects: int
    n_votes: int
    agreement: np.ndarray
    careless_fraction: float
    malicious_fraction: float
    good_accuracy: tuple[float, float]
    activity_index: float
    classifications_per_volunteer: float
    votes_per_subject: float


def vote_statistics(user, subject, answer, *, min_votes: int = 10) -> VoteStatistics:
    """Measure :class:`VoteStatistics` on votes (one per row: user, subject, answer).

    Only a volunteer's first vote on a subject counts (the selection of §2)."""
    user, subject, answer = (np.asarray(a).astype(str) for a in (user, subject, answer))
    if not len(user) == len(subject) == len(answer) or len(user) == 0:
        raise ValueError("user, subject and answer must be non-empty and of equal length")
    pair = np.char.add(np.char.add(user, "\x1f"), subject)
    _, first = np.unique(pair, return_index=True)
    first = np.sort(first)
    user, subject, answer = user[first], subject[first], answer[first]
    su, s_idx = np.unique(subject, return_inverse=True)
    au, a_idx = np.unique(answer, return_inverse=True)
    counts = np.zeros((len(su), len(au)), dtype=np.int64)
    np.add.at(counts, (s_idx, a_idx), 1)
    agree = counts[s_idx, a_idx] == counts.max(axis=1)[s_idx]
    uu, u_idx = np.unique(user, return_inverse=True)
    n = np.bincount(u_idx)
    g = np.bincount(u_idx, weights=agree) / n
    keep = n >= min_votes
    gk = g[keep]
    good = gk[gk >= 0.6]
    tail = n[keep].astype(float)
    alpha = len(tail) / np.sum(np.log(tail / (min_votes - 0.5)))
    return VoteStatistics(
        n_volunteers=len(uu), n_subjects=len(su), n_votes=len(user), agreement=gk,
        careless_fraction=float(np.mean(gk < 0.6)), malicious_fraction=float(np.mean(gk < 0.4)),
        good_accuracy=(float(np.percentile(good, 10)), float(np.percentile(good, 90))),
        activity_index=float(alpha), classifications_per_volunteer=float(n.mean()),
        votes_per_subject=float(np.median(np.bincount(s_idx))))


def read_flat_votes(path: str | Path, *, answer_column: str = "val"):
    """(user, subject, answer) of a flattened one-question extract (Data-digging's
    ``user_id, subject_ids, val``); rows without a user (not logged in) or an answer are
    left out, as in §2."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            need = {"user_id", "subject_ids", answer_column}
            missing = sorted(need - set(reader.fieldnames or ()))
            if missing:
                raise SelfuncError(f"{path}: not a flattened extract (missing columns "
                                   f"{', '.join(missing)})")
            rows = [(r["user_id"], r["subject_ids"], r[answer_column]) for r in reader
                    if r["user_id"] and r[answer_column] and r[answer_column] != "null"]
    except OSError as exc:
        raise SelfuncError(f"{path}: cannot read ({exc.strerror})") from None
    if not rows:
        raise SelfuncError(f"{path}: no votes by logged-in volunteers")
    return tuple(np.array(c) for c in zip(*rows))
