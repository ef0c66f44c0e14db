import csv
import gzip
import json
import re
import shutil

import numpy as np
import pytest

from selfunc.crowd import read_export, simulate_crowd, write_export
from selfunc.errors import SelfuncError

from .conftest import (
    DISTANT_CLUSTER,
    EDGE,
    NEARBY_CLUSTER,
    NO_EMISSION,
    POINT,
    export_row,
    write_rows,
)


@pytest.fixture(scope="module")
def simulated(tree):
    rng = np.random.default_rng(11)
    return simulate_crowd(tree, n_subjects=120, n_volunteers=40, votes_per_subject=8, rng=rng,
                          not_logged_in_fraction=0.1, repeat_fraction=0.05)


@pytest.mark.parametrize("values", ["index", "label"])
def test_round_trip(tmp_path, tree, simulated, values):
    original = simulated.classifications
    path = write_export(tmp_path / "export.csv", original, values=values)
    read, report = read_export(path, tree)
    assert report.n_rows == report.n_classifications == len(original)
    assert report.bad_rows == () and report.n_other_workflow == 0
    np.testing.assert_array_equal(read.path, original.path)
    np.testing.assert_array_equal(read.subject_ids[read.subject], original.subject_ids[original.subject])
    np.testing.assert_array_equal(read.user_ids[read.user], original.user_ids[original.user])
    np.testing.assert_array_equal(read.logged_in[read.user], original.logged_in[original.user])
    np.testing.assert_array_equal(read.created_at, original.created_at)
    np.testing.assert_array_equal(read.classification_id, original.classification_id)
    np.testing.assert_array_equal(read.row, np.arange(1, len(original) + 1))


def test_gzip_export(tmp_path, tree, simulated):
    plain = write_export(tmp_path / "export.csv", simulated.classifications)
    packed = tmp_path / "export.csv.gz"
    with open(plain, "rb") as src, gzip.open(packed, "wb") as dst:
        shutil.copyfileobj(src, dst)
    read, report = read_export(packed, tree)
    assert report.n_classifications == len(simulated.classifications)
    np.testing.assert_array_equal(read.path, simulated.classifications.path)


def _malformed_rows():
    """Good rows interleaved with one row per kind of defect; returns rows and expected reasons."""
    good = [export_row(100 + k, 7 + k % 3, 500 + k % 4, path, minute=k)
            for k, path in enumerate([NO_EMISSION, EDGE, POINT, NEARBY_CLUSTER, DISTANT_CLUSTER, EDGE])]
    defects = [
        (export_row(201, 1, 600, (), annotations="[{\"task\": \"T0\""), r"not valid JSON"),
        (export_row(202, 1, 600, (("T0", 0), ("T2", 0))), r"task T2 was answered where the tree asks T1"),
        (export_row(203, 1, 600, (("T0", 0), ("T1", 0))), r"stops at 'usable' before an ending answer \(the tree asks T2 next\)"),
        (export_row(204, 1, 600, (("T0", 1), ("T1", 0))), r"task T1 was answered after the classification ended at 'no_emission'"),
        (export_row(205, 1, 600, (("T0", 7),)), r"task T0 has answer index 7, expected 0..1"),
        (export_row(206, 1, 600, (("T0", "Maybe"),)), r"task T0 has answer 'Maybe', expected one of"),
        (export_row(207, 1, 600, (("T0", [0, 1]),)), r"list value"),
        (export_row(208, 1, 600, (("T9", 0),)), r"task 'T9' is not in the decision tree"),
        (export_row(209, 1, 600, (("T0", None),)), r"task T0 has value None"),
        (export_row("abc", 1, 600, NO_EMISSION), r"classification_id 'abc' is not an integer"),
        (export_row(210, 1, "", NO_EMISSION), r"column 'subject_ids' is empty"),
        (export_row(100, 1, 600, NO_EMISSION), r"classification_id 100 repeats row 1"),
        (dict(export_row(211, 1, 600, NO_EMISSION), created_at="yesterday"), r"created_at 'yesterday' is not a UTC time"),
        (dict(export_row(212, 1, 600, NO_EMISSION), created_at="2019-01-01 10:00:00+02:00"), r"is not a UTC time"),
        (export_row(213, "", 600, NO_EMISSION, logged_in=False), r"no user_id and no user_name"),
        (export_row(214, 1, 600, (), annotations="{}"), r"must be a JSON list"),
        (export_row(215, 1, 600, (), annotations="[]"), r"no annotation answers a question"),
    ]
    rows, expected = [], []
    for k, (row, reason) in enumerate(defects):
        rows.append(good[k % len(good)] if k < len(good) else export_row(300 + k, 9, 700, NO_EMISSION, minute=k))
        rows.append(row)
        expected.append((len(rows), reason))
    return rows, expected


