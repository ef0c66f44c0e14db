"""Volunteers as a stage of the selection: simulated volunteers classify screened candidates
through the decision tree, and their Eq.-1-weighted votes become catalogue columns.

Each screened candidate is a subject. Its true answers follow its class's path
(:attr:`VolunteerBehaviour.paths`: a low-z cluster is emission → usable → extended →
galaxies → nearby cluster); questions off the path get random true answers. Volunteers
(good, careless, malicious, as :mod:`selfunc.crowd.simulate`, in the preset's proportions)
answer through their confusion matrices, blurred toward chance on faint stamps (the
preset's clarity), ``votes_per_subject`` distinct volunteers per subject drawn by activity.
The classifications are aggregated as a real export is (:func:`selfunc.crowd.aggregate`:
Eq.-1 weights, weighted and unweighted votes), and joined to the candidates:

``n_volunteer_votes``             classifications of the candidate (0: not screened)
``p_volunteer_cluster``           weighted cluster score S_c / (S_c + S_n) (NaN: not screened)
``p_volunteer_cluster_unweighted``  n_c / (n_c + n_n)

so that a rule ``C1 and p_volunteer_cluster > 0.5`` puts human screening into the
selection function. All randomness comes from the ``rng`` passed in;
:func:`volunteer_rng` gives a campaign's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from astropy.table import Table

from selfunc.crowd.aggregate import CrowdResult, aggregate
from selfunc.crowd.behaviour import VolunteerBehaviour, load_behaviour
from selfunc.crowd.classifications import Classifications
from selfunc.crowd.simulate import _choose_volunteers, _confusion, _walk
from selfunc.crowd.tree import DecisionTree, load_tree
from selfunc.errors import SelfuncError
from selfunc.streams import campaign_rng

__all__ = ["VOLUNTEER_COLUMNS", "VolunteerScreening", "true_answers", "classify_subjects",
           "screen_by_volunteers", "volunteer_rng"]

VOLUNTEER_COLUMNS = ("n_volunteer_votes", "p_volunteer_cluster", "p_volunteer_cluster_unweighted")

def volunteer_rng(seed: int) -> np.random.Generator:
    """The random stream of a campaign's volunteers (``selfunc.streams``, "volunteers")."""
    return campaign_rng(seed, "volunteers")


def _path_codes(tree: DecisionTree, label: str, keys) -> list[int]:
    """Answer codes of a true path, checked to walk the tree from its first question to a leaf."""
    codes, question = [], tree.first_question
    for key in keys:
        try:
            code = tree.answer_code(key)
        except KeyError:
            raise SelfuncError(f"volunteer paths: '{label}' names answer '{key}', which tree "
                               f"'{tree.name}' lacks") from None
        if question < 0 or int(tree.answer_question[code]) != question:
            raise SelfuncError(f"volunteer paths: '{label}' = {list(keys)} does not follow "
                               f"tree '{tree.name}' at '{key}'")
        codes.append(code)
        question = int(tree.answer_next[code])
    if question >= 0:
        raise SelfuncError(f"volunteer paths: '{label}' = {list(keys)} stops before a leaf")
    return codes


