"""Crowd labels against expert labels (Kosiba et al. 2020, §5.1, Table 1, Figures 5 and 6).

Only candidates with an expert category used by the binary scheme (§2.4) enter Table 1
and Figure 5; Figure 6 compares individual ending answers with all twelve categories,
since "no optical image" and "edge" are among the answers.
"""

from __future__ import annotations

import numpy as np
from astropy.table import Table, join

from selfunc.crowd.classifications import Classifications
from selfunc.crowd.experts import EXPERT_CATEGORIES
from selfunc.metrics import confusion, roc_auc, roc_curve
from selfunc.crowd.votes import CLUSTER

__all__ = ["ALL", "matched_subjects", "classification_table", "roc_table", "answer_expert_counts", "answer_agreement"]

#: Name of the data set made of every candidate with an expert label.
ALL = "all"
_SCHEMES = ("unweighted", "weighted")


def matched_subjects(subjects: Table, experts: Table) -> Table:
    """Crowd subjects joined with expert labels of the binary scheme.

    The table's ``meta`` says how many expert-labelled candidates were left out and why:
    ``n_expert_unresolved`` (experts disagreed, no moderator), ``n_expert_not_used`` (one
    of the last four categories of §2.4), ``n_expert_not_in_crowd`` (no crowd label).
    """
    usable = experts[experts["binary"] != ""]
    matched = join(subjects, usable, keys="subject_id", join_type="inner")
    matched.meta = {
        "n_expert_subjects": len(experts),
        "n_expert_unresolved": int(np.sum(experts["resolution"] == "unresolved")),
        "n_expert_not_used": int(np.sum((experts["binary"] == "") & (experts["resolution"] != "unresolved"))),
        "n_expert_not_in_crowd": len(usable) - len(matched),
        "n_matched": len(matched),
    }
    return matched


def _data_sets(matched: Table) -> list[tuple[str, np.ndarray]]:
    sets = [(ALL, np.ones(len(matched), dtype=bool))]
    tags = [t.split(";") if t else [] for t in np.asarray(matched["subsets"], dtype=str)]
    for tag in sorted({t for ts in tags for t in ts}):
        sets.append((tag, np.array([tag in ts for ts in tags], dtype=bool)))
    return sets


def classification_table(subjects: Table, experts: Table) -> Table:
    """TP/TN/FP/FN, accuracy, precision, recall and AUC of the crowd (Table 1).

    One row per data set (``all`` and each ``subsets`` tag of the expert table) and crowd
    label (``unweighted`` majority, ``weighted`` vote). AUC is that of the continuous score
    (Figure 5) over the subjects whose score is finite; ``n_unscored`` counts the others.
    """
    matched = matched_subjects(subjects, experts)
    truth = np.asarray(matched["binary"]) == CLUSTER
    rows = []
    for name, mask in _data_sets(matched):
        for scheme in _SCHEMES:
            predicted = np.asarray(matched[f"{scheme}_label"]) == CLUSTER
            score = np.asarray(matched[f"{scheme}_score"], dtype=float)
            c = confusion(truth[mask], predicted[mask])
            finite = mask & np.isfinite(score)
            both = truth[finite].any() and (~truth[finite]).any()
            auc = roc_auc(truth[finite], score[finite]) if both else np.nan
            rows.append((name, scheme, c.n, c.tp, c.tn, c.fp, c.fn, c.accuracy, c.precision, c.recall,
                         auc, int(mask.sum() - finite.sum())))
    names = ("data_set", "classification", "n", "tp", "tn", "fp", "fn", "accuracy", "precision", "recall",
             "auc", "n_unscored")
    table = Table(rows=rows, names=names) if rows else Table(names=names)
    table.meta.update(matched.meta)
    table.meta["reference"] = "Kosiba et al. 2020, Table 1"
    return table


def roc_table(subjects: Table, experts: Table) -> Table:
    """ROC curve points (Figure 5) for each data set and crowd score."""
    matched = matched_subjects(subjects, experts)
    truth = np.asarray(matched["binary"]) == CLUSTER
    out = {"data_set": [], "classification": [], "threshold": [], "fpr": [], "tpr": []}
    for name, mask in _data_sets(matched):
        for scheme in _SCHEMES:
            score = np.asarray(matched[f"{scheme}_score"], dtype=float)
            finite = mask & np.isfinite(score)
            if not (truth[finite].any() and (~truth[finite]).any()):
                continue
            fpr, tpr, thresholds = roc_curve(truth[finite], score[finite])
            out["data_set"] += [name] * len(fpr)
            out["classification"] += [scheme] * len(fpr)
            out["threshold"] += thresholds.tolist()
            out["fpr"] += fpr.tolist()
            out["tpr"] += tpr.tolist()
    return Table(out, dtype=[str, str, float, float, float])


def _subject_category(classifications: Classifications, experts: Table) -> np.ndarray:
    """Index into EXPERT_CATEGORIES of each subject's expert category, −1 if none."""
    index = {c: i for i, c in enumerate(EXPERT_CATEGORIES)}
    by_subject = {s: index[c] for s, c in zip(experts["subject_id"], experts["category"]) if c}
    return np.array([by_subject.get(s, -1) for s in classifications.subject_ids.tolist()], dtype=np.int64)


def answer_expert_counts(classifications: Classifications, experts: Table) -> Table:
    """How often each ending answer was given to candidates of each expert category.

    Returns
    -------
    astropy.table.Table
        One row per ending answer: ``answer``, ``label``, ``leaf``, ``n`` (individual
        classifications ending there on candidates with a resolved expert category) and one
        count column per expert category, named as in
        :data:`~selfunc.crowd.experts.EXPERT_CATEGORIES`.
    """
    tree = classifications.tree
    category = _subject_category(classifications, experts)[classifications.subject]
    ending = classifications.ending
    keep = category >= 0
    n_cat = len(EXPERT_CATEGORIES)
    counts = np.bincount(ending[keep] * n_cat + category[keep], minlength=tree.n_answers * n_cat)
    counts = counts.reshape(tree.n_answers, n_cat)
    ending_codes = np.flatnonzero(tree.answer_leaf >= 0)
    table = Table(
        {
            "answer": [tree.answer_keys[a] for a in ending_codes],
            "label": [tree.answers[a].label for a in ending_codes],
            "leaf": [tree.answers[a].leaf for a in ending_codes],
            "n": counts[ending_codes].sum(axis=1),
        }
    )
    for j, name in enumerate(EXPERT_CATEGORIES):
        table[name] = counts[ending_codes, j]
    return table


def answer_agreement(classifications: Classifications, experts: Table) -> Table:
    """Fraction of individual ending answers that agree with the experts (Figure 6).

    An answer agrees where the candidate's expert category is one of the answer's
    ``expert_match`` categories in the tree; answers without ``expert_match`` (no expert
    counterpart, like "not a nearby cluster") are left out, as in the paper.

    Returns
    -------
    astropy.table.Table
        ``answer``, ``label``, ``n``, ``n_agree``, ``fraction``.
    """
    tree = classifications.tree
    counts = answer_expert_counts(classifications, experts)
    rows = []
    for row in counts:
        match = tree.answers[tree.answer_code(row["answer"])].expert_match
        if not match:
            continue
        n_agree = int(sum(row[c] for c in match))
        n = int(row["n"])
        rows.append((row["answer"], row["label"], n, n_agree, n_agree / n if n else np.nan))
    names = ("answer", "label", "n", "n_agree", "fraction")
    return Table(rows=rows, names=names) if rows else Table(names=names)
