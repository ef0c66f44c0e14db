"""``selfunc detect``: bad images, numbers and paths are one line, before any detection, and
an existing output catalogue is left as it was."""

from __future__ import annotations

import pytest

from .conftest import assert_one_line_error, run_cli

OUT = b"an earlier catalogue"


def _detect(in_tmp, images, counts="counts", *args, exposure="exposure"):
    out = in_tmp / "cat.fits"
    out.write_bytes(OUT)
    argv = ["detect", images[counts] if counts in images else counts]
    if exposure:
        argv += ["--exposure", images[exposure] if exposure in images else exposure]
    result = run_cli([*argv, *args, "--out", out])
    assert out.read_bytes() == OUT
    return result


@pytest.mark.parametrize("value, needle", [
    ("nan", "--energy"), ("-1", "--energy"), ("0", "--energy"), ("inf", "--energy"),
    ("abc", "--energy")], ids=["nan", "-1", "0", "inf", "abc"])
def test_energy_must_be_positive_and_finite(in_tmp, images, value, needle):
    line = assert_one_line_error(_detect(in_tmp, images, "counts", "--energy", value), needle)
    assert "positive" in line or "number" in line


@pytest.mark.parametrize("name, needle", [
    ("truncated", "truncated"), ("text", "cannot read"), ("empty", "cannot read"),
    ("nodata", "no 2-D image"), ("no_wcs", "celestial WCS"), ("missing.fits", "not found"),
    ("nan_counts", "NaN"), ("neg_counts", "negative"), ("huge", "at most 8192")],
    ids=["truncated FITS", "text file", "empty file", "no data", "no WCS", "missing",
         "NaN counts", "negative counts", "40000² image"])
def test_bad_counts_images(in_tmp, images, name, needle):
    line = assert_one_line_error(_detect(in_tmp, images, name), needle)
    assert name.split(".")[0] in line


@pytest.mark.parametrize("name, needle", [
    ("truncated", "truncated"), ("inf_exposure", "NaN or infinite"),
    ("neg_exposure", "negative"), ("small_exposure", "shape"), ("gone.fits", "not found")],
    ids=["truncated", "inf pixel", "negative pixel", "other shape", "missing"])
def test_bad_exposure_maps(in_tmp, images, name, needle):
    line = assert_one_line_error(_detect(in_tmp, images, "counts", exposure=name), needle)
    assert name.split(".")[0] in line


def test_bad_background_map(in_tmp, images):
    assert_one_line_error(_detect(in_tmp, images, "counts", "--background",
                                  str(images["truncated"])), "truncated.fits", "truncated")


@pytest.mark.parametrize("config, needle", [
    ("missing.toml", "--config missing.toml: file not found"),
    ("sub/missing.toml", "--config sub/missing.toml: file not found"),
    ("no_such_preset", "nor a detection preset"),
    ("bad.toml", "bad.toml: key 'n_scales'"),
    ("nan.toml", "nan.toml: key 'false_detection_rate'")],
    ids=["missing file", "missing file in folder", "missing preset", "bad key value",
         "nan value"])
def test_detection_config(in_tmp, images, config, needle):
    (in_tmp / "bad.toml").write_text("n_scales = 40\n")
    (in_tmp / "nan.toml").write_text("false_detection_rate = nan\n")
    line = assert_one_line_error(_detect(in_tmp, images, "counts", "--config", config), needle)
    assert "cli" not in line.split(":")[2]


@pytest.mark.parametrize("out, needle", [("afolder", "is a folder"), ("afile/cat.fits", "afile")],
                         ids=["out is a folder", "out under a file"])
def test_out_paths(in_tmp, images, out, needle):
    (in_tmp / "afolder").mkdir()
    (in_tmp / "afile").write_text("x")
    assert_one_line_error(run_cli(["detect", images["counts"], "--exposure", images["exposure"],
                                   "--out", out]), needle)


def test_unknown_camera(in_tmp, images):
    assert_one_line_error(_detect(in_tmp, images, "counts", "--camera", "epn"), "--camera")


@pytest.mark.parametrize("name", ["truncated", "huge"])
def test_one_line_also_in_a_real_process(in_tmp, images, name):
    """astropy logs some warnings to the process's own stderr, which the in-process runs
    above do not see: a subprocess does."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    src = Path(__file__).resolve().parents[2] / "src"
    done = subprocess.run([sys.executable, "-m", "selfunc", "detect", str(images[name]),
                           "--exposure", str(images["exposure"]), "--out", "cat.fits"],
                          capture_output=True, text=True, env={**os.environ,
                                                               "PYTHONPATH": str(src)})
    assert_one_line_error((done.returncode, done.stdout, done.stderr), name)