def test_malformed_rows_are_reported_with_row_and_reason(tmp_path, tree):
    rows, expected = _malformed_rows()
    path = write_rows(tmp_path / "export.csv", rows)
    classifications, report = read_export(path, tree, on_error="collect")
    assert [b.row for b in report.bad_rows] == [r for r, _ in expected]
    for bad, (row, reason) in zip(report.bad_rows, expected):
        assert bad.row == row
        assert bad.line == row + 1  # one header line, no multi-line fields here
        assert re.search(reason, bad.reason), (bad.row, bad.reason)
    # Nothing is dropped silently: every row is either a classification or reported.
    assert report.n_rows == len(rows)
    assert report.n_classifications + len(report.bad_rows) == report.n_rows
    assert len(classifications) == len(rows) - len(expected)
    good_rows = sorted(set(range(1, len(rows) + 1)) - {r for r, _ in expected})
    np.testing.assert_array_equal(classifications.row, good_rows)


def test_raise_mode_stops_at_first_bad_row(tmp_path, tree):
    rows, expected = _malformed_rows()
    path = write_rows(tmp_path / "export.csv", rows)
    with pytest.raises(SelfuncError) as info:
        read_export(path, tree)
    row, reason = expected[0]
    message = str(info.value)
    assert message.startswith(f"{path}: row {row} (line {row + 1}): ")
    assert "not valid JSON" in message and "\n" not in message


def test_line_numbers_follow_multiline_fields(tmp_path, tree):
    multiline = json.dumps([{"task": "T0", "task_label": "Is there emission?", "value": 1}], indent=1)
    n_lines = multiline.count("\n") + 1
    rows = [
        export_row(1, 1, 10, (), annotations=multiline),
        export_row(2, 1, 11, (), annotations=multiline),
        export_row(3, 1, 12, (("T0", 5),)),
    ]
    path = write_rows(tmp_path / "export.csv", rows)
    _, report = read_export(path, tree, on_error="collect")
    (bad,) = report.bad_rows
    assert (bad.row, bad.line) == (3, 2 + 2 * n_lines)  # the header, then two multi-line rows


def test_wrong_field_count_and_blank_lines(tmp_path, tree):
    path = write_rows(tmp_path / "export.csv", [export_row(1, 1, 10, NO_EMISSION), export_row(2, 1, 11, EDGE)])
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("\n3,short,row\n\n")
    classifications, report = read_export(path, tree, on_error="collect")
    assert len(classifications) == 2
    (bad,) = report.bad_rows
    assert bad.row == 3 and bad.line == 5 and bad.reason == "has 3 fields, the header has 14"


def test_missing_columns_and_empty_file(tmp_path, tree):
    path = write_rows(tmp_path / "export.csv", [export_row(1, 1, 10, NO_EMISSION)],
                      columns=("classification_id", "user_name", "created_at", "annotations", "subject_ids"))
    with pytest.raises(SelfuncError, match=r"missing column\(s\) \['user_id', 'workflow_id'\]"):
        read_export(path, tree)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(SelfuncError, match="empty file"):
        read_export(empty, tree)
    with pytest.raises(SelfuncError, match="cannot read classification export"):
        read_export(tmp_path / "absent.csv", tree)


