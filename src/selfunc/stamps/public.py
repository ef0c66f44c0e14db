"""The layout of the paper's public image set (Zenodo record 7236582, ``Kosiba2020.zip``).

::

    FOLDER/train.csv              columns image_id,class
    FOLDER/test.csv
    FOLDER/train_images/<image_id>.png
    FOLDER/test_images/<image_id>.png

Classes are ``low-z, hi-z, galaxy, point, other`` (:data:`selfunc.match.CLASSES`). The PNGs
are three-channel composites; the set is described as channels [empty, optical, X-ray]
(``ZENODO``), which is therefore the default order for reading *and* writing this layout,
so that our exports can be mixed with the public files. Inside selfunc datasets keep the
order they were read with and convert on use (:meth:`StampDataset.inputs`).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np

from selfunc.errors import SelfuncError
from selfunc.io import atomic_path
from selfunc.match import CLASSES
from selfunc.stamps.composite import ZENODO, channel_order
from selfunc.stamps.dataset import StampDataset

__all__ = ["read_public", "write_public", "public_splits", "is_public_folder"]

_SAFE_ID = re.compile(r"^[A-Za-z0-9._+-]+$")


def is_public_folder(folder: str | Path) -> bool:
    folder = Path(folder)
    return folder.is_dir() and any((folder / f"{s}.csv").is_file() for s in ("train", "test"))


def public_splits(folder: str | Path) -> list[str]:
    """The splits present in a public-layout folder (``train``, ``test``, … with a CSV)."""
    return sorted(p.stem for p in Path(folder).glob("*.csv")
                  if (Path(folder) / f"{p.stem}_images").is_dir())


def read_public(folder: str | Path, split: str = "train", *, order=ZENODO) -> StampDataset:
    """Read one split of a public-layout folder into a dataset of composites.

    ``order`` is the channel order of the PNGs (default ``ZENODO``, the public set's).
    """
    from PIL import Image

    folder = Path(folder)
    table = folder / f"{split}.csv"
    images = folder / f"{split}_images"
    if not table.is_file():
        raise SelfuncError(f"{table}: not found (a public-layout folder has {split}.csv and "
                           f"{split}_images/)")
    with table.open(newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None or not {"image_id", "class"} <= set(reader.fieldnames):
            raise SelfuncError(f"{table}: expected the columns image_id,class, got "
                               f"{','.join(reader.fieldnames or [])}")
        rows = [(r["image_id"].strip(), r["class"].strip()) for r in reader]
    ids, labels, arrays = [], [], []
    for line, (image_id, label) in enumerate(rows, start=2):
        if label not in CLASSES:
            raise SelfuncError(f"{table}: line {line}: class {label!r} is not one of "
                               f"{', '.join(CLASSES)}")
        path = images / f"{image_id}.png"
        if not path.is_file():
            raise SelfuncError(f"{path}: image of {table.name} line {line} not found")
        with Image.open(path) as im:
            if im.mode not in ("RGB", "RGBA"):
                raise SelfuncError(f"{path}: expected an RGB PNG, got mode {im.mode}")
            arrays.append(np.asarray(im.convert("RGB"), dtype=np.uint8))
        ids.append(image_id)
        labels.append(label)
    if not arrays:
        raise SelfuncError(f"{table}: no rows")
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise SelfuncError(f"{images}: images differ in size: {sorted(shapes)}")
    try:
        return StampDataset(ids=np.array(ids), labels=np.array(labels),
                            composite=np.stack(arrays), composite_order=channel_order(order),
                            provenance={"source": "public-layout", "folder": str(folder.resolve()),
                                        "split": split, "channel_order": list(channel_order(order))})
    except ValueError as exc:
        raise SelfuncError(f"{table}: {exc}") from None


def write_public(folder: str | Path, splits: dict[str, StampDataset], *, kind: str = "composite",
                 order=ZENODO) -> Path:
    """Write datasets as a public-layout folder (``{split}.csv`` + ``{split}_images/``).

    ``kind`` is one of the three-channel inputs (``composite``, ``xray``, ``optical``),
    written in channel ``order`` (default ``ZENODO``, the public set's).
    """
    from PIL import Image

    if kind == "six":
        raise ValueError("the public layout holds three-channel PNGs; input 'six' has six")
    folder = Path(folder)
    for split, ds in splits.items():
        if not ds.labelled:
            raise ValueError(f"split {split!r}: every stamp needs a label for the public layout")
        bad = [i for i in ds.ids if not _SAFE_ID.match(i)]
        if bad:
            raise ValueError(f"split {split!r}: image id {bad[0]!r} is not a safe file name")
        images = ds.inputs(kind, order)
        out = folder / f"{split}_images"
        out.mkdir(parents=True, exist_ok=True)
        for image_id, img in zip(ds.ids, images):
            with atomic_path(out / f"{image_id}.png") as tmp:
                Image.fromarray(np.ascontiguousarray(img)).save(tmp, format="PNG")
        with atomic_path(folder / f"{split}.csv") as tmp:
            with tmp.open("w", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(["image_id", "class"])
                w.writerows(zip(ds.ids.tolist(), ds.labels.tolist()))
    return folder
