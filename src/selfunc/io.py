"""File helpers shared by all packages: atomic writes.

Every file selfunc writes appears whole or not at all: it is written under a temporary name
in the same folder and renamed into place (``os.replace`` is atomic on POSIX), so an
interrupted run never leaves a half-written file under the final name.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

__all__ = ["atomic_path", "TMP_SUFFIX"]

TMP_SUFFIX = ".tmp"


@contextlib.contextmanager
def atomic_path(path: str | Path):
    """Yield a temporary path next to ``path``; rename it to ``path`` if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}{TMP_SUFFIX}")
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:  # a full disk raises without a file name: name the target
        if exc.filename is None:
            exc.filename = str(path)
        raise
    finally:
        if tmp.exists():
            tmp.unlink()
