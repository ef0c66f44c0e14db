"""Acceptance: on a simulated crowd with known confusion matrices, Eq. 1 weighting beats
the unweighted majority and ranks good volunteers above careless and malicious ones."""

import numpy as np
import pytest
from scipy.stats import spearmanr

from selfunc.crowd import aggregate, roc_auc, simulate_crowd


@pytest.fixture(scope="module")
def crowd(tree):
    rng = np.random.default_rng(20200521)
    sim = simulate_crowd(
        tree, n_subjects=1500, n_volunteers=300, votes_per_subject=15, rng=rng,
        careless_fraction=0.2, malicious_fraction=0.1, good_accuracy=(0.7, 0.95),
        not_logged_in_fraction=0.05, repeat_fraction=0.03,
    )
    return sim, aggregate(sim.classifications)


def _truth(sim, subjects):
    index = np.array([int(s) - 10_000_000 for s in subjects["subject_id"]])
    return sim.is_cluster[index]


def test_simulation_follows_its_confusion_matrices(crowd, tree):
    sim, _ = crowd
    c = sim.classifications
    # Fraction of true answers at T0 per kind of volunteer vs the confusion diagonal.
    at_t0 = c.path[:, 0]
    true_t0 = sim.true_answer[c.subject, 0]
    right = (at_t0 - tree.question_offsets[0]) == true_t0
    maker = c.user.copy()  # anonymous rows hide the maker; use logged-in rows only
    logged = c.logged_in[maker]
    for kind, expected in [("careless", 0.5), ("malicious", 0.05)]:
        mask = logged & (sim.kind[maker] == kind)
        assert right[mask].mean() == pytest.approx(expected, abs=0.03)


def test_selection_removes_what_was_injected(crowd):
    sim, result = crowd
    c = sim.classifications
    kept = result.classifications
    assert result.selection.n_not_logged_in == int((~c.logged_in[c.user]).sum()) > 0
    assert result.selection.n_repeated > 0
    assert kept.logged_in[kept.user].all()
    pairs = kept.user * len(kept.subject_ids) + kept.subject
    assert len(np.unique(pairs)) == len(kept)


def test_weighting_raises_agreement_with_truth(crowd):
    sim, result = crowd
    subjects = result.subjects
    truth = _truth(sim, subjects)
    unweighted = np.mean((subjects["unweighted_label"] == "cluster") == truth)
    weighted = np.mean((subjects["weighted_label"] == "cluster") == truth)
    # Over eleven seeds the gain is 5-7.5 points; a 3-point floor leaves room for the seed.
    assert weighted - unweighted > 0.03, (unweighted, weighted)
    finite = np.isfinite(subjects["weighted_score"])
    assert finite.mean() > 0.99
    auc_w = roc_auc(truth[finite], np.asarray(subjects["weighted_score"])[finite])
    auc_u = roc_auc(truth[finite], np.asarray(subjects["unweighted_score"])[finite])
    assert auc_w > auc_u


def test_weights_rank_good_volunteers_above_bad_ones(crowd, tree):
    sim, result = crowd
    w = result.weights
    n_logged = int(sim.classifications.logged_in.sum())
    kind = sim.kind[:n_logged]
    answered, agreed = w.answered[:n_logged], w.agreed[:n_logged]
    active = answered.sum(axis=1) >= 10
    overall = agreed.sum(axis=1) / np.maximum(answered.sum(axis=1), 1)
    good = active & (kind == "good")
    bad = active & np.isin(kind, ["careless", "malicious"])
    assert good.sum() > 100 and bad.sum() > 40
    ranking_auc = roc_auc(np.r_[np.ones(good.sum(), bool), np.zeros(bad.sum(), bool)],
                          np.r_[overall[good], overall[bad]])
    assert ranking_auc > 0.95
    # Question by question (Spearman 0.86-0.91 over eleven seeds), the weight follows the true accuracy of the volunteer.
    g, accuracy = w.weight[:n_logged], sim.accuracy
    for q in (0, 1):
        m = answered[:, q] >= 5
        assert spearmanr(g[m, q], accuracy[m, q]).statistic > 0.6
    # T0 means: good above careless (accuracy 1/2) above malicious (0.05).
    t0 = answered[:, 0] >= 5
    means = {k: np.nanmean(g[t0 & (kind == k), 0]) for k in ("good", "careless", "malicious")}
    # Over eleven seeds the gaps are at least 0.21 and 0.32.
    assert means["good"] > means["careless"] + 0.1
    assert means["careless"] > means["malicious"] + 0.2
