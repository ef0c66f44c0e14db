"""The campaign lock, a failed start, a full disk, a read-only place, and SIGKILL while the fit
saves its file or draws its plots."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from selfunc.campaign import engine
from selfunc.campaign.lock import LOCK_NAME, FolderLock
from selfunc.config.campaign import CampaignConfig, CampaignSettings
from selfunc.errors import SelfuncError

from .conftest import assert_one_line_error, run_cli, snapshot

SRC = Path(__file__).resolve().parents[2] / "src"


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


@pytest.fixture
def live_process():
    p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield p.pid
    p.kill()
    p.wait()


def _write_lock(folder: Path, pid: int, host: str | None = None) -> None:
    import socket

    (folder / LOCK_NAME).write_text(json.dumps({"pid": pid, "host": host or socket.gethostname()}))


def test_a_second_run_is_refused_naming_the_holder(in_tmp, live_process):
    run = in_tmp / "run"
    run.mkdir()
    _write_lock(run, live_process)
    (run / ".xray.fits.999.tmp").write_bytes(b"a live run's temporary file")
    (in_tmp / "c.toml").write_text('[campaign]\nn_pointings = 1\nstages = ["sky"]\n')
    before = snapshot(run)
    assert_one_line_error(run_cli(["simulate", "c.toml", "--out", "run"]), "run",
                          f"process {live_process}", LOCK_NAME)
    assert snapshot(run) == before  # its temporaries and lock are untouched


def test_a_dead_runs_lock_is_taken_over(tmp_path):
    _write_lock(tmp_path, _dead_pid())
    with FolderLock(tmp_path) as lock:
        assert json.loads((tmp_path / LOCK_NAME).read_text())["pid"] == os.getpid()
        with pytest.raises(SelfuncError, match=f"process {os.getpid()}"):
            FolderLock(tmp_path).acquire()
        assert lock.held
    assert not (tmp_path / LOCK_NAME).exists()


def test_a_lock_of_another_host_is_reported_not_taken(tmp_path):
    _write_lock(tmp_path, _dead_pid(), host="elsewhere.example")
    with pytest.raises(SelfuncError, match="elsewhere.example"):
        FolderLock(tmp_path).acquire()
    assert (tmp_path / LOCK_NAME).exists()


def _failing_client(*args, **kwargs):
    raise SelfuncError("cannot reach the Dask scheduler (test)")


def _cfg(**kw) -> CampaignConfig:
    return CampaignConfig(campaign=CampaignSettings(n_pointings=2, stages=("sky",), **kw))


def test_a_failed_start_leaves_a_new_folder_absent(tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "_client", _failing_client)
    with pytest.raises(SelfuncError, match="scheduler"):
        engine.run_campaign(_cfg(), tmp_path / "a" / "run")
    assert not (tmp_path / "a").exists()


def test_a_failed_start_leaves_an_existing_folder_as_it_was(tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "_client", _failing_client)
    (tmp_path / "notes.txt").write_text("the user's\n")
    before = snapshot(tmp_path)
    with pytest.raises(SelfuncError, match="scheduler"):
        engine.run_campaign(_cfg(), tmp_path)
    assert snapshot(tmp_path) == before


def test_a_corrected_config_is_accepted_after_a_failed_start(tmp_path, monkeypatch):
    from selfunc.campaign.provenance import write_campaign_toml

    write_campaign_toml(_cfg(seed=1), tmp_path)  # left by an older selfunc's failed start
    monkeypatch.setattr(engine, "_client", _failing_client)
    with pytest.raises(SelfuncError, match="scheduler"):  # not "a different config"
        engine.run_campaign(_cfg(seed=2), tmp_path)


# ------------------------------------------------------------------ full disk, read-only
def _mount(folder: Path, options: str) -> Path:
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("a small tmpfs needs root (mount -t tmpfs)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs: {done.stderr.strip()}")
    return folder


@pytest.fixture
def small_disk(tmp_path):
    folder = _mount(tmp_path / "disk", "size=2m")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.fixture
def read_only(tmp_path):
    folder = _mount(tmp_path / "ro", "size=1m,ro")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)


def _fill(folder: Path) -> None:
    with open(folder / "filler", "wb") as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError:
            pass


def test_a_full_disk_is_one_line_naming_the_path(in_tmp, small_disk):
    import numpy as np

    from selfunc.crowd import load_tree, simulate_crowd, write_export

    sim = simulate_crowd(load_tree(), n_subjects=40, n_volunteers=20, votes_per_subject=5,
                         rng=np.random.default_rng(2))
    export = write_export(in_tmp / "export.csv", sim.classifications)
    (small_disk / "crowd").mkdir()
    _fill(small_disk)
    line = assert_one_line_error(run_cli(["crowd", "aggregate", export, "--out",
                                          small_disk / "crowd"]),
                                 str(small_disk / "crowd"), "disk is full")
    assert "resume" in line
    leftovers = [p.name for p in (small_disk / "crowd").iterdir()]
    assert not [n for n in leftovers if n.endswith(".tmp")], leftovers


@pytest.mark.slow
def test_simulate_on_a_full_disk_stops_the_workers_with_one_line(in_tmp, small_disk):
    (in_tmp / "c.toml").write_text('[campaign]\nn_pointings = 4\nstages = ["sky", "xray"]\n')
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run([sys.executable, "-m", "selfunc", "simulate", "c.toml", "--out",
                           str(small_disk / "run"), "--workers", "2"], capture_output=True,
                          text=True, env=env, timeout=300)
    assert_one_line_error((done.returncode, done.stdout, done.stderr),
                          str(small_disk / "run" / "pointings"), "space", "run the same command")


@pytest.mark.parametrize("argv, needle", [
    (["simulate", "c.toml", "--out", "{ro}/run"], "cannot write"),
    (["fit", "campaign", "--out", "{ro}/sel.h5"], "cannot write"),
    (["detect", "counts.fits", "--out", "{ro}/cat.fits"], "cannot write"),
    (["crowd", "aggregate", "export.csv", "--out", "{ro}/crowd"], "cannot write")],
    ids=["simulate", "fit", "detect", "crowd"])
def test_a_read_only_place_is_one_line(in_tmp, read_only, argv, needle):
    (in_tmp / "c.toml").write_text('[campaign]\nn_pointings = 1\nstages = ["sky"]\n')
    (in_tmp / "campaign").mkdir()
    (in_tmp / "export.csv").write_text("x\n")
    argv = [a.replace("{ro}", str(read_only)) for a in argv]
    assert_one_line_error(run_cli(argv), str(read_only), needle)


@pytest.mark.slow
@pytest.mark.parametrize("rule, missing", [("C1 and p_clustr > 0.5", "p_clustr")])
def test_a_rule_naming_a_missing_column_stops_after_the_first_pointing(tmp_path, capsys, rule, missing):
    """A typo in campaign.selection is found on the first finished pointing, not after all
    of them; the failed start leaves no folder behind."""
    from selfunc.cli import main as cli_main

    cfg = tmp_path / "c.toml"
    cfg.write_text(f'instrument = "epic"\nsurvey = "xclass"\npopulation = "grid"\n'
                   f'detection = "xamin"\n[campaign]\nname = "t"\nseed = 1\nn_pointings = 6\n'
                   f'selection = "{rule}"\nstages = ["sky", "xray", "detect", "fit"]\n')
    out = tmp_path / "o"
    assert cli_main(["simulate", str(cfg), "--out", str(out), "--workers", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    line = [x for x in err if x.startswith("selfunc")]
    assert len(line) == 1 and "campaign.selection" in line[0] and f"'{missing}'" in line[0]
    assert "Traceback" not in "\n".join(err)
    assert not out.exists()
