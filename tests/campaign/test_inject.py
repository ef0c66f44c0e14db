"""Injection campaigns: simulated clusters in real XMM images (issue 7)."""

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table

from selfunc.cli import main

TEMPLATE = """
instrument = "epic"
population = {{ preset = "grid", grid = {{ flux = {{ min = 3e-14, max = 1e-13 }}, core_radius = {{ min = 15.0, max = 30.0 }} }} }}
detection = "xamin"
[inject]
counts = "{d}/P0098010101M2U009IMAGE_3000.FTZ"
exposure = "{d}/P0098010101M2U009EXPMAP3000.FTZ"
background = "{d}/P0098010101M2X000BKGMAP3000.FTZ"
n_clusters = 2
[campaign]
name = "inject"
seed = 8
n_pointings = 2
"""


@pytest.mark.slow
def test_clusters_injected_into_a_real_image_are_recorded_and_found(real_data, tmp_path):
    d = real_data / "xmm_a1835_mos2"
    cfg = tmp_path / "inject.toml"
    cfg.write_text(TEMPLATE.format(d=d))
    assert main(["simulate", str(cfg), "--out", str(tmp_path / "o"), "--workers", "1"]) == 0
    truth = Table.read(tmp_path / "o" / "catalogues" / "truth.h5", path="truth")
    cand = Table.read(tmp_path / "o" / "catalogues" / "candidates.h5", path="candidates")
    pointings = Table.read(tmp_path / "o" / "catalogues" / "pointings.h5", path="pointings")
    assert len(truth) == 4 and set(truth["pointing"]) == {0, 1}
    assert np.all(truth["kind"] == "cluster")
    assert list(pointings["n_injected"]) == [2, 2]
    # Expected counts = flux x the cluster's own ECF (MOS2, APEC of its T and z, Z = 0.3,
    # default N_H 3e20) x the real exposure at the position.
    from selfunc.spectra import cluster_ecf
    expo = fits.getdata(d / "P0098010101M2U009EXPMAP3000.FTZ")
    e = expo[np.round(truth["y"]).astype(int), np.round(truth["x"]).astype(int)]
    ecf = cluster_ecf("mos2", truth["temperature"], 0.3, truth["redshift"], 3e20)
    assert np.allclose(truth["counts_expected"], truth["flux"] * ecf * e, rtol=1e-6)
    # 3e-14 to 1e-13 erg/s/cm2 in 28 ks of MOS2: 170-570 counts, all found, all extended.
    assert truth["detected"].all()
    # The candidate each injected cluster is matched to (its `match`) is extended. Fainter
    # fragments on a cluster's wings also carry its label; they are not what is measured.
    key = {(int(p), int(c)): k for k, (p, c) in enumerate(zip(cand["pointing"], cand["cand_id"]))}
    found = cand[[key[(int(p), int(m))] for p, m in zip(truth["pointing"], truth["match"])]]
    assert np.all(found["is_cluster"])
    assert (found["C1"] | found["C2"]).mean() >= 0.75


def test_inject_paths_are_checked(tmp_path, capsys):
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[inject]\ncounts = "absent.fits"\nexposure = "absent.fits"\n')
    assert main(["simulate", str(cfg), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "inject.counts" in err and "not found" in err
