"""Real Zooniverse exports (shared/data/real/zooniverse, see its README §5).

They hold real user names: assertions here compare counts, row numbers and reasons only,
never user fields, so that nothing personal reaches the test output.
"""

import numpy as np
import pytest

from selfunc.crowd import aggregate, load_tree, read_export
from selfunc.errors import SelfuncError

YES_NO = (
    'name = "{name}"\nfirst_task = "{task}"\n{extra}\n'
    '[[questions]]\ntask = "{task}"\nanswers = [{{ key = "yes", label = "Yes", leaf = "cluster" }},'
    ' {{ key = "no", label = "No", leaf = "non-cluster" }}]\n'
)


def yes_no_tree(tmp_path, task, extra="", name="yes-no"):
    path = tmp_path / "tree.toml"
    path.write_text(YES_NO.format(name=name, task=task, extra=extra))
    return load_tree(path)


def test_slsn_export_is_all_not_logged_in(zooniverse_data, tmp_path):
    # Workflow 10 asks T0 then T1; counting T0 only needs T1 ignored.
    tree = yes_no_tree(tmp_path, "T0", 'ignore_tasks = ["T1"]')
    classifications, report = read_export(zooniverse_data / "aggregation_for_caesar_slsn" / "cls_export.csv", tree)
    assert report.n_rows == len(classifications) == 7 and report.bad_rows == ()
    assert len(classifications.subject_ids) == 7
    assert not classifications.logged_in.any()
    assert [tree.answer_keys[e] for e in classifications.ending].count("yes") == 3
    with pytest.raises(SelfuncError, match="no classifications left to aggregate: 7 read, 7 by volunteers not logged in"):
        aggregate(classifications)
    kept = aggregate(classifications, drop_not_logged_in=False)
    assert kept.subjects["n_classifications"].sum() == 7


def test_andromeda_export_mixed_versions_and_drawing_task(zooniverse_data, tmp_path):
    export = zooniverse_data / "data_digging" / "ap-aas229-test-classifications.csv"
    # Version 49.26 asked T1 (a yes/no question) before the drawing task T0; the other
    # versions only had the drawing task, so their rows answer no question of this tree.
    tree = yes_no_tree(tmp_path, "T1", 'ignore_tasks = ["T0"]\nworkflow_id = 3149')
    with pytest.raises(SelfuncError, match=r"row 1 \(line 2\): no annotation answers a question"):
        read_export(export, tree)
    classifications, report = read_export(export, tree, on_error="collect")
    assert report.n_rows == 63 and len(classifications) == 2
    assert len(report.bad_rows) == 61
    assert {b.reason for b in report.bad_rows} == {"no annotation answers a question of the decision tree"}
    assert [tree.answer_keys[e] for e in classifications.ending] == ["yes", "yes"]

    newer = tree.model_copy(update={"min_workflow_version": "49.26"})
    classifications, report = read_export(export, newer, on_error="collect")
    assert (report.n_old_version, len(report.bad_rows), len(classifications)) == (7, 54, 2)
    other = tree.model_copy(update={"workflow_id": 1})
    _, report = read_export(export, other)
    assert report.n_other_workflow == 63 and report.n_classifications == 0


def test_non_utf8_survey_export_reports_every_row(zooniverse_data, tmp_path):
    # camcat_sa.csv is not valid UTF-8 (in workflow_name, a column we do not use) and holds
    # a survey task, which a question tree cannot read: every row must be reported.
    export = zooniverse_data / "data_digging" / "camcat_sa.csv"
    tree = yes_no_tree(tmp_path, "T0")
    classifications, report = read_export(export, tree, on_error="collect")
    assert report.n_rows == 1000 and len(classifications) == 0
    assert len(report.bad_rows) == 1000
    assert all("list value" in b.reason and "survey" in b.reason for b in report.bad_rows)
    np.testing.assert_array_equal([b.row for b in report.bad_rows], np.arange(1, 1001))
    with pytest.raises(SelfuncError, match=r"camcat_sa.csv: row 1 \(line 2\): task T0 has a list value"):
        read_export(export, tree)


def test_flattened_extract_is_not_an_export(zooniverse_data, tmp_path):
    extract = zooniverse_data / "data_digging" / "presence-or-absence-classifications-beta-extract.csv"
    with pytest.raises(SelfuncError, match=r"not a Zooniverse classification export: missing column\(s\) \['workflow_id', 'annotations'\]"):
        read_export(extract, yes_no_tree(tmp_path, "T0"))
