"""The ``selfunc`` command: thin wrappers over the packages.

Each sub-command lives in its own module of this package and exposes ``HELP`` (one line)
and ``register(subparsers)``; ``COMMANDS`` lists them in the order ``--help`` shows them.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import sys

from selfunc import __version__
from selfunc.errors import SelfuncError

__all__ = ["main", "COMMANDS"]

COMMANDS = ("simulate", "detect", "train-cnn", "apply-cnn", "evaluate-cnn", "fit", "crowd",
            "export-simput")


class _Parser(argparse.ArgumentParser):
    """A usage mistake is one line (exit 2), like every other error of selfunc."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="selfunc",
        description="Selection functions for X-ray galaxy-cluster surveys (XMM-Newton).",
    )
    parser.add_argument("--version", action="version", version=f"selfunc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"selfunc.cli.{name.replace('-', '_')}")
        module.register(sub)
    return parser


def _os_error(exc: OSError) -> str:
    """An environment fault (full disk, read-only folder, no permission) as one line."""
    what = (exc.strerror or str(exc) or type(exc).__name__).strip()
    what = what.splitlines()[0] if what else type(exc).__name__  # one line, always
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        what += " (the disk is full: free space and run the same command again to resume)"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        what += " (expected a place selfunc may write to)"
    return what if exc.filename is None else f"{exc.filename}: {what}"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # a usage error: one line, SystemExit(2)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    name = args.command
    try:
        return int(args.func(args) or 0)
    except SelfuncError as exc:
        print(f"selfunc {name}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"selfunc {name}: error: {_os_error(exc)}", file=sys.stderr)
        return 2
    except MemoryError:
        print(f"selfunc {name}: error: out of memory (the input is too large for this "
              "machine's memory)", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"selfunc {name}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
