import numpy as np
import pytest
from astropy.table import Table

from selfunc.crowd import (
    aggregate,
    answer_agreement,
    answer_expert_counts,
    classification_table,
    read_export,
    roc_auc,
    roc_table,
)

from .conftest import EDGE, NEARBY_CLUSTER, NO_EMISSION, POINT, export_row, write_rows


def _labels(n_tp, n_fn, n_fp, n_tn):
    """Predicted cluster flags for clusters first (TP then FN), then non-clusters (FP then TN)."""
    return np.r_[np.ones(n_tp, bool), np.zeros(n_fn, bool), np.ones(n_fp, bool), np.zeros(n_tn, bool)]


@pytest.fixture
def table1_inputs():
    """Crowd and expert tables whose counts are those of Table 1 (Kosiba et al. 2020)."""
    n = 404
    ids = np.array([f"{100000 + k}" for k in range(n)])
    truth = np.r_[np.ones(254, bool), np.zeros(150, bool)]
    unweighted = _labels(69, 185, 0, 150)
    weighted = _labels(102, 152, 1, 149)
    # The 170-object subsample: 85 clusters of which 55 weighted TP, 85 non-clusters with the FP.
    spec = np.zeros(n, bool)
    spec[:55] = True  # TP
    spec[102:132] = True  # 30 FN
    spec[254:255] = True  # the FP
    spec[255:339] = True  # 84 TN
    rng = np.random.default_rng(0)
    # Scores consistent with the labels, so that AUC is that of the labels plus noise.
    subjects = Table({
        "subject_id": ids,
        "unweighted_label": np.where(unweighted, "cluster", "non-cluster"),
        "unweighted_score": np.where(unweighted, 0.75, 0.25) + rng.uniform(-0.2, 0.2, n),
        "weighted_label": np.where(weighted, "cluster", "non-cluster"),
        "weighted_score": np.where(weighted, 0.75, 0.25) + rng.uniform(-0.2, 0.2, n),
    })
    category = np.where(truth, "low-z cluster", "point source")
    extra_ids = ["900001", "900002", "900003"]  # unused category, unresolved, not in the crowd
    experts = Table({
        "subject_id": np.r_[ids, extra_ids],
        "category": np.r_[category, ["fossil group", "", "edge"]],
        "resolution": np.r_[np.full(n, "agreed"), ["agreed", "unresolved", "agreed"]],
        "binary": np.r_[np.where(truth, "cluster", "non-cluster"), ["", "", "non-cluster"]],
        "five_class": np.r_[np.where(truth, "low-z", "point"), ["", "", "other"]],
        "subsets": np.r_[np.where(spec, "spec", ""), ["", "", ""]],
    })
    return subjects, experts, truth, spec


def test_classification_table_reproduces_table1(table1_inputs):
    subjects, experts, truth, spec = table1_inputs
    table = classification_table(subjects, experts)
    rows = {(r["data_set"], r["classification"]): r for r in table}
    paper = {
        ("all", "unweighted"): (404, 69, 150, 0, 185, 0.542, 1.000, 0.272),
        ("all", "weighted"): (404, 102, 149, 1, 152, 0.621, 0.990, 0.402),  # paper prints 0.401, see test_metrics
        ("spec", "weighted"): (170, 55, 84, 1, 30, 0.818, 0.982, 0.647),
    }
    for key, (n, tp, tn, fp, fn, a, p, r) in paper.items():
        row = rows[key]
        assert (row["n"], row["tp"], row["tn"], row["fp"], row["fn"]) == (n, tp, tn, fp, fn)
        assert (round(row["accuracy"], 3), round(row["precision"], 3), round(row["recall"], 3)) == (a, p, r)
    assert set(rows) == {("all", "unweighted"), ("all", "weighted"), ("spec", "unweighted"), ("spec", "weighted")}
    # AUC is that of the scores over the matched subjects.
    expected_auc = roc_auc(truth[spec], np.asarray(subjects["weighted_score"])[spec])
    assert rows[("spec", "weighted")]["auc"] == pytest.approx(expected_auc)
    assert table.meta["n_expert_not_used"] == 1
    assert table.meta["n_expert_unresolved"] == 1
    assert table.meta["n_expert_not_in_crowd"] == 1
    assert table.meta["n_matched"] == 404


def test_roc_table_matches_auc(table1_inputs):
    subjects, experts, *_ = table1_inputs
    roc = roc_table(subjects, experts)
    summary = classification_table(subjects, experts)
    for row in summary:
        mask = (roc["data_set"] == row["data_set"]) & (roc["classification"] == row["classification"])
        fpr, tpr = np.asarray(roc["fpr"][mask]), np.asarray(roc["tpr"][mask])
        assert fpr[0] == tpr[0] == 0 and fpr[-1] == tpr[-1] == 1
        assert np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2) == pytest.approx(row["auc"])


def test_answer_agreement_by_hand(tree, tmp_path):
    rows = [
        export_row(1, 1, "A", NO_EMISSION), export_row(2, 2, "A", EDGE), export_row(3, 3, "A", EDGE),
        export_row(4, 1, "B", POINT), export_row(5, 2, "B", EDGE), export_row(6, 3, "B", NO_EMISSION),
        export_row(7, 1, "C", NEARBY_CLUSTER), export_row(8, 2, "C", POINT), export_row(9, 3, "C", NEARBY_CLUSTER),
        export_row(10, 1, "Z", NEARBY_CLUSTER),  # no expert label: not counted
    ]
    classifications, _ = read_export(write_rows(tmp_path / "export.csv", rows), tree)
    experts = Table({"subject_id": ["A", "B", "C"], "category": ["edge", "double source", "low-z cluster"]})
    counts = {r["answer"]: r for r in answer_expert_counts(aggregate(classifications).classifications, experts)}
    assert counts["edge"]["n"] == 3 and counts["edge"]["edge"] == 2 and counts["edge"]["double source"] == 1
    assert counts["nearby_cluster"]["low-z cluster"] == 2 and counts["nearby_cluster"]["n"] == 2
    assert counts["not_nearby_cluster"]["n"] == 0
    agreement = {r["answer"]: r for r in answer_agreement(classifications, experts)}
    assert "not_nearby_cluster" not in agreement and "not_distant_cluster" not in agreement
    assert (agreement["edge"]["n_agree"], agreement["edge"]["n"]) == (2, 3)
    # "point" matches point source, star or AGN and double source: 1 of 2 (B yes, C no).
    assert agreement["point"]["fraction"] == pytest.approx(0.5)
    assert agreement["nearby_cluster"]["fraction"] == 1.0
    assert agreement["no_emission"]["n_agree"] == 0 and agreement["no_emission"]["n"] == 2
    assert np.isnan(agreement["distant_cluster"]["fraction"])
