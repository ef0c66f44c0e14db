"""Figures of the crowd–expert comparison: ROC curves (Kosiba et al. 2020, Figure 5) and
ending answers against expert categories (Figure 6)."""

from __future__ import annotations

import string
from pathlib import Path

import matplotlib
import numpy as np
from astropy.table import Table
# A bare Figure renders with Agg and leaves pyplot's global backend alone.
from matplotlib.figure import Figure

from selfunc.atomic import save_figure
from selfunc.crowd.experts import EXPERT_CATEGORIES
from selfunc.crowd.tree import DecisionTree

__all__ = ["plot_roc", "plot_answer_agreement"]


def plot_roc(roc: Table, summary: Table, path) -> Path:
    """ROC curves of the crowd scores against expert labels (Figure 5 style).

    Parameters
    ----------
    roc : Table
        From :func:`~selfunc.crowd.compare.roc_table`.
    summary : Table
        From :func:`~selfunc.crowd.compare.classification_table`, for the legend (n, AUC).
    path : path-like
        PNG file to write.
    """
    fig = Figure(figsize=(5.2, 5))
    ax = fig.subplots()
    styles = {"unweighted": "--", "weighted": "-"}
    data_sets = list(dict.fromkeys(summary["data_set"]))
    colours = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    for row in summary:
        mask = (roc["data_set"] == row["data_set"]) & (roc["classification"] == row["classification"])
        if not mask.any():
            continue
        colour = colours[data_sets.index(row["data_set"]) % len(colours)]
        ax.plot(roc["fpr"][mask], roc["tpr"][mask], styles[row["classification"]], color=colour,
                label=f"{row['data_set']} (n={row['n']}), {row['classification']}: "
                                           f"AUC {row['auc']:.3f}")
    ax.plot([0, 1], [0, 1], ":", color="grey", label="random guess")
    ax.set(xlim=(0, 1), ylim=(0, 1.01), xlabel="false positive rate FP/(FP+TN)",
           ylabel="true positive rate (recall)", title="Crowd against experts")
    ax.set_aspect("equal")
    ax.legend(loc="lower right", fontsize=7)
    fig.tight_layout()
    save_figure(fig, path, dpi=120)
    return Path(path)


def plot_answer_agreement(counts: Table, tree: DecisionTree, path) -> Path:
    """Expert categories of candidates given each ending answer (Figure 6 style).

    One panel per ending answer with an expert counterpart (``expert_match`` in the tree):
    the fraction of the individual answers given to candidates of each expert category,
    with the agreeing categories in a darker colour.

    Parameters
    ----------
    counts : Table
        From :func:`~selfunc.crowd.compare.answer_expert_counts`.
    tree : DecisionTree
    path : path-like
        PNG file to write.
    """
    panels = [row for row in counts if tree.answers[tree.answer_code(row["answer"])].expert_match]
    if not panels:
        raise ValueError("no ending answer of the tree has an expert_match to plot")
    n_col = min(4, len(panels))
    n_row = -(-len(panels) // n_col)
    fig = Figure(figsize=(3.2 * n_col, 3.4 * n_row))
    axes = fig.subplots(n_row, n_col, sharey=True, squeeze=False)
    x = np.arange(len(EXPERT_CATEGORIES))
    for k, (ax, row) in enumerate(zip(axes.flat, panels)):
        match = set(tree.answers[tree.answer_code(row["answer"])].expert_match)
        n = int(row["n"])
        fraction = np.array([row[c] for c in EXPERT_CATEGORIES], dtype=float) / max(n, 1)
        colour = ["tab:red" if c in match else "tab:grey" for c in EXPERT_CATEGORIES]
        ax.bar(x, fraction, color=colour)
        agree = fraction[[c in match for c in EXPERT_CATEGORIES]].sum()
        ax.set_title(f"{string.ascii_lowercase[k]}) {row['label']}\n{agree:.0%} agree, n={n}", fontsize=8)
        ax.set_xticks(x, EXPERT_CATEGORIES, rotation=90, fontsize=6)
        ax.set_ylim(0, 1)
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("fraction of answers")
    fig.suptitle("Expert category of candidates given each ending answer", fontsize=9)
    fig.tight_layout()
    save_figure(fig, path, dpi=110)
    return Path(path)
