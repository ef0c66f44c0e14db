"""Benchmark: aggregate a synthetic Zooniverse export of 10⁶ classifications.

Writes a standard 14-column export of a simulated crowd (the default decision tree, 30
volunteers per subject) to a temporary folder, then times what ``selfunc crowd aggregate``
does: reading and checking every row, the selection, the Eq. 1 weights, the votes, and
writing the tables. The issue asks for under a minute.

    python scripts/bench/crowd.py                      # 10⁶ rows
    python scripts/bench/crowd.py --comment-task       # every annotation string different
    python scripts/bench/crowd.py --rows 100000 --keep

``--comment-task`` adds a free-text task with text unique to each row, so that the reader's
cache of parsed annotation strings never hits: the worst case for the JSON parsing.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="classifications (default: %(default)s)")
    parser.add_argument("--votes", type=int, default=30, help="classifications per subject (default: %(default)s)")
    parser.add_argument("--volunteers", type=int, default=5000, help="volunteers (default: %(default)s)")
    parser.add_argument("--comment-task", action="store_true", help="add a free-text task unique to each row")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and print its path")
    args = parser.parse_args(argv)

    from selfunc.cli import crowd as crowd_cli
    from selfunc.crowd import DEFAULT_TREE, aggregate, load_tree, preset_path, read_export, simulate_crowd, write_export

    folder = Path(tempfile.mkdtemp(prefix="selfunc-crowd-bench-"))
    export = folder / "export.csv"
    tree_file = folder / "tree.toml"
    # The default tree; with --comment-task, told to skip the comment task T9.
    ignore = 'ignore_tasks = ["T9"]\n' if args.comment_task else ""
    tree_file.write_text(ignore + preset_path(DEFAULT_TREE).read_text(encoding="utf-8"), encoding="utf-8")
    tree = load_tree(tree_file)

    t0 = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    sim = simulate_crowd(tree, n_subjects=-(-args.rows // args.votes), n_volunteers=args.volunteers,
                         votes_per_subject=args.votes, rng=rng, not_logged_in_fraction=0.02, repeat_fraction=0.01)
    classifications = sim.classifications.subset(np.arange(len(sim.classifications)) < args.rows)
    write_export(export, classifications, comment_task="T9" if args.comment_task else None)
    t_generate = time.perf_counter() - t0
    size = export.stat().st_size
    print(f"generated {len(classifications):,} rows ({size / 2**20:.0f} MiB) in {t_generate:.1f} s: {export}")

    t0 = time.perf_counter()
    read, report = read_export(export, tree)
    t_read = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = aggregate(read)
    t_aggregate = time.perf_counter() - t0
    print(f"read_export  {t_read:6.2f} s  ({report.n_rows / t_read:,.0f} rows/s, {size / 2**20 / t_read:.0f} MiB/s)")
    print(f"aggregate    {t_aggregate:6.2f} s  ({result.selection.n_kept:,} classifications, "
          f"{len(result.subjects):,} subjects, {len(result.weights.user_ids):,} users)")

    # The whole command, outputs included.
    cli = argparse.ArgumentParser()
    crowd_cli.register(cli.add_subparsers(dest="command"))
    command = cli.parse_args(["crowd", "aggregate", str(export), "--out", str(folder / "out"), "--tree", str(tree_file)])
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        command.func(command)
    t_cli = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"selfunc crowd aggregate (read + aggregate + write tables): {t_cli:.2f} s; peak memory {peak:.0f} MiB")
    print(f"RESULT rows={report.n_rows} read_s={t_read:.2f} aggregate_s={t_aggregate:.2f} "
          f"command_s={t_cli:.2f} under_a_minute={t_cli < 60}")

    if args.keep:
        print(f"kept {folder}")
    else:
        for path in sorted(folder.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        folder.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
