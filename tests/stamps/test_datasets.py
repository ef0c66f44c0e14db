"""HDF5 datasets and the public image-set layout (train.csv / train_images/)."""

import numpy as np
import pytest

from selfunc.errors import SelfuncError
from selfunc.stamps import (PAPER, ZENODO, StampDataset, concatenate, is_public_folder,
                            read_dataset, read_public, write_dataset, write_public)


def dataset(n=6, size=16, seed=0, optical=True, start=0):
    rng = np.random.default_rng(seed)
    labels = np.array(["low-z", "hi-z", "galaxy", "point", "other", "point"] * n)[:n]
    return StampDataset(ids=[f"id{start + i:04d}" for i in range(n)], labels=labels,
                        xray_rgb=rng.integers(0, 256, (n, size, size, 3), dtype=np.uint8),
                        optical_rgb=rng.integers(0, 256, (n, size, size, 3), dtype=np.uint8)
                        if optical else None,
                        provenance={"campaign": "test", "stamps": {"npix": size}})


def test_hdf5_round_trip(tmp_path):
    ds = dataset()
    path = write_dataset(ds, tmp_path / "stamps.h5")
    back = read_dataset(path)
    np.testing.assert_array_equal(back.xray_rgb, ds.xray_rgb)
    np.testing.assert_array_equal(back.optical_rgb, ds.optical_rgb)
    assert list(back.ids) == list(ds.ids) and list(back.labels) == list(ds.labels)
    assert back.provenance == ds.provenance
    assert back.kinds == ("composite", "xray", "optical", "six")


def test_public_layout_round_trip(tmp_path):
    train, test = dataset(6, seed=1), dataset(4, seed=2, start=100)
    write_public(tmp_path, {"train": train, "test": test})
    assert is_public_folder(tmp_path)
    header = (tmp_path / "train.csv").read_text().splitlines()
    assert header[0] == "image_id,class" and header[1] == "id0000,low-z"
    assert (tmp_path / "train_images" / "id0000.png").is_file()
    for split, ds in (("train", train), ("test", test)):
        back = read_public(tmp_path, split)  # the public set's order, ZENODO, by default
        assert back.composite_order == ZENODO
        assert list(back.ids) == list(ds.ids) and list(back.labels) == list(ds.labels)
        np.testing.assert_array_equal(back.composite, ds.inputs("composite", ZENODO))
        np.testing.assert_array_equal(back.inputs("composite", PAPER), ds.inputs("composite", PAPER))
        np.testing.assert_array_equal(back.inputs("xray"), ds.inputs("xray"))
    # and through HDF5 again
    again = read_dataset(write_dataset(read_public(tmp_path), tmp_path / "public.h5"))
    assert again.composite_order == ZENODO
    np.testing.assert_array_equal(again.inputs("optical"), train.inputs("optical"))


def test_public_layout_errors(tmp_path):
    write_public(tmp_path, {"train": dataset(3)})
    (tmp_path / "train.csv").write_text("image_id,class\nid0000,cluster\n")
    with pytest.raises(SelfuncError, match="class 'cluster'"):
        read_public(tmp_path)
    (tmp_path / "train.csv").write_text("image_id,class\nmissing,point\n")
    with pytest.raises(SelfuncError, match="not found"):
        read_public(tmp_path)
    with pytest.raises(SelfuncError, match="not found"):
        read_public(tmp_path, "test")
    with pytest.raises(ValueError, match="six"):
        write_public(tmp_path / "x", {"train": dataset(2)}, kind="six")


def test_dataset_checks_and_kinds():
    x_only = dataset(optical=False)
    assert x_only.kinds == ("xray",)
    with pytest.raises(ValueError, match="cannot give input 'composite'"):
        x_only.inputs("composite")
    with pytest.raises(ValueError, match="unknown label"):
        StampDataset(ids=["a"], labels=["cluster"], xray_rgb=np.zeros((1, 4, 4, 3), np.uint8))
    with pytest.raises(ValueError, match="unique"):
        StampDataset(ids=["a", "a"], labels=["point", "point"],
                     xray_rgb=np.zeros((2, 4, 4, 3), np.uint8))
    both = concatenate([dataset(3), dataset(2, start=10)])
    assert len(both) == 5 and both.subset([0, 4]).ids.tolist() == ["id0000", "id0011"]


def test_read_dataset_errors(tmp_path):
    with pytest.raises(SelfuncError, match="not found"):
        read_dataset(tmp_path / "nope.h5")
    (tmp_path / "bad.h5").write_text("not hdf5")
    with pytest.raises(SelfuncError, match="HDF5"):
        read_dataset(tmp_path / "bad.h5")
