"""``selfunc crowd aggregate``: broken exports, trees, expert tables and output folders are one
line, and an earlier run's outputs are not mixed with a new run's."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from selfunc.crowd import load_tree, simulate_crowd, write_export

from .conftest import assert_one_line_error, run_cli, snapshot


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    folder = tmp_path_factory.mktemp("crowd")
    sim = simulate_crowd(load_tree(), n_subjects=40, n_volunteers=20, votes_per_subject=5,
                         rng=np.random.default_rng(2))
    path = write_export(folder / "export.csv", sim.classifications)
    with open(path, "rb") as src, gzip.open(folder / "export.csv.gz", "wb") as dst:
        dst.write(src.read())
    return path


def _bad_file(in_tmp, export, kind: str):
    raw = export.read_bytes()
    target = in_tmp / ("bad.csv.gz" if "gz" in kind else "bad.csv")
    if kind == "truncated gz":
        packed = gzip.compress(raw)
        target.write_bytes(packed[: len(packed) // 2])
    elif kind == "not gz":
        target.write_bytes(raw)
    elif kind == "empty":
        target.write_bytes(b"")
    elif kind == "binary":
        target.write_bytes(bytes(range(256)) * 4)
    elif kind == "no columns":
        target.write_text("a,b,c\n1,2,3\n")
    elif kind == "short row":
        lines = raw.decode().splitlines()
        target.write_text("\n".join([lines[0], lines[1].rsplit(",", 3)[0]]) + "\n")
    elif kind == "bad annotation":
        lines = raw.decode().splitlines()
        import csv
        import io

        rows = list(csv.reader(io.StringIO("\n".join(lines[:2]))))
        rows[1][rows[0].index("annotations")] = "[{not json"
        buf = io.StringIO()
        csv.writer(buf).writerows(rows)
        target.write_text(buf.getvalue())
    return target


@pytest.mark.parametrize("kind, needle", [
    ("truncated gz", "truncated"), ("not gz", "bad.csv.gz"), ("empty", "empty file"),
    ("binary", "bad.csv"), ("no columns", "missing column"), ("short row", "row 1"),
    ("bad annotation", "row 1")],
    ids=["truncated .csv.gz", "plain CSV named .gz", "empty", "binary", "not an export",
         "short row", "bad annotation"])
def test_broken_exports(in_tmp, export, kind, needle):
    bad = _bad_file(in_tmp, export, kind)
    out = in_tmp / "out"
    out.mkdir()
    (out / "subjects.csv").write_text("an earlier run\n")
    before = snapshot(out)
    assert_one_line_error(run_cli(["crowd", "aggregate", bad, "--out", out]), bad.name, needle)
    assert snapshot(out) == before


def test_missing_export(in_tmp):
    assert_one_line_error(run_cli(["crowd", "aggregate", "nope.csv", "--out", "out"]),
                          "nope.csv")
    assert not (in_tmp / "out").exists()


@pytest.mark.parametrize("args, needle", [
    (["--tree", "no_such_tree"], "no_such_tree"), (["--tree", "missing.toml"], "missing.toml"),
    (["--tree", "bin.toml"], "bin.toml"), (["--experts", "missing.csv"], "missing.csv"),
    (["--experts", "bin.csv"], "bin.csv"), (["--experts", "nocol.csv"], "subject_id"),
    (["--encoding", "klingon"], "klingon"), (["--format", "xls"], "--format"),
    (["--out", "afile"], "is a file"), (["--out", "afile/sub"], "afile")],
    ids=["unknown tree preset", "missing tree file", "binary tree", "missing experts",
         "binary experts", "experts without subject_id", "unknown encoding", "unknown format",
         "out is a file", "out under a file"])
def test_bad_options(in_tmp, export, args, needle):
    (in_tmp / "bin.toml").write_bytes(b"\xff\xfe\x00" * 10)
    (in_tmp / "bin.csv").write_bytes(b"subject_id\n\xff\xfe\x00\n")
    (in_tmp / "nocol.csv").write_text("id,category\n1,cluster\n")
    (in_tmp / "afile").write_text("x")
    argv = ["crowd", "aggregate", export, *args]
    if "--out" not in args:
        argv += ["--out", "out"]
    assert_one_line_error(run_cli(argv), needle)
    assert (in_tmp / "afile").read_text() == "x"


def test_a_new_run_removes_an_earlier_runs_files(in_tmp, export):
    out = in_tmp / "out"
    out.mkdir()
    for name in ("comparison.csv", "roc.png", "bad_rows.csv"):
        (out / name).write_text("an earlier run with experts\n")
    rc, stdout, _ = run_cli(["crowd", "aggregate", export, "--out", out])
    assert rc == 0
    assert sorted(p.name for p in out.iterdir()) == ["subjects.csv", "summary.json",
                                                     "volunteers.csv"]
    assert "removed" in stdout
