"""``selfunc train-cnn``, ``evaluate-cnn`` and ``apply-cnn`` end to end on tiny stamps."""

import argparse
import json

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table

from selfunc.cli import apply_cnn, evaluate_cnn, train_cnn
from selfunc.errors import SelfuncError
from selfunc.stamps import write_dataset, write_public
from selfunc.sky.tangent import tangent_wcs

from .conftest import tiny_dataset


def cli(*argv):
    parser = argparse.ArgumentParser(prog="selfunc")
    sub = parser.add_subparsers(dest="command")
    for module in (train_cnn, evaluate_cnn, apply_cnn):
        module.register(sub)
    args = parser.parse_args([str(a) for a in argv])
    return args.func(args)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    write_public(root / "public", {"train": tiny_dataset(24), "test": tiny_dataset(12, seed=4, start=100)})
    assert cli("train-cnn", root / "public", "--out", root / "m.keras", "--epochs", 1,
               "--batch-size", 4, "--input", "xray") == 0
    return root


@pytest.mark.slow
def test_train_from_public_folder_and_evaluate(trained, capsys):
    root = trained
    assert (root / "m.keras").is_file() and not (root / "m.keras.ckpt").exists()
    assert cli("evaluate-cnn", root / "m.keras", root / "m.keras", "--data", root / "public",
               "--out", root / "report.json", "--plots", root / "plots") == 0
    out = capsys.readouterr().out
    assert "A " in out and "AUC" in out and "2 models" in out
    report = json.loads((root / "report.json").read_text())
    assert len(report["reports"]) == 2 and report["reports"][0]["n"] == 12
    assert report["reports"][0]["accuracy"] == report["reports"][1]["accuracy"]
    for name in ("roc.png", "confusion.png", "feature_maps.png", "activation.png"):
        assert (root / "plots" / name).stat().st_size > 1000, name
    assert list((root / "plots").glob("gallery_*.png"))


@pytest.mark.slow
def test_train_from_hdf5_five_classes(tmp_path):
    write_dataset(tiny_dataset(30), tmp_path / "stamps.h5")
    assert cli("train-cnn", tmp_path / "stamps.h5", "--out", tmp_path / "five.keras",
               "--task", "five", "--epochs", 1, "--batch-size", 10, "--no-augment") == 0
    write_dataset(tiny_dataset(10, seed=3, start=50), tmp_path / "test.h5")
    assert cli("evaluate-cnn", tmp_path / "five.keras", "--data", tmp_path / "test.h5",
               "--plots", tmp_path / "plots") == 0
    assert (tmp_path / "plots" / "roc_classes.png").is_file()


@pytest.mark.slow
def test_apply_cnn_adds_probabilities(trained, tmp_path):
    wcs = tangent_wcs(150.0, 2.0, 300, 2.5)
    counts = np.random.default_rng(0).poisson(0.05, (300, 300)).astype(np.int32)
    hdu = fits.ImageHDU(counts, header=wcs.to_header(), name="COUNTS")
    fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(tmp_path / "xray.fits")
    ra, dec = wcs.pixel_to_world_values([150, 100, 200], [150, 120, 180])
    Table({"cand_id": [0, 1, 2], "ra": ra, "dec": dec}).write(tmp_path / "cand.fits")
    assert cli("apply-cnn", trained / "m.keras", tmp_path / "cand.fits", "--images",
               tmp_path / "xray.fits", "--out", tmp_path / "scored.fits") == 0
    out = Table.read(tmp_path / "scored.fits")
    assert {"p_cluster", "p_non_cluster"} <= set(out.colnames) and len(out) == 3
    np.testing.assert_allclose(out["p_cluster"] + out["p_non_cluster"], 1.0, rtol=1e-5)
    assert ((out["p_cluster"] >= 0) & (out["p_cluster"] <= 1)).all()


@pytest.mark.slow
def test_cli_errors_are_selfunc_errors(trained, tmp_path):
    write_dataset(tiny_dataset(24), tmp_path / "s.h5")
    cli("train-cnn", tmp_path / "s.h5", "--out", tmp_path / "comp.keras", "--epochs", 1,
        "--batch-size", 4)
    with pytest.raises(SelfuncError, match="--optical"):
        cli("apply-cnn", tmp_path / "comp.keras", tmp_path / "c.fits", "--images",
            tmp_path / "x.fits", "--out", tmp_path / "o.fits")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SelfuncError, match="public layout"):
        cli("train-cnn", tmp_path / "empty", "--out", tmp_path / "e.keras")
    with pytest.raises(SelfuncError, match="channel order"):
        cli("train-cnn", tmp_path / "s.h5", "--out", tmp_path / "e.keras", "--channel-order", "rgb")
    with pytest.raises(SelfuncError, match=".keras"):
        cli("train-cnn", tmp_path / "s.h5", "--out", tmp_path / "e.h5")
