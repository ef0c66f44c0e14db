"""``selfunc fit``: bad numbers, rules, paths and campaign folders are one line before the
fit runs, and an existing selection file is left as it was."""

from __future__ import annotations

import shutil

import pytest

from selection.conftest import write_campaign

from .conftest import assert_one_line_error, run_cli

OLD = b"an earlier selection file"


@pytest.fixture(scope="module")
def campaign(tmp_path_factory):
    return write_campaign(tmp_path_factory.mktemp("campaign"), n_pointings=8,
                          clusters_per_pointing=20, agn_per_pointing=10)


def _fit(in_tmp, campaign, *args, out="sel.h5"):
    target = in_tmp / "sel.h5"
    target.write_bytes(OLD)
    result = run_cli(["fit", campaign, "--out", out, *args])
    assert target.read_bytes() == OLD
    return result


@pytest.mark.parametrize("args, needle", [
    (["--walkers", "0"], "--walkers"), (["--walkers", "-4"], "--walkers"),
    (["--walkers", "x"], "--walkers"), (["--walkers", "3"], "--walkers 3"),
    (["--max-steps", "0"], "--max-steps"), (["--max-steps", "-5"], "--max-steps"),
    (["--seed", "-1"], "--seed"), (["--seed", str(2**70)], "--seed"),
    (["--link", "probit"], "--link"),
    (["--covariates", "core_radius,colour"], "--covariates"),
    (["--selection", "C1 adn C2"], "adn"), (["--selection", ""], "selection is empty"),
    (["--selection", "(C1 or"], "selection"),
    (["--selection", "no_such_column > 1"], "no_such_column")],
    ids=["walkers 0", "walkers -4", "walkers x", "walkers < 2 ndim", "max-steps 0",
         "max-steps -5", "seed -1", "seed 2**70", "unknown link", "unknown covariate",
         "rule typo", "empty rule", "unclosed rule", "unknown column"])
def test_bad_options(in_tmp, campaign, args, needle):
    assert_one_line_error(_fit(in_tmp, campaign, "--overwrite", *args), needle)


def test_existing_output_needs_overwrite(in_tmp, campaign):
    assert_one_line_error(_fit(in_tmp, campaign), "sel.h5", "--overwrite")


@pytest.mark.parametrize("out, needle", [
    ("afolder", "is a folder"), ("afile/sel.h5", "is a file"), ("nowhere/sel.h5", "nowhere")],
    ids=["out is a folder", "out under a file", "out in a missing folder"])
def test_out_paths(in_tmp, campaign, out, needle):
    (in_tmp / "afolder").mkdir()
    (in_tmp / "afile").write_text("x")
    assert_one_line_error(_fit(in_tmp, campaign, out=out), out.split("/")[0], needle)


def test_plots_under_a_file(in_tmp, campaign):
    (in_tmp / "afile").write_text("x")
    assert_one_line_error(_fit(in_tmp, campaign, "--overwrite", "--plots", "afile/plots"),
                          "--plots", "afile")


@pytest.mark.parametrize("damage, needle", [
    ("missing folder", "no_campaign"), ("truncated truth", "truth.h5"),
    ("candidates not HDF5", "candidates.h5"), ("no catalogues", "catalogues")],
    ids=["missing folder", "truncated truth", "candidates not HDF5", "no catalogues"])
def test_damaged_campaign_folders(in_tmp, campaign, damage, needle):
    bad = in_tmp / "bad"
    if damage != "missing folder":
        shutil.copytree(campaign, bad)
    if damage == "truncated truth":
        f = bad / "catalogues" / "truth.h5"
        f.write_bytes(f.read_bytes()[:2000])
    elif damage == "candidates not HDF5":
        (bad / "catalogues" / "candidates.h5").write_text("not hdf5")
    elif damage == "no catalogues":
        shutil.rmtree(bad / "catalogues")
    target = "no_campaign" if damage == "missing folder" else bad
    assert_one_line_error(_fit(in_tmp, target, "--overwrite"), needle)


def test_missing_column(in_tmp, tmp_path):
    folder = write_campaign(tmp_path / "nocol", n_pointings=4, clusters_per_pointing=10,
                            agn_per_pointing=5, drop={"truth": ["core_radius"]})
    assert_one_line_error(_fit(in_tmp, folder, "--overwrite"), "core_radius")
