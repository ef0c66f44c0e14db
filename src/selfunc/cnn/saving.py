"""Saved models: a Keras ``.keras`` file that also carries selfunc's metadata.

The metadata (task, classes, input kind and channel order, stamp settings, training
settings and seed, data provenance, metrics, versions) is a JSON document stored as the
member ``selfunc.json`` of the ``.keras`` zip archive, beside Keras' own ``config.json``
and weights; Keras ignores it when loading, :func:`load_model` returns it. Files are
written under a temporary name and renamed into place.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

from selfunc.errors import SelfuncError

__all__ = ["save_model", "load_model", "read_meta", "META_MEMBER", "FORMAT"]

META_MEMBER = "selfunc.json"
FORMAT = "selfunc-cnn"


def save_model(model, path: str | Path, meta: dict) -> Path:
    """Save ``model`` (with its optimizer state if it is compiled) and ``meta`` to ``path``."""
    path = Path(path)
    if path.suffix != ".keras":
        raise SelfuncError(f"{path}: a model file must end in .keras")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.keras")
    try:
        model.save(tmp)
        with zipfile.ZipFile(tmp, "a") as zf:
            zf.writestr(META_MEMBER, json.dumps({"format": FORMAT, **meta}, indent=1,
                                                default=_jsonable))
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def _jsonable(value):
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def read_meta(path: str | Path) -> dict:
    """The selfunc metadata of a saved model."""
    path = Path(path)
    if not path.is_file():
        raise SelfuncError(f"{path}: model file not found")
    try:
        with zipfile.ZipFile(path) as zf:
            if META_MEMBER not in zf.namelist():
                raise SelfuncError(f"{path}: a Keras model without selfunc metadata "
                                   f"({META_MEMBER}); save it with selfunc.cnn.save_model")
            meta = json.loads(zf.read(META_MEMBER))
    except zipfile.BadZipFile:
        raise SelfuncError(f"{path}: not a .keras model file") from None
    if meta.get("format") != FORMAT:
        raise SelfuncError(f"{path}: metadata format {meta.get('format')!r}, expected {FORMAT!r}")
    return meta


def load_model(path: str | Path, *, compile: bool = False):
    """(model, meta) of a file written by :func:`save_model`."""
    import keras

    meta = read_meta(path)
    try:
        model = keras.saving.load_model(path, compile=compile)
    except (ValueError, OSError) as exc:
        raise SelfuncError(f"{path}: cannot load the Keras model ({exc})") from None
    return model, meta