def test_workflow_and_version_filters(tmp_path, tree):
    rows = [
        export_row(1, 1, 10, NO_EMISSION, workflow_id=5, version="3.10"),
        export_row(2, 1, 11, NO_EMISSION, workflow_id=6, version="3.10"),
        export_row(3, 1, 12, NO_EMISSION, workflow_id=5, version="3.9"),
        export_row(4, 1, 13, NO_EMISSION, workflow_id=5, version="4.1"),
        export_row(5, 1, 14, NO_EMISSION, workflow_id=5, version="x"),
    ]
    path = write_rows(tmp_path / "export.csv", rows)
    restricted = tree.model_copy(update={"workflow_id": 5, "min_workflow_version": "3.10"})
    classifications, report = read_export(path, restricted, on_error="collect")
    np.testing.assert_array_equal(classifications.classification_id, [1, 4])
    assert (report.n_other_workflow, report.n_old_version) == (1, 1)
    assert [(b.row, b.reason) for b in report.bad_rows] == [(5, "workflow_version 'x' is not like '16.55'")]
    assert report.n_rows == 2 + 1 + 1 + 1


def test_ignored_tasks_are_skipped(tmp_path, tree):
    comment = json.dumps([{"task": "T0", "value": 0}, {"task": "T1", "value": 1},
                          {"task": "T9", "value": "a free-text comment"}])
    path = write_rows(tmp_path / "export.csv", [export_row(1, 1, 10, (), annotations=comment)])
    with pytest.raises(SelfuncError, match="task 'T9' is not in the decision tree"):
        read_export(path, tree)
    classifications, _ = read_export(path, tree.model_copy(update={"ignore_tasks": ("T9",)}))
    assert tree.answer_keys[classifications.ending[0]] == "edge"


def test_labels_match_case_insensitively(tmp_path, tree):
    rows = [export_row(1, 1, 10, (("T0", "no emission"),)), export_row(2, 1, 11, (("T0", "Yes, there is X-ray emission"), ("T1", "Edge")))]
    classifications, _ = read_export(write_rows(tmp_path / "export.csv", rows), tree)
    assert [tree.answer_keys[e] for e in classifications.ending] == ["no_emission", "edge"]


def test_invalid_utf8_in_a_used_column(tmp_path, tree):
    path = write_rows(tmp_path / "export.csv", [export_row(1, 1, 10, NO_EMISSION, logged_in=False),
                                                export_row(2, 2, 11, NO_EMISSION)])
    data = path.read_bytes().replace(b"\n1,1,,", b"\n1,caf\xe9,,", 1)
    path.write_bytes(data)
    classifications, report = read_export(path, tree, on_error="collect")
    (bad,) = report.bad_rows
    assert bad.row == 1 and "column 'user_name' has bytes that are not valid utf-8" in bad.reason
    assert len(classifications) == 1
    latin, report = read_export(path, tree, encoding="latin-1")
    assert report.bad_rows == () and len(latin) == 2
    assert "café" in latin.user_ids.tolist()


def test_raise_mode_is_the_default_and_on_error_is_checked(tmp_path, tree):
    path = write_rows(tmp_path / "export.csv", [export_row(1, 1, 10, NO_EMISSION)])
    with pytest.raises(ValueError, match="on_error"):
        read_export(path, tree, on_error="ignore")
    with pytest.raises(SelfuncError, match="unknown text encoding"):
        read_export(path, tree, encoding="klingon")


def test_long_annotations_and_the_csv_limit(tmp_path, tree):
    long_comment = json.dumps([{"task": "T0", "value": 1}, {"task": "T9", "value": "x" * 300_000}])
    path = write_rows(tmp_path / "export.csv", [export_row(1, 1, 10, (), annotations=long_comment)])
    before = csv.field_size_limit()
    classifications, report = read_export(path, tree.model_copy(update={"ignore_tasks": ("T9",)}))
    assert len(classifications) == 1 and report.bad_rows == ()
    assert csv.field_size_limit() == before
