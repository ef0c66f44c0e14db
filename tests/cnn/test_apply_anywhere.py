"""``selfunc apply-cnn`` on a campaign pointing (its plate re-drawn from the folder) gives the
campaign's own p_cluster bit for bit; on real images it reads a real DSS plate."""

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table

import selfunc.config  # noqa: F401 — import order of the config ↔ stamps leak (issue 19)
from selfunc.campaign.screening import default_model_path
from selfunc.cli import main
from selfunc.errors import SelfuncError
from selfunc.cnn.pointing import pointing_inputs
from selfunc.optical import cutout, read_plate
from selfunc.stamps import read_image
from selfunc.sky.tangent import tangent_wcs

CAMPAIGN = """
instrument = { preset = "epic", npix = 384 }
survey = "xclass"
population = { preset = "grid", grid = { n_per_pointing = 4, flux = { min = 3e-14, max = 2e-13 } } }
[campaign]
name = "apply"
seed = 5
n_pointings = 1
stages = ["sky", "xray", "optical", "detect", "cnn"]
[cnn]
screen = "C1 or C2 or (ext > 0 and ext_ml > 5)"
"""

# shared/ beside the repository (CI), inside it, or beside a worktree's parent folder
_REPO = Path(__file__).resolve().parents[2]
_DSS_AT = Path("data", "real", "dss_astropy_wcs_test", "dss.14.29.56-62.41.05.fits.gz")
DSS = next((p / "shared" / _DSS_AT for p in (_REPO.parent, _REPO, _REPO.parent.parent)
            if (p / "shared" / _DSS_AT).is_file()), _REPO / "shared" / _DSS_AT)


@pytest.fixture(scope="module")
def campaign(tmp_path_factory):
    root = tmp_path_factory.mktemp("apply")
    (root / "c.toml").write_text(CAMPAIGN)
    assert main(["simulate", str(root / "c.toml"), "--out", str(root / "run"), "--workers", "1"]) == 0
    return root / "run"


@pytest.mark.slow
def test_apply_on_a_campaign_pointing_is_the_campaigns_p_cluster(campaign, tmp_path):
    out = tmp_path / "scored.fits"
    plate = tmp_path / "plate.fits"
    assert main(["apply-cnn", str(default_model_path()), "--campaign", str(campaign),
                 "--pointing", "0", "--out", str(out), "--write-optical", str(plate)]) == 0
    ref = Table.read(campaign / "pointings" / "00000" / "candidates.fits")
    mine = Table.read(out)
    p_ref = np.asarray(ref["p_cluster"])
    assert np.isfinite(p_ref).sum() > 0
    for col in ("p_cluster", "p_non_cluster"):  # bit for bit, NaN where not screened
        assert np.array_equal(np.asarray(mine[col]), np.asarray(ref[col]), equal_nan=True), col
    # The written plate is the one the stamps were cut from: the field about the pointing,
    # whose window at a screened candidate is the 7' cutout the stamp was made of.
    image, wcs, header = read_plate(plate)
    inputs = pointing_inputs(campaign, 0)
    n = round(inputs.cfg.optical.field_size * 60 / inputs.cfg.optical.pixel_size)
    assert image.shape == (n, n) and header["POINTING"] == 0
    k = int(np.nonzero(np.isfinite(p_ref))[0][0])
    cut = cutout(inputs.scene, float(ref["ra"][k]), float(ref["dec"][k]), 7.0)
    x0, y0, nx, ny = cut.region
    assert np.array_equal(image[y0:y0 + ny, x0:x0 + nx], cut.image.astype(float))
    ra, dec = wcs.pixel_to_world_values((n - 1) / 2, (n - 1) / 2)
    assert abs(ra - header["RA_PNT"]) * np.cos(np.radians(dec)) * 3600 < 1.0
    assert abs(dec - header["DEC_PNT"]) * 3600 < 1.0


@pytest.mark.slow
def test_apply_on_a_campaign_errors_are_one_line(campaign, tmp_path, capsys):
    model = str(default_model_path())
    o = str(tmp_path / "o.fits")
    assert main(["apply-cnn", model, "--campaign", str(campaign), "--out", o]) == 2
    assert "give --pointing N" in capsys.readouterr().err
    assert main(["apply-cnn", model, "--campaign", str(campaign), "--pointing", "7", "--out", o]) == 2
    err = capsys.readouterr().err
    assert "pointing 7 is not finished" in err and "has 1 pointings" in err
    assert main(["apply-cnn", model, "--campaign", str(tmp_path), "--pointing", "0", "--out", o]) == 2
    assert "not a campaign folder (no campaign.toml)" in capsys.readouterr().err
    assert main(["apply-cnn", model, "--campaign", str(campaign), "--pointing", "0",
                 "--images", "x.fits", "--out", o]) == 2
    assert "--images comes from the campaign folder" in capsys.readouterr().err


