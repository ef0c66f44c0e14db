"""The Dask engine: worker-count independence, kill and resume (issue 7)."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from astropy.table import Table

from selfunc.cli import main

CONFIG = """
instrument = { preset = "epic", npix = 256 }
survey = "xclass10"
population = { preset = "grid", grid = { n_per_pointing = 2 }, agn = { flux_min = 5e-15 } }
detection = "xamin"
[campaign]
name = "engine-test"
seed = 5
n_pointings = 6
stages = ["sky", "xray", "detect"]
"""


def catalogues(folder):
    return {name: Table.read(folder / "catalogues" / f"{name}.h5", path=name)
            for name in ("truth", "candidates", "pointings")}


def assert_same_tables(a, b):
    for name in a:
        ta, tb = a[name], b[name]
        assert ta.colnames == tb.colnames, name
        assert len(ta) == len(tb), name
        for col in ta.colnames:
            va, vb = np.asarray(ta[col]), np.asarray(tb[col])
            if va.dtype.kind == "f":
                assert np.array_equal(va, vb, equal_nan=True), (name, col)
            else:
                assert np.array_equal(va, vb), (name, col)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    d = tmp_path_factory.mktemp("ref")
    (d / "c.toml").write_text(CONFIG)
    assert main(["simulate", str(d / "c.toml"), "--out", str(d / "run"), "--workers", "1"]) == 0
    return d / "c.toml", catalogues(d / "run")


@pytest.mark.slow
def test_one_and_two_workers_give_identical_catalogues(reference, tmp_path):
    config, ref = reference
    assert main(["simulate", str(config), "--out", str(tmp_path / "two"), "--workers", "2"]) == 0
    assert_same_tables(ref, catalogues(tmp_path / "two"))


@pytest.mark.slow
def test_sigkill_part_way_then_resume_gives_the_same_catalogues(reference, tmp_path):
    config, ref = reference
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "selfunc", "simulate", str(config), "--out", str(out),
           "--workers", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline:
        done = list(out.glob("pointings/*/done.json"))
        if len(done) >= 2:
            break
        time.sleep(0.2)
    # SIGKILL the whole process group (the command and its Dask workers) mid-campaign.
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    n_done = len(list(out.glob("pointings/*/done.json")))
    assert 2 <= n_done < 6, n_done
    assert not (out / "catalogues" / "candidates.h5").exists()
    assert main(["simulate", str(config), "--out", str(out), "--workers", "1"]) == 0
    assert_same_tables(ref, catalogues(out))
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
