"""``train-cnn``, ``apply-cnn``, ``evaluate-cnn`` and ``export-simput``: bad numbers, paths and
files are one line before any model is built, and earlier outputs are left as they were."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.table import Table

from .conftest import assert_one_line_error, run_cli

OLD = b"an earlier output"


def _run(in_tmp, argv, out="out.keras"):
    (in_tmp / out).write_bytes(OLD)
    result = run_cli(argv)
    assert (in_tmp / out).read_bytes() == OLD
    return result


@pytest.mark.parametrize("args, needle", [
    (["--epochs", "0"], "--epochs"), (["--iterations", "-1"], "--iterations"),
    (["--batch-size", "0"], "--batch-size"), (["--seed", "-1"], "--seed"),
    (["--epochs", "nan"], "--epochs"), (["--input", "radio"], "--input"),
    (["--channel-order", "R,G"], "channel"), (["--preset", "no_such_preset"], "no_such_preset"),
    (["--out", "model.h5"], ".keras")],
    ids=["epochs 0", "iterations -1", "batch-size 0", "seed -1", "epochs nan",
         "unknown input", "bad channel order", "missing preset", "out not .keras"])
def test_train_cnn_options(in_tmp, args, needle):
    (in_tmp / "stamps.h5").write_bytes(b"not hdf5")
    argv = ["train-cnn", "stamps.h5", *args]
    if "--out" not in args:
        argv += ["--out", "out.keras"]
    assert_one_line_error(_run(in_tmp, argv), needle)


@pytest.mark.parametrize("data, needle", [
    ("missing.h5", "missing.h5"), ("stamps.h5", "stamps.h5"), ("afolder", "afolder")],
    ids=["missing data", "data not HDF5", "folder of another kind"])
def test_train_cnn_data(in_tmp, data, needle):
    (in_tmp / "stamps.h5").write_bytes(b"not hdf5")
    (in_tmp / "afolder").mkdir()
    assert_one_line_error(_run(in_tmp, ["train-cnn", data, "--out", "out.keras"]), needle)


@pytest.mark.parametrize("args, needle", [
    (["missing.keras", "cand.fits", "--images", "x.fits", "--out", "out.fits"], "missing.keras"),
    (["fake.keras", "cand.fits", "--images", "x.fits", "--out", "out.fits"], "fake.keras"),
    (["fake.keras", "cand.fits", "--images", "x.fits", "--out", "out.fits", "--batch-size",
      "0"], "--batch-size")],
    ids=["missing model", "model not Keras", "batch-size 0"])
def test_apply_cnn(in_tmp, args, needle):
    (in_tmp / "fake.keras").write_bytes(b"not a zip")
    assert_one_line_error(_run(in_tmp, ["apply-cnn", *args], out="out.fits"), needle)


@pytest.mark.parametrize("args, needle", [
    (["--threshold", "nan"], "--threshold"), (["--threshold", "1.5"], "--threshold"),
    (["--data", "missing.h5"], "missing.h5")],
    ids=["threshold nan", "threshold 1.5", "missing data"])
def test_evaluate_cnn(in_tmp, args, needle):
    argv = ["evaluate-cnn", "fake.keras", *args]
    if "--data" not in args:
        argv += ["--data", "missing.h5"]
    assert_one_line_error(_run(in_tmp, [*argv, "--out", "rep.json"], out="rep.json"), needle)


@pytest.fixture
def truth(in_tmp):
    t = Table({"id": [1], "kind": ["cluster"], "ra": [150.0], "dec": [2.0]})
    t.write(in_tmp / "partial.fits")
    raw = (in_tmp / "partial.fits").read_bytes()
    (in_tmp / "truncated.fits").write_bytes(raw[: len(raw) // 2])
    (in_tmp / "text.fits").write_text("not FITS")
    (in_tmp / "campaign").mkdir()
    return in_tmp


@pytest.mark.parametrize("args, needle", [
    (["missing.fits"], "missing.fits"), (["campaign"], "--pointing"),
    (["partial.fits", "--photons", "0"], "--photons"),
    (["campaign", "--pointing", "-1"], "--pointing"),
    (["partial.fits", "--seed", "-2"], "--seed"),
    (["text.fits"], "text.fits"), (["truncated.fits"], "truncated.fits"),
    (["partial.fits"], "missing columns"),
    (["partial.fits", "--config", "nope.toml"], "nope.toml"),
    (["campaign", "--pointing", "0"], "campaign.toml")],
    ids=["missing source", "folder without --pointing", "photons 0", "pointing -1",
         "seed -2", "not FITS", "truncated FITS", "not a truth table", "missing config",
         "pointing not in folder"])
def test_export_simput(truth, args, needle):
    assert_one_line_error(_run(truth, ["export-simput", *args, "--out", "out.simput.fits"],
                               out="out.simput.fits"), needle)


@pytest.mark.parametrize("argv", [
    ["train-cnn", "data.h5", "--out", "afile/m.keras"],
    ["apply-cnn", "m.keras", "c.fits", "--images", "x.fits", "--out", "afile/o.fits"],
    ["evaluate-cnn", "m.keras", "--data", "d.h5", "--out", "afile/r.json"],
    ["evaluate-cnn", "m.keras", "--data", "d.h5", "--plots", "afile"],
    ["export-simput", "t.fits", "--out", "afile/o.fits"]],
    ids=["train-cnn", "apply-cnn", "evaluate-cnn out", "evaluate-cnn plots", "export-simput"])
def test_outputs_under_a_file(in_tmp, argv):
    (in_tmp / "afile").write_text("x")
    assert_one_line_error(run_cli(argv), "afile")
    assert (in_tmp / "afile").read_text() == "x"