@pytest.mark.skipif(not DSS.is_file(), reason="shared/data/real not present")
def test_real_dss_plate_is_read_at_its_plate_solution():
    image, wcs = read_image(DSS)
    assert image.shape == (100, 100)
    # OBJECT centre 14:29:56 −62:41:05 (J2000, header) at the middle of the 100 × 100 cutout
    ra, dec = wcs.pixel_to_world_values(49.5, 49.5)
    ra0, dec0 = 15 * (14 + 29 / 60 + 56 / 3600), -(62 + 41 / 60 + 5 / 3600)
    assert abs(ra - ra0) * np.cos(np.radians(dec0)) * 3600 < 2.0
    assert abs(dec - dec0) * 3600 < 2.0
    scale = np.sqrt(abs(np.linalg.det(wcs.pixel_scale_matrix))) * 3600
    assert scale == pytest.approx(1.70, abs=0.01)  # XPIXELSZ 25.28 µm at 67.2"/mm (README)


@pytest.mark.skipif(not DSS.is_file(), reason="shared/data/real not present")
def test_apply_with_a_real_dss_plate(tmp_path, capsys):
    ra0, dec0 = 217.48366, -62.68516
    wcs = tangent_wcs(ra0, dec0, 300, 2.5)
    counts = np.random.default_rng(0).poisson(0.05, (300, 300)).astype(np.int32)
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(counts, header=wcs.to_header(),
                                                   name="COUNTS")]).writeto(tmp_path / "x.fits")
    Table({"cand_id": [0, 1], "ra": [ra0, ra0 + 0.005], "dec": [dec0, dec0 + 0.003]}).write(
        tmp_path / "c.fits")
    model = str(default_model_path())
    out = tmp_path / "o.fits"
    assert main(["apply-cnn", model, str(tmp_path / "c.fits"), "--images", str(tmp_path / "x.fits"),
                 "--optical", str(DSS), "--out", str(out)]) == 0
    t = Table.read(out)
    p = np.asarray(t["p_cluster"], float)
    np.testing.assert_allclose(p + np.asarray(t["p_non_cluster"], float), 1.0, rtol=1e-5)
    assert np.all((p >= 0) & (p <= 1))
    # A candidate off the 2.8' plate: one line naming the flag and the file.
    Table({"cand_id": [0], "ra": [210.2632], "dec": [2.8518]}).write(tmp_path / "far.fits")
    assert main(["apply-cnn", model, str(tmp_path / "far.fits"), "--images",
                 str(tmp_path / "x.fits"), "--optical", str(DSS), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--images" in err[0] and "lies outside this image" in err[0]
    with pytest.raises(SelfuncError):
        read_image(tmp_path / "missing.fits")


def test_relabel_binary_gives_the_screeners_verdicts():
    from selfunc.cnn.labels import relabel_binary

    from .conftest import tiny_dataset

    ds = tiny_dataset(12)
    ids = ds.ids[:10]
    says = np.array([True, False] * 5)
    out = relabel_binary(ds, ids, says)
    assert out.ids.tolist() == ids.tolist()  # stamps without a verdict are dropped
    assert np.array_equal(out.is_cluster, says)
    agree = np.isin(ds.labels[:10], ("low-z", "hi-z")) == says
    assert np.array_equal(out.labels[agree], ds.labels[:10][agree])  # kept where they agree
    r = out.provenance["relabelled"]
    assert r["dropped"] == 2 and r["to_cluster"] + r["to_non_cluster"] == int((~agree).sum())
    with pytest.raises(SelfuncError, match="no stamp has a volunteers label"):
        relabel_binary(ds, ["x"], [True])


@pytest.mark.slow
def test_volunteer_labels_of_a_campaign(campaign, capsys):
    from selfunc.cli.train_cnn import load_stamps, volunteer_labelled

    ds = load_stamps(str(campaign), "train", "zenodo")
    with pytest.raises(SelfuncError, match="run 'selfunc crowd volunteers"):
        volunteer_labelled(ds, str(campaign), "binary")
    assert main(["crowd", "volunteers", str(campaign)]) == 0
    cand = Table.read(campaign / "catalogues" / "candidates.h5")
    p = np.asarray(cand["p_volunteer_cluster"], float)
    out = volunteer_labelled(ds, str(campaign), "binary")
    assert len(out) == len(ds) == np.isfinite(p).sum()  # the campaign's screen, both
    assert out.is_cluster.sum() == (p > 0.5).sum()
    with pytest.raises(SelfuncError, match="use --task binary"):
        volunteer_labelled(ds, str(campaign), "five")
