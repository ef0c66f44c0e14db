"""SIGKILL while ``selfunc fit --overwrite`` saves its file or draws its plots: the earlier
selection file and plots stay whole under their names, and the same command then finishes.

The kill is made certain to land mid-write by a wrapper (test-only, in the child process)
that writes half of a file's bytes and then waits to be killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import matplotlib.image as mpimg
import pytest

from selection.conftest import write_campaign
from selfunc.selection.function import SelectionFunction

SRC = Path(__file__).resolve().parents[2] / "src"

SLOW_SAVE = """
import sys, time
import selfunc.selection.function as f
orig = f.SelectionFunction.save
def save(self, path, *a, **k):
    orig(self, path, *a, **k)
    print("SAVING", flush=True)
    time.sleep(60)  # killed here, with one group written
f.SelectionFunction.save = save
"""

SLOW_PLOT = """
import sys, time
from matplotlib.figure import Figure
orig = Figure.savefig
def savefig(self, fname, *a, **k):
    import io
    buf = io.BytesIO()
    orig(self, buf, *a, **k)
    with open(fname, "wb") as fh:  # half a PNG, as a kill mid-write leaves it
        fh.write(buf.getvalue()[: len(buf.getvalue()) // 2])
    print("PLOTTING", flush=True)
    time.sleep(60)
Figure.savefig = savefig
"""


def _fit_argv(campaign, folder):
    return ["fit", str(campaign), "--out", str(folder / "sel.h5"), "--plots",
            str(folder / "plots"), "--overwrite", "--max-steps", "600"]


def _run_and_kill(patch: str, argv: list[str], marker: str) -> None:
    code = patch + textwrap.dedent(f"""
        from selfunc.cli import main
        sys.exit(main({argv!r}))
    """)
    env = {**os.environ, "PYTHONPATH": str(SRC), "MPLBACKEND": "Agg"}
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            env=env)
    try:
        for line in proc.stdout:
            if line.startswith(marker):
                break
        else:
            pytest.fail(f"the fit ended (exit {proc.wait()}) before reaching {marker}")
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """A campaign and a finished fit of it, to be overwritten."""
    base = tmp_path_factory.mktemp("kill")
    campaign = write_campaign(base / "campaign", n_pointings=8, clusters_per_pointing=25,
                              agn_per_pointing=10)
    from selfunc.cli import main

    assert main(_fit_argv(campaign, base)) == 0
    return campaign, base


def _plots(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / "plots").iterdir())}


@pytest.mark.slow
@pytest.mark.parametrize("patch, marker", [(SLOW_SAVE, "SAVING"), (SLOW_PLOT, "PLOTTING")],
                         ids=["while saving", "while plotting"])
def test_sigkill_leaves_the_earlier_outputs_whole(fitted, patch, marker):
    campaign, base = fitted
    old_sel = (base / "sel.h5").read_bytes()
    old_plots = _plots(base)
    _run_and_kill(patch, _fit_argv(campaign, base), marker)
    if marker == "SAVING":  # killed before the rename: the old file, whole
        assert (base / "sel.h5").read_bytes() == old_sel
    sf = SelectionFunction.load(base / "sel.h5")  # either way a whole, readable file
    assert sf.kind == "completeness" and "purity" in SelectionFunction.names(base / "sel.h5")
    names = {p.name for p in (base / "plots").iterdir() if not p.name.startswith(".")}
    assert names == set(old_plots)
    for name in names:
        assert mpimg.imread(base / "plots" / name).ndim == 3  # no truncated PNG
        if marker == "SAVING":
            assert (base / "plots" / name).read_bytes() == old_plots[name]
    # The same command, run again, finishes and replaces everything.
    from selfunc.cli import main

    assert main(_fit_argv(campaign, base)) == 0
    SelectionFunction.load(base / "sel.h5", "purity")
