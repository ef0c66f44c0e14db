"""Zooniverse-style subject sets: a manifest CSV and the images beside it.

The layout the Panoptes subject uploaders take (``panoptes subject-set upload-subjects``,
``panoptes-subject-uploader``): images in the manifest's folder, one manifest row per
subject, one column per frame holding an image file name, metadata columns after them.
Columns whose names begin with ``#`` are hidden from volunteers (Zooniverse's convention),
so the selfunc id and any truth travel with the subject without being shown::

    DIR/manifest.csv   #subject_id,image_xray,image_optical,image_composite,#ra,#dec,#label
    DIR/<id>_xray.png  …

When the project's classification export comes back, its subjects carry this metadata in
``subject_data``; :func:`read_subjects` reads the manifest back (ids, image paths,
metadata), so crowd labels from :func:`selfunc.crowd.aggregate` join the stamps by id.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
from astropy.table import Table

from selfunc.errors import SelfuncError

__all__ = ["write_subjects", "read_subjects", "MANIFEST", "ID_COLUMN"]

MANIFEST = "manifest.csv"
ID_COLUMN = "#subject_id"
_SAFE = re.compile(r"^[A-Za-z0-9._-]+$")


def write_subjects(folder: str | Path, ids, frames: dict, metadata: dict | None = None) -> Path:
    """Write a subject set: one 8-bit PNG per subject and frame, and ``manifest.csv``.

    Parameters
    ----------
    folder : path
        Created if needed; the manifest is written last, atomically.
    ids : sequence of str
        Subject ids (letters, digits, ``.``, ``_``, ``-``: they name the files), distinct.
    frames : dict of str → ndarray (N, H, W, 3) or (N, H, W), uint8
        The images of each frame, in the order volunteers see them.
    metadata : dict of str → sequence, optional
        Per-subject metadata; names without a leading ``#`` get one (hidden).

    Returns
    -------
    Path of the manifest.
    """
    from PIL import Image

    from selfunc.io import atomic_path

    folder = Path(folder)
    ids = [str(i) for i in ids]
    if len(set(ids)) != len(ids):
        raise ValueError("subject ids repeat")
    bad = [i for i in ids if not _SAFE.match(i)]
    if bad:
        raise ValueError(f"subject id {bad[0]!r}: use letters, digits, '.', '_' or '-' (it names files)")
    if not frames:
        raise ValueError("frames: give at least one image per subject")
    for name, arr in frames.items():
        if not _SAFE.match(name):
            raise ValueError(f"frame name {name!r}: use letters, digits, '.', '_' or '-'")
        if len(arr) != len(ids) or np.asarray(arr).dtype != np.uint8:
            raise ValueError(f"frame {name!r}: expected {len(ids)} uint8 images")
    meta = {(k if k.startswith("#") else "#" + k): list(v) for k, v in (metadata or {}).items()}
    for k, v in meta.items():
        if len(v) != len(ids):
            raise ValueError(f"metadata {k!r}: expected {len(ids)} values, got {len(v)}")
    folder.mkdir(parents=True, exist_ok=True)
    columns = [ID_COLUMN, *(f"image_{n}" for n in frames), *meta]
    rows = []
    for k, sid in enumerate(ids):
        row = [sid]
        for name, arr in frames.items():
            fname = f"{sid}_{name}.png"
            with atomic_path(folder / fname) as tmp:
                Image.fromarray(np.asarray(arr[k])).save(tmp, format="PNG")
            row.append(fname)
        row.extend(meta[c][k] for c in meta)
        rows.append(row)
    path = folder / MANIFEST
    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        writer.writerows(rows)
    return path


def read_subjects(path: str | Path, *, load_images: bool = False) -> Table:
    """Read a subject set's manifest (a folder or its ``manifest.csv``).

    Returns a table with ``subject_id``, one ``image_<frame>`` column of file paths per
    frame, and the metadata columns without their ``#`` (as text). With ``load_images``,
    the images themselves, as ``pixels_<frame>`` (N, H, W[, 3]) uint8 columns.

    Raises
    ------
    SelfuncError
        The manifest is missing or has no ``#subject_id`` or image column, a row's length
        is wrong, an id repeats, or an image file is missing or not an image.
    """
    path = Path(path)
    if path.is_dir():
        path = path / MANIFEST
    if not path.is_file():
        raise SelfuncError(f"{path}: subject manifest not found")
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        raise SelfuncError(f"{path}: empty manifest")
    header, body = rows[0], [r for r in rows[1:] if r]
    if ID_COLUMN not in header:
        raise SelfuncError(f"{path}: no '{ID_COLUMN}' column (not a selfunc subject manifest)")
    images = [c for c in header if c.startswith("image_")]
    if not images:
        raise SelfuncError(f"{path}: no image_<frame> column")
    for r, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise SelfuncError(f"{path}: line {r}: {len(row)} fields, expected {len(header)}")
    cols = {c: [row[j] for row in body] for j, c in enumerate(header)}
    ids = cols[ID_COLUMN]
    if len(set(ids)) != len(ids):
        raise SelfuncError(f"{path}: subject ids repeat")
    out = Table()
    out["subject_id"] = np.array(ids, dtype=str)
    for c in images:
        files = [path.parent / f for f in cols[c]]
        missing = [f for f in files if not f.is_file()]
        if missing:
            raise SelfuncError(f"{path}: column {c}: image {missing[0].name} not found")
        out[c] = np.array([str(f) for f in files], dtype=str)
        if load_images:
            out["pixels_" + c.removeprefix("image_")] = _load(files, path, c)
    for c in header:
        if c != ID_COLUMN and c not in images:
            out[c.lstrip("#")] = np.array(cols[c], dtype=str)
    out.meta["manifest"] = str(path)
    return out


def _load(files, manifest: Path, column: str) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    arrays = []
    for f in files:
        try:
            with Image.open(f) as im:
                arrays.append(np.asarray(im))
        except (UnidentifiedImageError, OSError):
            raise SelfuncError(f"{manifest}: column {column}: {f.name} is not an image") from None
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1:
        raise SelfuncError(f"{manifest}: column {column}: images of different shapes {sorted(shapes)}")
    return np.stack(arrays)