def true_answers(tree: DecisionTree, labels, behaviour: VolunteerBehaviour,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(true answer position per subject and question, true class is cluster) of subjects
    of the given candidate classes."""
    labels = np.char.strip(np.asarray(labels).astype(str))
    unknown = sorted(set(labels.tolist()) - set(behaviour.paths))
    if unknown:
        raise SelfuncError(f"candidates: label(s) {unknown} have no true path in the volunteer "
                           f"behaviour (known: {', '.join(behaviour.paths)})")
    n_answers = np.diff(tree.question_offsets)
    truth = (rng.random((len(labels), tree.n_questions)) * n_answers).astype(np.int64)
    is_cluster = np.zeros(len(labels), dtype=bool)
    for label, keys in behaviour.paths.items():
        rows = np.flatnonzero(labels == label)
        codes = _path_codes(tree, label, keys)
        for code in codes:
            q = int(tree.answer_question[code])
            truth[rows, q] = code - int(tree.question_offsets[q])
        is_cluster[rows] = tree.answer_leaf[codes[-1]] == 1
    return truth, is_cluster


@dataclass(frozen=True, eq=False)
class VolunteerScreening:
    """The crowd of one screening: ``result`` (aggregated as a real export), ``kind`` of each
    volunteer, ``is_cluster`` (true class of each subject), ``clarity`` per subject."""

    result: CrowdResult
    kind: np.ndarray
    is_cluster: np.ndarray
    clarity: np.ndarray


def classify_subjects(subject_ids, labels, clarity, behaviour: VolunteerBehaviour,
                      rng: np.random.Generator, tree: DecisionTree | None = None) -> VolunteerScreening:
    """Simulated volunteers classify subjects of known class through the tree."""
    tree = tree or load_tree()
    subject_ids = np.asarray(subject_ids).astype(str)
    n_subjects = len(subject_ids)
    b = behaviour
    n_vol = b.n_volunteers(n_subjects)
    truth, is_cluster = true_answers(tree, labels, b, rng)
    n_careless = int(round(b.careless_fraction * n_vol))
    n_malicious = int(round(b.malicious_fraction * n_vol))
    kind = np.array(["careless"] * n_careless + ["malicious"] * n_malicious
                    + ["good"] * (n_vol - n_careless - n_malicious))
    kind = kind[rng.permutation(n_vol)]
    confusion = _confusion(tree, kind, rng, b.good_accuracy, b.malicious_accuracy)
    activity = rng.pareto(b.activity_index, n_vol) + 1.0
    k = min(b.votes_per_subject, n_vol)
    volunteer = _choose_volunteers(activity, n_subjects, k, rng).reshape(-1)
    subject = np.repeat(np.arange(n_subjects), k)
    clarity = np.clip(np.asarray(clarity, dtype=float), 0.0, 1.0)
    path = _walk(tree, subject, volunteer, truth, confusion, rng, clarity=clarity)
    n = len(subject)
    c = Classifications(
        tree=tree, subject=subject, user=volunteer, path=path, subject_ids=subject_ids,
        user_ids=np.array([str(1_000_000 + v) for v in range(n_vol)]),
        logged_in=np.ones(n_vol, dtype=bool),
        created_at=np.datetime64("2018-10-24T00:00:00", "ms") + np.arange(n).astype("timedelta64[s]"),
        classification_id=np.arange(n, dtype=np.int64) + 1, row=np.arange(1, n + 1, dtype=np.int64))
    return VolunteerScreening(result=aggregate(c), kind=kind, is_cluster=is_cluster, clarity=clarity)


def _clarity(cand: Table, b: VolunteerBehaviour) -> np.ndarray:
    if b.clarity_column is None:
        return np.ones(len(cand))
    if b.clarity_column not in cand.colnames:
        raise SelfuncError(f"candidates: no column '{b.clarity_column}' (the volunteer "
                           "behaviour's clarity_column)")
    x = np.clip(np.nan_to_num(np.asarray(cand[b.clarity_column], float)), 0.0, None)
    return x / (x + b.clarity_half)


def screen_by_volunteers(candidates: Table, mask, rng: np.random.Generator, *,
                         subject_ids=None, behaviour: VolunteerBehaviour | None = None,
                         tree: DecisionTree | None = None) -> tuple[Table, VolunteerScreening]:
    """A copy of ``candidates`` with :data:`VOLUNTEER_COLUMNS` for the candidates of ``mask``
    (which need a ``label`` column: their true class), and the screening itself.

    ``subject_ids``: one per masked candidate (default: their row numbers); the CLI passes
    the stamps' ``PPPPP-CCCCC`` ids, so that subjects, stamps and exports agree."""
    b = behaviour or load_behaviour()
    mask = np.asarray(mask, dtype=bool)
    if len(mask) != len(candidates):
        raise ValueError(f"mask has {len(mask)} entries for {len(candidates)} candidates")
    if "label" not in candidates.colnames:
        raise SelfuncError("candidates: no column 'label' (the true class, from the match)")
    if not mask.any():
        raise SelfuncError("candidates: the screen selects none; volunteers have nothing to classify")
    sel = candidates[mask]
    ids = (np.flatnonzero(mask).astype(str) if subject_ids is None
           else np.asarray(subject_ids).astype(str))
    if len(ids) != len(sel) or len(set(ids.tolist())) != len(ids):
        raise ValueError(f"subject_ids: expected {len(sel)} distinct ids, got {len(ids)}")
    screening = classify_subjects(ids, sel["label"], _clarity(sel, b), b, rng, tree=tree)
    subjects = screening.result.subjects
    row = {s: i for i, s in enumerate(np.asarray(subjects["subject_id"]).astype(str))}
    at = np.array([row[s] for s in ids])
    out = candidates.copy()
    out["n_volunteer_votes"] = np.zeros(len(out), dtype=np.int64)
    out["n_volunteer_votes"][mask] = np.asarray(subjects["n_classifications"])[at]
    for name, col in (("p_volunteer_cluster", "weighted_score"),
                      ("p_volunteer_cluster_unweighted", "unweighted_score")):
        out[name] = np.full(len(out), np.nan)
        out[name][mask] = np.asarray(subjects[col], float)[at]
    return out, screening
