"""The ``selfunc`` command: thin wrappers over the packages.

Each sub-command lives in its own module of this package and exposes ``HELP`` (one line)
and ``register(subparsers)``; ``COMMANDS`` lists them in the order ``--help`` shows them.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from selfunc import __version__
from selfunc.errors import SelfuncError

__all__ = ["main", "COMMANDS"]

COMMANDS = ("simulate", "detect", "train-cnn", "apply-cnn", "evaluate-cnn", "fit", "crowd",
            "export-simput")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="selfunc",
        description="Selection functions for X-ray galaxy-cluster surveys (XMM-Newton).",
    )
    parser.add_argument("--version", action="version", version=f"selfunc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"selfunc.cli.{name.replace('-', '_')}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except SelfuncError as exc:
        print(f"selfunc {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"selfunc {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
