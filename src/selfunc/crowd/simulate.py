"""A simulated crowd: volunteers with known per-question confusion matrices.

Every subject gets a true answer to every question (the answers along its true path
through the tree, and random ones off that path). A volunteer answering question *i*
whose true answer is *t* picks answer *j* with probability :math:`M^{(v)}_{i,tj}`, their
confusion matrix, and follows the tree from there. Three kinds of volunteers:

* ``good``: :math:`M_{tt} = a` with *a* drawn per volunteer and question from
  ``good_accuracy``, the rest spread evenly over the other answers;
* ``careless``: every answer equally likely;
* ``malicious``: the true answer with probability ``malicious_accuracy``, otherwise a
  wrong one.

This gives a ground truth for testing the weighting of Eq. 1 (Kosiba et al. 2020), and
synthetic exports of any size for benchmarks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from selfunc.crowd.classifications import Classifications
from selfunc.crowd.tree import DecisionTree

__all__ = ["SimulatedCrowd", "simulate_crowd", "KINDS"]

KINDS = ("good", "careless", "malicious")


@dataclass(frozen=True, eq=False)
class SimulatedCrowd:
    """Simulated classifications with their truth.

    Attributes
    ----------
    classifications : Classifications
    true_answer : ndarray of int, shape (n_subjects, n_questions)
        True answer (position within the question) of each subject to each question.
    true_ending : ndarray of int, shape (n_subjects,)
        Answer code that ends the subject's true path.
    is_cluster : ndarray of bool, shape (n_subjects,)
    kind : ndarray of str, shape (n_users,)
        ``good``, ``careless``, ``malicious``, or ``anonymous`` for the not-logged-in users
        (whose classifications were made by volunteers of the other kinds).
    confusion : ndarray, shape (n_volunteers, n_questions, k_max, k_max)
        :math:`M^{(v)}_{i,tj}` of the logged-in volunteers (user codes 0…n_volunteers−1).
    """

    classifications: Classifications
    true_answer: np.ndarray
    true_ending: np.ndarray
    is_cluster: np.ndarray
    kind: np.ndarray
    confusion: np.ndarray

    @property
    def accuracy(self) -> np.ndarray:
        """Probability that each volunteer answers each question truly, averaged over the
        true answers; shape (n_volunteers, n_questions)."""
        tree = self.classifications.tree
        out = np.empty(self.confusion.shape[:2])
        for i, q in enumerate(tree.questions):
            k = len(q.answers)
            out[:, i] = np.trace(self.confusion[:, i, :k, :k], axis1=1, axis2=2) / k
        return out


def _confusion(tree: DecisionTree, kind: np.ndarray, rng, good_accuracy, malicious_accuracy) -> np.ndarray:
    n_vol, n_q = len(kind), tree.n_questions
    k_max = max(len(q.answers) for q in tree.questions)
    out = np.zeros((n_vol, n_q, k_max, k_max))
    for i, q in enumerate(tree.questions):
        k = len(q.answers)
        diagonal = np.where(
            kind == "good",
            rng.uniform(*good_accuracy, size=n_vol),
            np.where(kind == "careless", 1.0 / k, malicious_accuracy),
        )
        off = (1.0 - diagonal) / (k - 1)
        block = np.broadcast_to(off[:, None, None], (n_vol, k, k)).copy()
        block[:, np.arange(k), np.arange(k)] = diagonal[:, None]
        out[:, i, :k, :k] = block
    return out


def _choose_volunteers(activity: np.ndarray, n_subjects: int, k: int, rng) -> np.ndarray:
    """k distinct volunteers per subject, drawn with probability ∝ activity (Gumbel top-k)."""
    log_w = np.log(activity)
    out = np.empty((n_subjects, k), dtype=np.int64)
    chunk = max(1, 4_000_000 // len(activity))
    for start in range(0, n_subjects, chunk):
        stop = min(start + chunk, n_subjects)
        keys = log_w + rng.gumbel(size=(stop - start, len(activity)))
        out[start:stop] = np.argpartition(-keys, k - 1, axis=1)[:, :k]
    return out


def _walk(tree: DecisionTree, subject, volunteer, true_answer, confusion, rng,
          clarity=None) -> np.ndarray:
    """Paths of volunteers through the tree, all classifications at once.

    ``clarity`` (per subject, in [0, 1], optional) mixes each confusion row with chance:
    ``c M + (1 − c)/k``, a stamp that shows less making every volunteer guess more."""
    n = len(subject)
    path = np.full((n, tree.max_depth), -1, dtype=np.int16)
    question = np.full(n, tree.first_question, dtype=np.int64)
    offsets, n_answers = tree.question_offsets, np.diff(tree.question_offsets)
    for step in range(tree.max_depth):
        active = np.flatnonzero(question >= 0)
        if len(active) == 0:
            break
        q = question[active]
        truth = true_answer[subject[active], q]
        probability = confusion[volunteer[active], q, truth]  # (n_active, k_max)
        if clarity is not None:
            k = n_answers[q]
            c = clarity[subject[active]][:, None]
            chance = (np.arange(probability.shape[1])[None, :] < k[:, None]) / k[:, None]
            probability = c * probability + (1.0 - c) * chance
        u = rng.random(len(active))
        j = np.minimum((np.cumsum(probability, axis=1) < u[:, None]).sum(axis=1), n_answers[q] - 1)
        code = offsets[q] + j
        path[active, step] = code
        question[active] = tree.answer_next[code]
    return path


def simulate_crowd(
    tree: DecisionTree,
    *,
    n_subjects: int,
    n_volunteers: int,
    votes_per_subject: int,
    rng: np.random.Generator,
    cluster_fraction: float = 0.5,
    careless_fraction: float = 0.15,
    malicious_fraction: float = 0.1,
    good_accuracy: tuple[float, float] = (0.7, 0.95),
    malicious_accuracy: float = 0.05,
    activity_index: float = 1.5,
    not_logged_in_fraction: float = 0.0,
    repeat_fraction: float = 0.0,
    start: str = "2018-10-24T00:00:00",
    duration_days: float = 187.0,
) -> SimulatedCrowd:
    """Simulate a Zooniverse project classifying candidates through ``tree``.

    Parameters
    ----------
    tree : DecisionTree
    n_subjects, n_volunteers, votes_per_subject : int
        Each subject is classified by ``votes_per_subject`` distinct volunteers (30 in the
        paper).
    rng : numpy.random.Generator
        All randomness comes from it.
    cluster_fraction : float
        Fraction of subjects whose true path ends at a cluster leaf; the true ending is drawn
        uniformly among the leaves of that class.
    careless_fraction, malicious_fraction : float
        Fractions of volunteers of these kinds; the rest are good.
    good_accuracy : (float, float)
        Range of the diagonal of good volunteers' confusion matrices.
    malicious_accuracy : float
        Probability that a malicious volunteer gives the true answer.
    activity_index : float
        Volunteers' activities are Pareto distributed with this index (a few very active
        volunteers, as on Zooniverse); a subject draws volunteers in proportion to it.
    not_logged_in_fraction : float
        Fraction of classifications attributed to volunteers who were not logged in.
    repeat_fraction : float
        Fraction of classifications made again, later, by the same volunteer.
    start, duration_days
        Time span of the classifications (the paper's ran 24 Oct 2018 – 29 Apr 2019).
    """
    if votes_per_subject > n_volunteers:
        raise ValueError(f"votes_per_subject={votes_per_subject} exceeds n_volunteers={n_volunteers}")
    if careless_fraction + malicious_fraction > 1:
        raise ValueError("careless_fraction + malicious_fraction must not exceed 1")

    # Truth: a true path per subject, random answers off that path.
    n_q = tree.n_questions
    paths = tree.paths()
    ending = np.array([p[-1] for p in paths])
    cluster_paths = np.flatnonzero(tree.answer_leaf[ending] == 1)
    other_paths = np.flatnonzero(tree.answer_leaf[ending] == 0)
    is_cluster = rng.random(n_subjects) < cluster_fraction
    chosen = np.where(is_cluster, rng.choice(cluster_paths, n_subjects), rng.choice(other_paths, n_subjects))
    n_answers = np.diff(tree.question_offsets)
    true_answer = (rng.random((n_subjects, n_q)) * n_answers).astype(np.int64)
    for p_index, p in enumerate(paths):
        rows = np.flatnonzero(chosen == p_index)
        for code in p:
            q = int(tree.answer_question[code])
            true_answer[rows, q] = code - int(tree.question_offsets[q])

    # Volunteers.
    n_careless = int(round(careless_fraction * n_volunteers))
    n_malicious = int(round(malicious_fraction * n_volunteers))
    kind = np.array(["careless"] * n_careless + ["malicious"] * n_malicious
                    + ["good"] * (n_volunteers - n_careless - n_malicious))
    kind = kind[rng.permutation(n_volunteers)]
    confusion = _confusion(tree, kind, rng, good_accuracy, malicious_accuracy)
    activity = rng.pareto(activity_index, n_volunteers) + 1.0

    # Who classifies what, and repeats of some classifications by the same volunteer.
    volunteer = _choose_volunteers(activity, n_subjects, votes_per_subject, rng).reshape(-1)
    subject = np.repeat(np.arange(n_subjects), votes_per_subject)
    n_base = len(subject)
    seconds = rng.uniform(0, duration_days * 86400.0, n_base)
    repeats = np.flatnonzero(rng.random(n_base) < repeat_fraction)
    subject = np.r_[subject, subject[repeats]]
    volunteer = np.r_[volunteer, volunteer[repeats]]
    seconds = np.r_[seconds, seconds[repeats] + rng.uniform(600, 7 * 86400.0, len(repeats))]
    path = _walk(tree, subject, volunteer, true_answer, confusion, rng)

    # Volunteers not logged in: a pool of anonymous users (one per IP hash), each
    # classification of a chosen volunteer-subject pair moving to one of them.
    user = volunteer.copy()
    n_anonymous = max(1, n_volunteers // 4) if not_logged_in_fraction > 0 else 0
    pairs = subject * n_volunteers + volunteer
    unique_pairs, pair_index = np.unique(pairs, return_inverse=True)
    moved = rng.random(len(unique_pairs)) < not_logged_in_fraction
    anonymous_of_pair = n_volunteers + rng.integers(0, max(n_anonymous, 1), len(unique_pairs))
    user = np.where(moved[pair_index], anonymous_of_pair[pair_index], user)

    order = np.argsort(seconds, kind="stable")
    created = np.datetime64(start, "s") + np.round(seconds[order]).astype("timedelta64[s]")
    user_ids = np.array([str(1_000_000 + v) for v in range(n_volunteers)]
                        + [f"not-logged-in-{a:08x}{(a * 2654435761) % 2**32:08x}" for a in range(n_anonymous)])
    classifications = Classifications(
        tree=tree,
        subject=subject[order],
        user=user[order],
        path=path[order],
        subject_ids=np.array([str(10_000_000 + s) for s in range(n_subjects)]),
        user_ids=user_ids,
        logged_in=np.r_[np.ones(n_volunteers, bool), np.zeros(n_anonymous, bool)],
        created_at=created.astype("datetime64[ms]"),
        classification_id=np.arange(len(order), dtype=np.int64) + 130_000_000,
        row=np.arange(1, len(order) + 1, dtype=np.int64),
    )
    return SimulatedCrowd(
        classifications=classifications,
        true_answer=true_answer,
        true_ending=ending[chosen],
        is_cluster=is_cluster,
        kind=np.r_[kind, np.full(n_anonymous, "anonymous")],
        confusion=confusion,
    )
