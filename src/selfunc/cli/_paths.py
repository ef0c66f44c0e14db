"""Checks of output paths before any work: a file where a folder is wanted (or the reverse),
a path under a file, or a place that cannot be written to is one line, not a traceback after
the work is done."""

from __future__ import annotations

import os
from pathlib import Path

from selfunc.errors import SelfuncError
from selfunc.io import check_writable_place

__all__ = ["output_folder", "output_file"]


def _writable_ancestor(path: Path, flag: str) -> None:
    """The nearest existing ancestor of ``path`` must be a folder selfunc can write to."""
    check_writable_place(path.parent, path, flag)


def output_folder(path, flag: str = "--out") -> Path:
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise SelfuncError(f"{flag} {path}: exists and is a file, expected a folder")
    if path.is_dir():
        if not os.access(path, os.W_OK | os.X_OK):
            raise SelfuncError(f"{flag} {path}: cannot write in this folder (read-only or no "
                               "permission); expected a writable folder")
        return path
    _writable_ancestor(path, flag)
    return path


def output_file(path, flag: str = "--out") -> Path:
    path = Path(path)
    if path.is_dir():
        raise SelfuncError(f"{flag} {path}: is a folder, expected a file name")
    _writable_ancestor(path, flag)
    return path
