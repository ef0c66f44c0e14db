"""Eq. 1 weights and the §2.3 votes on a crowd small enough to work out by hand."""

import numpy as np
import pytest

from selfunc.crowd import aggregate, read_export, select_classifications, subject_votes, volunteer_weights

from .conftest import (
    DISTANT_CLUSTER,
    EDGE,
    NEARBY_CLUSTER,
    NO_EMISSION,
    POINT,
    export_row,
    write_rows,
)

# subject -> [(user, path)]; subject "D" splits T0 one to one.
CROWD = {
    "A": [(1, NO_EMISSION), (2, EDGE), (3, EDGE)],
    "B": [(1, POINT), (2, POINT), (3, NO_EMISSION)],
    "C": [(1, NEARBY_CLUSTER), (2, NEARBY_CLUSTER), (3, NO_EMISSION)],
    "D": [(1, DISTANT_CLUSTER), (2, NO_EMISSION)],
}

# Worked out by hand: (C_i, Q_i) per user for T0..T5.
# user 1: T0 disagrees on A (no emission vs 2 emission), agrees on B, C and on D (a 1:1 tie
#         counts as majority for both answers); T1, T2 agree on B, C, D; T3 on C, D; T4 on C; T5 on D.
# user 2: agrees everywhere. user 3: T0 agrees on A only; T1 (edge) on A.
EXPECTED_C = {1: [3, 3, 3, 2, 1, 1], 2: [4, 3, 2, 1, 1, 0], 3: [1, 1, 0, 0, 0, 0]}
EXPECTED_Q = {1: [4, 3, 3, 2, 1, 1], 2: [4, 3, 2, 1, 1, 0], 3: [3, 1, 0, 0, 0, 0]}


@pytest.fixture
def hand_export(tmp_path):
    rows, cid = [], 1
    for subject, votes in CROWD.items():
        for user, path in votes:
            rows.append(export_row(cid, user, subject, path, minute=cid))
            cid += 1
    # Noise the selection must remove: user 1 classifies A again, later in time but earlier
    # in the file, and someone not logged in classifies C.
    rows.insert(0, export_row(99, 1, "A", NEARBY_CLUSTER, minute=59))
    rows.append(export_row(98, "not-logged-in-abc", "C", NO_EMISSION, minute=30, logged_in=False))
    return write_rows(tmp_path / "export.csv", rows)


def _by_user(weights, values):
    return {int(u): values[i].tolist() for i, u in enumerate(weights.user_ids) if weights.logged_in[i]}


def test_eq1_weights_by_hand(tree, hand_export):
    classifications, _ = read_export(hand_export, tree)
    kept, selection = select_classifications(classifications)
    assert (selection.n_not_logged_in, selection.n_repeated, selection.n_kept) == (1, 1, 11)
    weights = volunteer_weights(kept)
    assert _by_user(weights, weights.agreed) == EXPECTED_C
    assert _by_user(weights, weights.answered) == EXPECTED_Q
    g = _by_user(weights, weights.weight)
    np.testing.assert_allclose(g[1], [0.75, 1, 1, 1, 1, 1])
    np.testing.assert_allclose(g[3][:2], [1 / 3, 1])
    assert np.isnan(g[3][2:]).all() and np.isnan(g[2][5])
    table = weights.table()
    assert list(table.colnames[:5]) == ["user_id", "logged_in", "Q_T0", "C_T0", "G_T0"]


def test_weighted_and_unweighted_votes_by_hand(tree, hand_export):
    classifications, _ = read_export(hand_export, tree)
    result = aggregate(classifications)
    subjects = {row["subject_id"]: row for row in result.subjects}
    # A: no emission by user 1 (G_T0 = 3/4), edge by users 2 and 3 (G_T1 = 1).
    assert subjects["A"]["weighted_non_cluster"] == pytest.approx(0.75 + 1 + 1)
    # B: point by users 1 and 2 (G_T2 = 1), no emission by user 3 (G_T0 = 1/3).
    assert subjects["B"]["weighted_non_cluster"] == pytest.approx(2 + 1 / 3)
    # C: nearby cluster by users 1 and 2 (G_T4 = 1) against user 3's no emission (1/3).
    c = subjects["C"]
    assert (c["weighted_cluster"], c["weighted_non_cluster"]) == pytest.approx((2, 1 / 3))
    assert c["weighted_score"] == pytest.approx(6 / 7) and c["unweighted_score"] == pytest.approx(2 / 3)
    assert c["weighted_label"] == c["unweighted_label"] == "cluster"
    # D: 1 vote each way with weight 1 each: a tie, which is non-cluster.
    d = subjects["D"]
    assert (d["n_cluster"], d["n_non_cluster"]) == (1, 1)
    assert (d["weighted_cluster"], d["weighted_non_cluster"]) == pytest.approx((1, 1))
    assert d["weighted_label"] == d["unweighted_label"] == "non-cluster"
    assert d["weighted_score"] == 0.5
    # Answer counts along the paths.
    assert (c["n_emission"], c["n_no_emission"], c["n_nearby_cluster"], c["n_galaxies"]) == (2, 1, 2, 2)
    assert subjects["A"]["n_classifications"] == 3  # the repeat is gone


def test_weighting_can_flip_a_label(tree, tmp_path):
    # Two consistent volunteers say cluster, three say "no emission" on this subject, but
    # those three disagree with the majority on ten other subjects: their G_T0 is low.
    rows, cid = [], 1
    for user, path in [(1, NEARBY_CLUSTER), (2, NEARBY_CLUSTER), (3, NO_EMISSION), (4, NO_EMISSION), (5, NO_EMISSION)]:
        rows.append(export_row(cid, user, "X", path)); cid += 1
    for k in range(10):
        for user in (1, 2, 6, 7):
            rows.append(export_row(cid, user, f"S{k}", EDGE)); cid += 1
        for user in (3, 4, 5):
            rows.append(export_row(cid, user, f"S{k}", NO_EMISSION)); cid += 1
    classifications, _ = read_export(write_rows(tmp_path / "export.csv", rows), tree)
    x = {row["subject_id"]: row for row in aggregate(classifications).subjects}["X"]
    assert x["unweighted_label"] == "non-cluster"
    # Users 3-5 agree with the majority on T0 once (on X) in 11 answers: G_T0 = 1/11.
    assert x["weighted_non_cluster"] == pytest.approx(3 / 11)
    assert x["weighted_cluster"] == pytest.approx(2.0)
    assert x["weighted_label"] == "cluster"


def test_selection_keeps_first_in_time_and_can_be_switched_off(tree, hand_export):
    classifications, _ = read_export(hand_export, tree)
    kept, _ = select_classifications(classifications)
    assert 99 not in kept.classification_id and 98 not in kept.classification_id
    everything, selection = select_classifications(classifications, drop_not_logged_in=False, drop_repeats=False)
    assert len(everything) == len(classifications) == 13 and selection.n_kept == 13
    only_anonymous, selection = select_classifications(classifications, drop_repeats=False)
    assert (selection.n_not_logged_in, selection.n_repeated, len(only_anonymous)) == (1, 0, 12)


def test_subject_votes_default_weights_match_explicit(tree, hand_export):
    classifications, _ = read_export(hand_export, tree)
    kept, _ = select_classifications(classifications)
    a = subject_votes(kept)
    b = subject_votes(kept, volunteer_weights(kept))
    np.testing.assert_allclose(a["weighted_score"], b["weighted_score"])
