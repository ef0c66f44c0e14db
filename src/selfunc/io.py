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


def check_writable_place(start: Path, named: Path, flag: str) -> None:
    """The nearest existing path at or above ``start`` must be a folder selfunc can write
    in; else one line naming ``flag`` and the ``named`` output (checked before any work)."""
    from selfunc.errors import SelfuncError

    anc = Path(start)
    while not anc.exists() and anc != anc.parent:
        anc = anc.parent
    if not anc.is_dir():
        raise SelfuncError(f"{flag} {named}: {anc} is a file, expected a folder above it")
    if not os.access(anc, os.W_OK | os.X_OK):
        raise SelfuncError(f"{flag} {named}: cannot write in {anc} (read-only or no "
                           "permission); expected a writable place")
