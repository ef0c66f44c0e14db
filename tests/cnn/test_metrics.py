"""§4 metrics (Table 1 rows from their counts), one-vs-all, summaries, splits."""

import numpy as np
import pytest

from selfunc.cnn import (binary_report, cluster_probability, format_summary, kfold_splits,
                         one_vs_all, outcomes, stratified_split, summarise)


def scores_for(tp, tn, fp, fn):
    """Truth and scores giving these counts at the 0.5 threshold."""
    truth = np.r_[np.ones(tp + fn, bool), np.zeros(tn + fp, bool)]
    score = np.r_[np.full(tp, 0.9), np.full(fn, 0.2), np.full(tn, 0.1), np.full(fp, 0.8)]
    return truth, score


@pytest.mark.parametrize("counts, expected", [
    ((69, 150, 0, 185), (0.542, 1.000, 0.272)),   # 404 objects, unweighted
    ((102, 149, 1, 152), (0.621, 0.990, 0.401)),  # 404 objects, weighted
    ((55, 84, 1, 30), (0.818, 0.982, 0.647)),     # 170 objects, weighted
])
def test_table1_rows(counts, expected):
    truth, score = scores_for(*counts)
    r = binary_report(truth, score)
    assert (r["tp"], r["tn"], r["fp"], r["fn"]) == counts
    # Table 1 prints three decimals; its 0.401 is 102/254 = 0.40157 cut, not rounded, hence
    # a tolerance of 6e-4 instead of 5e-4
    assert (r["accuracy"], r["precision"], r["recall"]) == pytest.approx(expected, abs=6e-4)


def test_threshold_is_strictly_above_half_and_auc():
    truth = np.array([True, True, False, False])
    r = binary_report(truth, np.array([0.5, 0.9, 0.1, 0.5]))
    assert (r["tp"], r["fn"], r["fp"], r["tn"]) == (1, 1, 0, 2)  # p = 0.5 is not a cluster
    assert r["auc"] == pytest.approx(0.875)  # pairs: (0.9 > all) 2, (0.5 vs 0.1) 1, tie ½
    assert np.isnan(binary_report([True, True], [0.2, 0.7])["auc"])
    o = outcomes(truth, np.array([0.5, 0.9, 0.1, 0.6]))
    assert o["TP"].tolist() == [1] and o["FN"].tolist() == [0] and o["FP"].tolist() == [3]


def test_one_vs_all_by_hand():
    classes = ("low-z", "hi-z", "galaxy", "point", "other")
    targets = np.array([0, 0, 1, 3, 3, 4])
    probs = np.array([[.6, .1, .1, .1, .1], [.1, .6, .1, .1, .1], [.1, .6, .1, .1, .1],
                      [.1, .1, .1, .6, .1], [.6, .1, .1, .1, .1], [.1, .1, .1, .1, .6]])
    r = one_vs_all(targets, probs, classes)
    # low-z: predicted {0, 4}, true {0, 1}: TP 1, FP 1, FN 1, TN 3
    assert (r["low-z"]["tp"], r["low-z"]["fp"], r["low-z"]["fn"], r["low-z"]["tn"]) == (1, 1, 1, 3)
    assert r["low-z"]["accuracy"] == pytest.approx(4 / 6)
    assert r["other"]["precision"] == 1.0 and r["other"]["auc"] == 1.0
    assert np.isnan(r["galaxy"]["auc"])  # no galaxy in the truth
    np.testing.assert_allclose(cluster_probability(probs, classes), probs[:, 0] + probs[:, 1])
    np.testing.assert_allclose(cluster_probability(np.array([[.3, .7]]), ("non-cluster", "cluster")), [.7])


def test_summary_is_mean_and_sample_std():
    runs = [{"accuracy": a, "precision": 0.8, "recall": 0.9, "auc": 0.95} for a in (0.88, 0.90, 0.92)]
    s = summarise(runs)
    assert s["accuracy"] == pytest.approx((0.90, 0.02))  # ddof = 1
    assert s["precision"] == pytest.approx((0.8, 0.0))
    text = format_summary({"CN-E": s})
    assert "CN-E" in text and "0.90 ± 0.02" in text


def test_stratified_split_and_kfold_like_table7():
    labels = np.r_[np.ones(1130, int), np.zeros(570, int)]
    keep, held = stratified_split(labels, 0.2, 0)
    assert len(np.intersect1d(keep, held)) == 0 and len(keep) + len(held) == 1700
    assert (labels[held] == 1).sum() == 226 and (labels[held] == 0).sum() == 114
    folds = kfold_splits(labels, 10, seed=1)
    assert len(folds) == 10
    tests = np.concatenate([te for _, _, te in folds])
    assert sorted(tests.tolist()) == list(range(1700))  # every stamp tested exactly once
    for tr, va, te in folds:
        assert not (set(tr) & set(va) or set(tr) & set(te) or set(va) & set(te))
        assert (labels[tr] == 1).sum() == 904 and (labels[te] == 1).sum() == 113
        assert (labels[va] == 1).sum() == 113
        assert abs((labels[te] == 0).sum() - 57) <= 1
    with pytest.raises(ValueError):
        kfold_splits(labels, 2)
