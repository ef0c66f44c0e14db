"""[outputs]: what a pointing keeps on disk changes no number (issue 16)."""

import hashlib
from pathlib import Path

import pytest
from astropy.io import fits

from selfunc.campaign import run_campaign
from selfunc.cli import main
from selfunc.config import load_campaign
from selfunc.errors import SelfuncError

CONFIG = """
instrument = {{ preset = "epic", npix = 256 }}
survey = "xclass10"
population = {{ preset = "grid", grid = {{ n_per_pointing = 2 }}, agn = {{ flux_min = 5e-15 }} }}
detection = "xamin"
[campaign]
name = "outputs-test"
seed = 5
n_pointings = 2
stages = ["sky", "xray", "detect"]
[outputs]
images = "{images}"
"""

#: Catalogue mode's budget per pointing (issue 16).
BUDGET = 200_000


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(tmp_path, images):
    path = tmp_path / f"{images}.toml"
    path.write_text(CONFIG.format(images=images))
    out = tmp_path / images
    assert main(["simulate", str(path), "--out", str(out), "--workers", "1"]) == 0
    return out


@pytest.mark.slow
def test_catalogue_mode_writes_no_image_and_the_same_tables(tmp_path):
    full, none, combined = (run(tmp_path, m) for m in ("all", "none", "combined"))
    for pid in ("00000", "00001"):
        a, b = full / "pointings" / pid, none / "pointings" / pid
        assert not (b / "xray.fits").exists()
        for name in ("truth.fits", "candidates.fits"):  # bit-identical tables
            assert digest(a / name) == digest(b / name), (pid, name)
        for f in b.iterdir():  # no image HDU in any file that is kept
            if f.suffix == ".fits":
                with fits.open(f) as hdul:
                    assert all(h.is_image is False or h.data is None for h in hdul), f
        assert sum(f.stat().st_size for f in b.iterdir()) < BUDGET
        with fits.open(combined / "pointings" / pid / "xray.fits") as hdul:
            assert [h.name for h in hdul][1:] == ["COUNTS", "EXPOSURE", "BACKGROUND", "MODEL"]
    for name in ("truth", "candidates", "pointings"):
        assert digest(full / "catalogues" / f"{name}.h5") == digest(none / "catalogues" / f"{name}.h5")


@pytest.mark.slow
def test_xclass_pointing_in_catalogue_mode_fits_the_budget(tmp_path):
    """A realistic X-CLASS pointing with every per-pointing stage through the CNN, as
    sims/xclass.toml defines it."""
    cfg = load_campaign(Path(__file__).resolve().parents[2] / "sims" / "xclass.toml")
    stages = tuple(s for s in cfg.campaign.stages if s not in ("fit", "report"))
    cfg = cfg.model_copy(update={"campaign": cfg.campaign.model_copy(
        update={"n_pointings": 1, "stages": stages})})
    assert cfg.outputs.images == "none" and not cfg.outputs.stamps
    out = tmp_path / "x"
    run_campaign(cfg, out, workers=1)
    files = list((out / "pointings" / "00000").iterdir())
    assert sorted(f.name for f in files) == ["candidates.fits", "done.json", "truth.fits"]
    assert sum(f.stat().st_size for f in files) < BUDGET


def test_outputs_key_is_checked(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(CONFIG.format(images="some"))
    with pytest.raises(SelfuncError, match=r"bad.toml: key 'outputs.images' = 'some'"):
        load_campaign(path)


def test_stamps_nobody_keeps_are_refused(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(CONFIG.format(images="none").replace(
        '"detect"]', '"detect", "stamps"]') + "stamps = false\n")
    with pytest.raises(SelfuncError, match="outputs.stamps"):
        run_campaign(load_campaign(path), tmp_path / "out", workers=1)
