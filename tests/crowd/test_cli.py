import argparse
import csv
import json

import numpy as np
import pytest
from astropy.table import Table

import selfunc.cli
from selfunc.cli import crowd as crowd_cli
from selfunc.crowd import simulate_crowd, write_export
from selfunc.errors import SelfuncError

from .conftest import NO_EMISSION, export_row, write_rows


def run(argv):
    parser = argparse.ArgumentParser(prog="selfunc")
    sub = parser.add_subparsers(dest="command")
    crowd_cli.register(sub)
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.fixture(scope="module")
def project(tree, tmp_path_factory):
    """A simulated project export and expert labels from its truth, 1 in 5 moderated."""
    folder = tmp_path_factory.mktemp("project")
    rng = np.random.default_rng(7)
    sim = simulate_crowd(tree, n_subjects=300, n_volunteers=120, votes_per_subject=12, rng=rng,
                         not_logged_in_fraction=0.05, repeat_fraction=0.02)
    export = write_export(folder / "export.csv", sim.classifications)
    category = {a.key: (a.expert_match[0] if a.expert_match else "double source") for a in tree.answers if a.leaf}
    experts = folder / "experts.csv"
    with open(experts, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["subject_id", "expert_1", "expert_2", "moderator", "subsets"])
        for k, (sid, ending) in enumerate(zip(sim.classifications.subject_ids, sim.true_ending)):
            c = category[tree.answer_keys[ending]]
            writer.writerow([sid, c, "edge" if k % 5 == 0 else c, c if k % 5 == 0 else "", "spec" if k % 2 else ""])
    return sim, export, experts


@pytest.mark.slow
def test_aggregate_with_experts_writes_everything(project, tmp_path, capsys):
    sim, export, experts = project
    out = tmp_path / "out"
    assert run(["crowd", "aggregate", str(export), "--experts", str(experts), "--out", str(out)]) == 0
    for name in ("subjects", "volunteers", "experts", "comparison", "roc", "answer_experts", "answer_agreement"):
        assert (out / f"{name}.csv").is_file(), name
    for name in ("roc.png", "answer_agreement.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    summary = json.loads((out / "summary.json").read_text())
    n = len(sim.classifications)
    assert summary["rows"] == summary["classifications_read"] == n
    assert summary["classifications_used"] == n - summary["not_logged_in_dropped"] - summary["repeats_dropped"]
    assert summary["subjects"] == 300 and summary["n_expert_unresolved"] == 0
    comparison = Table.read(out / "comparison.csv", format="ascii.csv")
    assert list(comparison["data_set"]) == ["all", "all", "spec", "spec"]
    all_weighted = comparison[1]
    assert all_weighted["tp"] + all_weighted["fn"] == int(np.sum(sim.is_cluster))
    assert all_weighted["n"] == summary["n_matched"]
    subjects = Table.read(out / "subjects.csv", format="ascii.csv")
    assert len(subjects) == 300 and subjects["n_classifications"].sum() == summary["classifications_used"]
    printed = capsys.readouterr().out
    assert "all   weighted: n=" in printed and "wrote" in printed


@pytest.mark.slow
def test_hdf5_format(project, tmp_path):
    _, export, experts = project
    out = tmp_path / "out"
    assert run(["crowd", "aggregate", str(export), "--experts", str(experts), "--out", str(out), "--format", "hdf5"]) == 0
    subjects = Table.read(out / "crowd.h5", path="subjects")
    comparison = Table.read(out / "crowd.h5", path="comparison")
    assert len(subjects) == 300 and len(comparison) == 4
    assert comparison.meta["reference"] == "Kosiba et al. 2020, Table 1"


def test_keep_flags_change_the_selection(project, tmp_path):
    _, export, _ = project
    out = tmp_path / "out"
    run(["crowd", "aggregate", str(export), "--out", str(out), "--keep-not-logged-in", "--keep-repeats"])
    summary = json.loads((out / "summary.json").read_text())
    assert summary["not_logged_in_dropped"] == summary["repeats_dropped"] == 0
    assert summary["classifications_used"] == summary["rows"]


def test_bad_rows_stop_or_are_listed(tree, tmp_path):
    rows = [export_row(1, 1, 10, NO_EMISSION), export_row(2, 2, 10, (("T0", 9),)), export_row(3, 3, 11, NO_EMISSION)]
    export = write_rows(tmp_path / "export.csv", rows)
    with pytest.raises(SelfuncError, match=r"row 2 \(line 3\): task T0 has answer index 9"):
        run(["crowd", "aggregate", str(export), "--out", str(tmp_path / "a")])
    assert run(["crowd", "aggregate", str(export), "--out", str(tmp_path / "b"), "--skip-bad-rows"]) == 0
    with open(tmp_path / "b" / "bad_rows.csv", newline="") as handle:
        listed = list(csv.DictReader(handle))
    assert listed == [{"row": "2", "line": "3", "classification_id": "2",
                       "reason": "task T0 has answer index 9, expected 0..1"}]


def test_errors_exit_with_status_2_through_main(tree, tmp_path, monkeypatch, capsys):
    # Only `crowd` is registered here, so the test depends on no other sub-command module.
    monkeypatch.setattr(selfunc.cli, "COMMANDS", ("crowd",))
    export = write_rows(tmp_path / "export.csv", [export_row(1, 1, 10, NO_EMISSION)])
    status = selfunc.cli.main(["crowd", "aggregate", str(export), "--tree", "no_such_tree", "--out", str(tmp_path)])
    assert status == 2
    err = capsys.readouterr().err
    assert err.startswith("selfunc crowd: error: no decision-tree preset 'no_such_tree'") and err.count("\n") == 1
    experts = tmp_path / "experts.csv"
    experts.write_text("subject_id,category\n99,edge\n")
    status = selfunc.cli.main(["crowd", "aggregate", str(export), "--experts", str(experts), "--out", str(tmp_path / "o")])
    assert status == 2
    assert "no expert-labelled subject has a crowd label" in capsys.readouterr().err
