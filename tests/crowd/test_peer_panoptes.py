"""Peer check: per-subject answer counts equal those of Zooniverse's own aggregation code.

``panoptes_aggregation`` (the question extractor, then the question reducer, run through its
offline CSV scripts) counts the answers to each question task per subject. Its offline
reducer does not de-duplicate repeated classifications (in 5.3.1 ``batch_reduce`` hands
the builtin ``filter`` to ``reduce_subject``, so ``filter='first'`` never applies) and keeps
volunteers who were not logged in. So we compare (a) with our selection switched off on the
raw export and (b) with our selection on against panoptes run on an export that pandas
filtered independently (drop user_id-less rows, keep each user's earliest classification of
a subject).
"""

import numpy as np
import pytest

from selfunc.crowd import answer_counts, load_tree, read_export, select_classifications, simulate_crowd, write_export

panoptes = pytest.importorskip(
    "panoptes_aggregation",
    reason="panoptes-aggregation (Zooniverse's aggregation library, a test-only dependency) is not installed",
)
import pandas as pd  # noqa: E402  (a dependency of panoptes-aggregation)
from panoptes_aggregation.extractors.question_extractor import slugify_or_null  # noqa: E402
from panoptes_aggregation.scripts.extract_panoptes_csv import extract_csv  # noqa: E402
from panoptes_aggregation.scripts.reduce_panoptes_csv import reduce_csv  # noqa: E402


def panoptes_counts(export, tasks, workflow_id, workflow_version, workdir) -> dict:
    """{(subject_id, task, answer key): count} from panoptes_aggregation's extract + reduce."""
    extractor = workdir / "extractor.yaml"
    extractor.write_text(
        "extractor_config:\n  question_extractor:\n" + "".join(f"  - task: {t}\n" for t in tasks)
        + f"workflow_id: {workflow_id}\nworkflow_version: '{workflow_version}'\n"
    )
    reducer = workdir / "reducer.yaml"
    reducer.write_text("reducer_config:\n  question_reducer: {}\n")
    (extracts,) = extract_csv(str(export), str(extractor), output_dir=str(workdir), output_name="extracts",
                              hide_progressbar=True)
    reduced = reduce_csv(extracts, str(reducer), output_dir=str(workdir), output_name="reductions",
                         hide_progressbar=True)
    table = pd.read_csv(reduced)
    counts = {}
    for _, row in table.iterrows():
        for column in table.columns:
            if column.startswith("data.") and column != "data.aggregation_version" and pd.notna(row[column]):
                counts[(str(row["subject_id"]), row["task"], column[len("data."):])] = int(row[column])
    return counts


def our_counts(classifications, values) -> dict:
    """The same dictionary from our reader, keyed like panoptes (index or slugified label)."""
    tree = classifications.tree
    counts = answer_counts(classifications)
    out = {}
    for s, j in zip(*np.nonzero(counts)):
        q = tree.answer_question[j]
        position = int(j - tree.question_offsets[q])
        key = str(position) if values == "index" else slugify_or_null(tree.questions[q].answers[position].label)
        out[(str(classifications.subject_ids[s]), tree.questions[q].task, key)] = int(counts[s, j])
    return out


def test_real_slsn_export_matches_panoptes(zooniverse_data, tmp_path):
    # Workflow 10 of the Superluminous Supernovae project: T0 Yes -> T1, No ends; T1 ends.
    tree_file = tmp_path / "slsn.toml"
    tree_file.write_text(
        'name = "SLSN"\nfirst_task = "T0"\nworkflow_id = 10\nmin_workflow_version = "16.55"\n'
        '[[questions]]\ntask = "T0"\nanswers = [{ key = "rising", label = "Yes", next = "T1" },'
        ' { key = "not_rising", label = "No", leaf = "non-cluster" }]\n'
        '[[questions]]\ntask = "T1"\nanswers = [{ key = "host", label = "Yes", leaf = "cluster" },'
        ' { key = "no_host", label = "No", leaf = "non-cluster" }]\n'
    )
    tree = load_tree(tree_file)
    export = zooniverse_data / "aggregation_for_caesar_slsn" / "cls_export.csv"
    classifications, report = read_export(export, tree)
    assert report.n_rows == report.n_classifications == 7
    theirs = panoptes_counts(export, ["T0", "T1"], 10, "16.55", tmp_path)
    ours = our_counts(classifications, "label")
    assert sum(ours.values()) == 10  # 7 answers to T0, 3 to T1
    assert ours == theirs
    # All seven were made by a volunteer who was not logged in: the paper's selection drops them.
    kept, selection = select_classifications(classifications)
    assert len(kept) == 0 and selection.n_not_logged_in == 7


@pytest.fixture(scope="module")
def hunt_crowd():
    tree = load_tree()
    rng = np.random.default_rng(42)
    return simulate_crowd(tree, n_subjects=50, n_volunteers=60, votes_per_subject=12, rng=rng,
                          not_logged_in_fraction=0.1, repeat_fraction=0.08)


@pytest.mark.parametrize("values", ["index", "label"])
def test_hunt_export_matches_panoptes(hunt_crowd, tmp_path, values):
    tree = hunt_crowd.classifications.tree
    export = write_export(tmp_path / "export.csv", hunt_crowd.classifications, values=values,
                          workflow_id=4321, workflow_version="12.34")
    classifications, _ = read_export(export, tree)
    raw, _ = select_classifications(classifications, drop_not_logged_in=False, drop_repeats=False)
    theirs = panoptes_counts(export, [q.task for q in tree.questions], 4321, "12.34", tmp_path)
    ours = our_counts(raw, values)
    assert len(ours) > 300 and sum(ours.values()) == raw.depth.sum()
    assert ours == theirs


def test_hunt_export_with_selection_matches_prefiltered_panoptes(hunt_crowd, tmp_path):
    tree = hunt_crowd.classifications.tree
    export = write_export(tmp_path / "export.csv", hunt_crowd.classifications, workflow_id=4321,
                          workflow_version="12.34")
    classifications, _ = read_export(export, tree)
    kept, selection = select_classifications(classifications)
    assert selection.n_not_logged_in > 0 and selection.n_repeated > 0

    frame = pd.read_csv(export, dtype=str, keep_default_na=False)
    frame = frame[frame["user_id"] != ""]
    frame = frame.assign(_t=pd.to_datetime(frame["created_at"].str.removesuffix(" UTC")),
                         _id=frame["classification_id"].astype(int))
    frame = frame.sort_values(["_t", "_id"]).drop_duplicates(["user_id", "subject_ids"], keep="first")
    filtered = tmp_path / "filtered.csv"
    frame.drop(columns=["_t", "_id"]).to_csv(filtered, index=False)
    assert len(frame) == len(kept)

    theirs = panoptes_counts(filtered, [q.task for q in tree.questions], 4321, "12.34", tmp_path)
    assert our_counts(kept, "index") == theirs
