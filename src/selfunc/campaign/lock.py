"""One run at a time in a campaign folder.

A second ``selfunc simulate`` into the same folder would delete the first one's live
temporary files (the stale-file clean-up of a resumed run) and make it fail. The lock is a
file ``DIR/.selfunc.lock`` holding the owner's host and process id, created whole by a hard
link (atomic, and refused when the file exists). A lock whose process is dead (SIGKILL, a
crash) is taken over; one held on another host cannot be checked and is reported.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

from selfunc.errors import SelfuncError

__all__ = ["FolderLock", "LOCK_NAME"]

LOCK_NAME = ".selfunc.lock"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


class FolderLock:
    def __init__(self, folder: Path):
        self.path = Path(folder) / LOCK_NAME
        self.me = {"pid": os.getpid(), "host": socket.gethostname()}
        self.held = False

    def _owner(self) -> dict | None:
        try:
            return json.loads(self.path.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return {}  # unreadable: written by something else

    def acquire(self) -> "FolderLock":
        tmp = self.path.with_name(f"{LOCK_NAME}.{os.getpid()}")
        tmp.write_text(json.dumps(self.me))
        try:
            for _ in range(2):  # the second try after taking over a dead owner's lock
                try:
                    os.link(tmp, self.path)
                    self.held = True
                    return self
                except FileExistsError:
                    owner = self._owner()
                    if owner is None:
                        continue  # released meanwhile
                    pid, host = owner.get("pid"), owner.get("host")
                    if host == self.me["host"] and isinstance(pid, int) and not _alive(pid):
                        self.path.unlink(missing_ok=True)  # stale: its process is dead
                        continue
                    where = f"process {pid} on {host}" if pid else "an unknown process"
                    raise SelfuncError(
                        f"{self.path.parent}: in use by {where} (lock {self.path}); wait for "
                        "it to finish, or delete the lock file if that run is gone") from None
            raise SelfuncError(f"{self.path}: could not take the campaign lock")
        finally:
            tmp.unlink(missing_ok=True)

    def release(self) -> None:
        if self.held and self._owner() == self.me:
            self.path.unlink(missing_ok=True)
        self.held = False

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()
