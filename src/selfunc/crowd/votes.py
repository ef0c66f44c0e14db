"""Per-subject crowd labels: the unweighted majority and the weighted vote (Kosiba et al. 2020, §2.3).

Each classification casts one vote, for *cluster* if it ended at a cluster leaf and for
*non-cluster* otherwise. Unweighted, the votes are counted: :math:`n_c` and :math:`n_n`.
Weighted, a vote counts the volunteer's Eq. 1 weight :math:`G_i` for the question *i* of
the ending answer, and the weights are summed per class,

.. math:: S_c = \\sum_{\\rm cluster\\ votes} G_{i},\\qquad S_n = \\sum_{\\rm non-cluster\\ votes} G_{i}.

The higher sum decides. The continuous scores for ROC curves are the cluster fractions
:math:`n_c/(n_c+n_n)` and :math:`S_c/(S_c+S_n)`.
"""

from __future__ import annotations

import numpy as np
from astropy.table import Table

from selfunc.crowd.classifications import Classifications
from selfunc.crowd.weights import VolunteerWeights, answer_counts, volunteer_weights

__all__ = ["subject_votes", "CLUSTER", "NON_CLUSTER"]

CLUSTER, NON_CLUSTER = "cluster", "non-cluster"


def subject_votes(classifications: Classifications, weights: VolunteerWeights | None = None) -> Table:
    """Votes, labels and scores of every subject with at least one classification.

    Parameters
    ----------
    classifications : Classifications
    weights : VolunteerWeights, optional
        Default: :func:`~selfunc.crowd.weights.volunteer_weights` of ``classifications``.

    Returns
    -------
    astropy.table.Table
        ``subject_id``, ``n_classifications``, ``n_<answer key>`` for every answer of the
        tree, ``n_cluster``, ``n_non_cluster``, ``unweighted_score``, ``unweighted_label``,
        ``weighted_cluster`` (:math:`S_c`), ``weighted_non_cluster`` (:math:`S_n`),
        ``weighted_score`` and ``weighted_label``.

    Notes
    -----
    A tie (:math:`n_c = n_n`, or :math:`S_c = S_n`) gives *non-cluster*: the paper only
    says that the higher score decides, and the conservative choice keeps the cluster
    sample pure. A score is NaN only if all votes on a subject have zero weight.
    """
    c = classifications
    tree = c.tree
    if weights is None:
        weights = volunteer_weights(c)
    n_subjects = len(c.subject_ids)
    ending = c.ending
    is_cluster = tree.answer_leaf[ending] == 1
    vote_weight = weights.weight[c.user, tree.answer_question[ending]]
    # Every voter answered the question of the ending answer at least once (this vote), so
    # its weight is defined; a NaN here would be a bug upstream.
    if np.isnan(vote_weight).any():
        raise RuntimeError("undefined weight for a cast vote: weights do not match the classifications")

    n_total = np.bincount(c.subject, minlength=n_subjects)
    n_cluster = np.bincount(c.subject[is_cluster], minlength=n_subjects)
    s_cluster = np.bincount(c.subject, weights=np.where(is_cluster, vote_weight, 0.0), minlength=n_subjects)
    s_non = np.bincount(c.subject, weights=np.where(is_cluster, 0.0, vote_weight), minlength=n_subjects)
    counts = answer_counts(c)

    present = n_total > 0
    n_non = n_total - n_cluster
    with np.errstate(invalid="ignore", divide="ignore"):
        unweighted_score = n_cluster / n_total
        weighted_score = s_cluster / (s_cluster + s_non)
    columns = {"subject_id": c.subject_ids, "n_classifications": n_total}
    for j, key in enumerate(tree.answer_keys):
        columns[f"n_{key}"] = counts[:, j]
    columns.update(
        n_cluster=n_cluster,
        n_non_cluster=n_non,
        unweighted_score=unweighted_score,
        unweighted_label=np.where(n_cluster > n_non, CLUSTER, NON_CLUSTER),
        weighted_cluster=s_cluster,
        weighted_non_cluster=s_non,
        weighted_score=weighted_score,
        weighted_label=np.where(s_cluster > s_non, CLUSTER, NON_CLUSTER),
    )
    table = Table(columns)[present]
    table.meta["tree"] = tree.name
    table.meta["ties"] = "non-cluster"
    return table
