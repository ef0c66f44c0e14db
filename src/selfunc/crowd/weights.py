"""Question-wise volunteer weights from agreement with the majority (Kosiba et al. 2020, Eq. 1).

For volunteer *u* and question *i*,

.. math:: G_i = C_i / Q_i,

where :math:`Q_i` is the number of answers *u* gave to question *i* and :math:`C_i` the
number of those that agree with the majority of all volunteers' answers to question *i* on
the same subject.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from astropy.table import Table

from selfunc.crowd.classifications import Classifications
from selfunc.crowd.tree import DecisionTree

__all__ = ["answer_counts", "majority_agreement", "VolunteerWeights", "volunteer_weights"]


def answer_counts(classifications: Classifications) -> np.ndarray:
    """Number of times each answer was given per subject.

    Returns
    -------
    ndarray of int64, shape (n_subjects, n_answers)
        Indexed by subject code and answer code; counts every answer on every path, not
        only the ending ones.
    """
    index, code = classifications.entries()
    n_answers = classifications.tree.n_answers
    flat = classifications.subject[index] * n_answers + code
    counts = np.bincount(flat, minlength=len(classifications.subject_ids) * n_answers)
    return counts.reshape(len(classifications.subject_ids), n_answers)


def majority_agreement(classifications: Classifications) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Whether each answer agrees with the majority answer to its question on its subject.

    The majority is the answer given most often to that question on that subject, the
    volunteer's own answer included. Where several answers tie for most votes, each of
    them counts as the majority (Eq. 1 does not say; this does not penalise a volunteer for
    a split crowd).

    Returns
    -------
    index : ndarray of int
        Classification index of each answer given (see :meth:`Classifications.entries`).
    code : ndarray of int
        Its answer code.
    agrees : ndarray of bool
    """
    tree = classifications.tree
    counts = answer_counts(classifications)
    top = np.maximum.reduceat(counts, tree.question_offsets[:-1], axis=1)  # (n_subjects, n_questions)
    index, code = classifications.entries()
    subject = classifications.subject[index]
    agrees = counts[subject, code] == top[subject, tree.answer_question[code]]
    return index, code, agrees


@dataclass(frozen=True, eq=False)
class VolunteerWeights:
    """Eq. 1 weights of each volunteer for each question.

    Attributes
    ----------
    agreed : ndarray of int64, shape (n_users, n_questions)
        :math:`C_i`.
    answered : ndarray of int64, shape (n_users, n_questions)
        :math:`Q_i`.
    user_ids : ndarray of str
    logged_in : ndarray of bool
    tree : DecisionTree
    """

    agreed: np.ndarray
    answered: np.ndarray
    user_ids: np.ndarray
    logged_in: np.ndarray
    tree: DecisionTree

    @property
    def weight(self) -> np.ndarray:
        """:math:`G_i = C_i/Q_i`, NaN where the volunteer never answered question *i*."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.answered > 0, self.agreed / np.maximum(self.answered, 1), np.nan)

    def table(self) -> Table:
        """One row per volunteer who answered anything: ``Q_<task>``, ``C_<task>``, ``G_<task>``."""
        active = self.answered.sum(axis=1) > 0
        columns = {"user_id": self.user_ids[active], "logged_in": self.logged_in[active]}
        weight = self.weight
        for i, q in enumerate(self.tree.questions):
            columns[f"Q_{q.task}"] = self.answered[active, i]
            columns[f"C_{q.task}"] = self.agreed[active, i]
            columns[f"G_{q.task}"] = weight[active, i]
        table = Table(columns)
        table.meta["formula"] = "G_i = C_i / Q_i (Kosiba et al. 2020, Eq. 1)"
        return table


def volunteer_weights(classifications: Classifications) -> VolunteerWeights:
    """Compute the Eq. 1 weights of every volunteer for every question.

    Parameters
    ----------
    classifications : Classifications
        Usually after :func:`~selfunc.crowd.classifications.select_classifications`, as in
        the paper.
    """
    tree = classifications.tree
    index, code, agrees = majority_agreement(classifications)
    n_users, n_q = len(classifications.user_ids), tree.n_questions
    flat = classifications.user[index] * n_q + tree.answer_question[code]
    answered = np.bincount(flat, minlength=n_users * n_q).reshape(n_users, n_q)
    agreed = np.bincount(flat[agrees], minlength=n_users * n_q).reshape(n_users, n_q)
    return VolunteerWeights(agreed, answered, classifications.user_ids, classifications.logged_in, tree)
