"""`selfunc simulate`: files, WCS, determinism, independence, resume."""

import hashlib
import json
import shutil

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS

from selfunc.cli import main
from selfunc.config import configs_dir, load_campaign
from selfunc.campaign.simulate import simulate_pointing
from selfunc.pointing import draw_pointings

SMALL = """
instrument = { preset = "epic", npix = 384 }
survey = "xclass"
population = { preset = "grid", grid = { n_per_pointing = 3 } }
[campaign]
name = "test"
seed = 11
n_pointings = 2
stages = ["sky", "xray", "detect"]
"""


@pytest.fixture
def small_config(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(SMALL)
    return path


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """One run of the small campaign, shared by the tests that only read it (or copy it)."""
    root = tmp_path_factory.mktemp("small")
    config = root / "small.toml"
    config.write_text(SMALL)
    out = root / "run"
    assert main(["simulate", str(config), "--out", str(out)]) == 0
    return out


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_simulate_writes_fits_with_celestial_wcs(small_run):
    out = small_run
    f = out / "pointings" / "00000" / "xray.fits"
    truth = Table.read(out / "pointings" / "00000" / "truth.fits")
    with fits.open(f) as hdul:
        names = [h.name for h in hdul]
        for name in ("COUNTS", "EXPOSURE", "BACKGROUND", "MODEL", "COUNTS_PN", "EXPOSURE_MOS1",
                     "BACKGROUND_MOS2"):
            assert name in names
        w = WCS(hdul["COUNTS"].header)
        assert w.has_celestial and w.celestial.wcs.ctype[0] == "RA---TAN"
        counts = hdul["COUNTS"].data
        assert counts.dtype.kind == "i" and counts.sum() > 0
        assert np.array_equal(counts, sum(hdul[f"COUNTS_{c}"].data for c in ("PN", "MOS1", "MOS2")))
        # The truth's RA/Dec land on the truth's pixel through the file's WCS.
        x, y = w.world_to_pixel_values(truth["ra"], truth["dec"])
        assert np.allclose(x, truth["x"], atol=1e-3) and np.allclose(y, truth["y"], atol=1e-3)
        ra_pnt = hdul[0].header["RA_PNT"]
        c = w.pixel_to_world_values((384 - 1) / 2, (384 - 1) / 2)
        assert c[0] == pytest.approx(ra_pnt, abs=1e-9)
    assert truth["flux"].unit == "erg / (s cm2)" and truth["core_radius"].unit == "arcsec"
    cat = Table.read(out / "catalogues" / "truth.h5", path="truth")
    assert set(cat["pointing"]) == {0, 1}
    toml = (out / "campaign.toml").read_text()
    assert "git_revision" in toml and "seed = 11" in toml


@pytest.mark.slow
def test_same_seed_bit_identical_files(tmp_path, small_config, small_run):
    a, b = small_run, tmp_path / "b"
    assert main(["simulate", str(small_config), "--out", str(b)]) == 0
    for name in ("xray.fits", "truth.fits"):
        for pid in ("00000", "00001"):
            assert digest(a / "pointings" / pid / name) == digest(b / "pointings" / pid / name)


def test_different_pointings_are_independent(small_config):
    cfg = load_campaign(small_config)
    spec0, spec1 = draw_pointings(cfg.survey, 2, cfg.campaign.seed)
    # Same sky position and settings, different id: the noise must not be correlated.
    import dataclasses
    spec1 = dataclasses.replace(spec0, id=1)
    _, o0 = simulate_pointing(spec0, cfg)
    _, o1 = simulate_pointing(spec1, cfg)
    r0 = (o0.counts["combined"] - o0.background["combined"]).ravel()
    r1 = (o1.counts["combined"] - o1.background["combined"]).ravel()
    keep = (o0.background["combined"].ravel() > 0)
    corr = np.corrcoef(r0[keep], r1[keep])[0, 1]
    assert abs(corr) < 5 / np.sqrt(keep.sum()) + 0.02  # bright sources differ too
    assert not np.array_equal(o0.counts["combined"], o1.counts["combined"])


@pytest.mark.slow
def test_resume_skips_finished_pointings_and_refuses_changed_config(tmp_path, small_config,
                                                                    small_run, capsys):
    out = tmp_path / "run"
    shutil.copytree(small_run, out)  # a finished campaign, as the shared run left it
    before = digest(out / "pointings" / "00000" / "xray.fits")
    (out / "pointings" / "00001" / "done.json").unlink()
    capsys.readouterr()
    assert main(["simulate", str(small_config), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "1 of 2 pointings to run" in printed
    assert "pointing 1" in printed and "pointing 0" not in printed
    assert digest(out / "pointings" / "00000" / "xray.fits") == before
    assert not list(out.rglob("*.tmp"))
    changed = tmp_path / "changed.toml"
    changed.write_text(SMALL.replace("seed = 11", "seed = 12"))
    assert main(["simulate", str(changed), "--out", str(out)]) == 2
    assert "different config" in capsys.readouterr().err
    assert main(["simulate", str(changed), "--out", str(out), "--force"]) == 0
    assert json.loads((out / "pointings" / "00000" / "done.json").read_text())["pointing"] == 0


@pytest.mark.slow
def test_quickstart_preset_resolves_by_name(tmp_path):
    assert main(["simulate", "quickstart", "--out", str(tmp_path / "q"), "--pointings", "1"]) == 0
    assert (tmp_path / "q" / "pointings" / "00000" / "xray.fits").is_file()
