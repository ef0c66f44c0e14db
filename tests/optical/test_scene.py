"""Scenes, fields and cutouts: seeds, windows, truth columns, both plates."""

import numpy as np
import pytest
from astropy.coordinates import SkyCoord
import astropy.units as u

from selfunc import optical
from selfunc.optical import OPTICAL_TRUTH_COLUMNS, OpticalConfig
from selfunc.pointing import rng_for

from .util import spec, truth

SP = spec(id=7, seed=11, glat=40.0)
ROWS = [dict(kind="cluster", xi=-200.0, eta=150.0, redshift=0.15, mass=3e14, flux=1e-13),
        dict(kind="central_agn", xi=-200.0, eta=150.0, redshift=0.15, mag_r=19.0, flux=2e-14, group=0),
        dict(kind="cluster", xi=300.0, eta=-250.0, redshift=0.9, mass=3e14, flux=1e-14),
        dict(kind="nearby_galaxy", xi=400.0, eta=380.0, redshift=0.01, mag_r=12.5, optical_radius=60.0),
        dict(kind="agn", xi=-450.0, eta=-420.0, mag_r=18.5, flux=1e-13),
        dict(kind="star", xi=100.0, eta=500.0, mag_r=14.0, flux=5e-14),
        dict(kind="double", xi=-60.0, eta=-600.0, mag_r=21.5, flux=1e-14)]
TRUTH = truth(SP, *ROWS)
CFG = OpticalConfig(field_size=20.0)


@pytest.fixture(scope="module")
def field():
    return optical.observe(SP, TRUTH, CFG, rng_for(SP.seed, SP.id, "optical"))


def test_fixed_seed_reproduces_bit_for_bit(field):
    again = optical.observe(SP, TRUTH, CFG, rng_for(SP.seed, SP.id, "optical"))
    assert np.array_equal(field.image, again.image)
    assert np.array_equal(field.intensity, again.intensity)
    assert field.image.dtype == np.int16 and field.image.shape == (1200, 1200)
    other = optical.scene(SP, TRUTH, CFG, rng_for(SP.seed + 1, SP.id, "optical"))
    assert other.noise_seed != field.scene.noise_seed


def test_cutout_from_scene_equals_window_of_field(field):
    sc = optical.scene(SP, TRUTH, CFG, rng_for(SP.seed, SP.id, "optical"))
    for k in (0, 3, 5):
        a = optical.cutout(field, TRUTH["ra"][k], TRUTH["dec"][k])
        b = optical.cutout(sc, TRUTH["ra"][k], TRUTH["dec"][k])
        assert a.image.shape == (420, 420)
        assert np.array_equal(a.image, b.image)
        assert np.array_equal(a.intensity, b.intensity)
        # the requested position is within half a pixel of the cutout centre
        x, y = a.wcs.world_to_pixel(SkyCoord(TRUTH["ra"][k] * u.deg, TRUTH["dec"][k] * u.deg))
        assert abs(float(x) - 209.5) <= 0.5 and abs(float(y) - 209.5) <= 0.5


def test_cutout_leaving_the_field_is_rendered_with_the_same_pixels(field):
    """A cutout straddling the field edge: the inside part equals the field's pixels."""
    ra, dec = field.wcs.pixel_to_world_values(1199, 600)
    cut = optical.cutout(field, float(ra), float(dec), size_arcmin=3.0)
    x0, y0, nx, ny = cut.region
    assert x0 + nx > 1200
    inside = 1200 - x0
    assert np.array_equal(cut.image[:, :inside], field.image[y0:y0 + ny, x0:1200])


def test_cutout_outside_the_drawn_sky_is_an_error(field):
    ra, dec = field.wcs.pixel_to_world_values(600 + 1200, 600)
    with pytest.raises(ValueError, match="leaves the sky drawn"):
        optical.cutout(field, float(ra), float(dec))
    with pytest.raises(ValueError, match="size_arcmin"):
        optical.cutout(field, TRUTH["ra"][0], TRUTH["dec"][0], size_arcmin=0.0)


def test_truth_gains_optical_columns(field):
    t = field.truth
    assert set(OPTICAL_TRUTH_COLUMNS) <= set(t.colnames)
    assert len(t) == len(TRUTH) and set(TRUTH.colnames) <= set(t.colnames)
    src = field.scene.sources
    low, high = t[0], t[2]
    assert low["richness"] > 20 and high["richness"] > 20
    assert low["n_members_visible"] > 40 and high["n_members_visible"] <= 2
    vis = np.sum(np.isin(src["kind"], ("member", "bcg")) & (src["truth_id"] == 0)
                 & (src["mag"] < CFG.limiting_magnitude))
    assert low["n_members_visible"] == vis
    assert low["mag_bcg"] < low["mag_star"] < high["mag_star"]
    sep = SkyCoord(low["bcg_ra"] * u.deg, low["bcg_dec"] * u.deg).separation(
        SkyCoord(low["ra"] * u.deg, low["dec"] * u.deg)).arcsec
    assert sep < 200
    assert t["mag_optical"][5] == pytest.approx(14.0)  # red plate: R_F = truth mag_r
    assert np.isnan(t["mag_optical"][0])
    assert t.meta["OPTBAND"] == "red"


def test_truth_sources_are_on_the_plate(field):
    """X-ray star, AGN and nearby galaxy are bright where the truth puts them."""
    for k in (3, 4, 5):
        x, y = field.wcs.world_to_pixel(SkyCoord(TRUTH["ra"][k] * u.deg, TRUTH["dec"][k] * u.deg))
        peak = field.intensity[int(round(float(y))), int(round(float(x)))]
        assert peak > 1.0 + 10 * field.scene.phot.sky_sigma, (TRUTH["kind"][k], peak)


def test_red_and_blue_plates_show_the_same_sky_differently():
    blue_cfg = OpticalConfig(field_size=20.0, band="blue")
    red = optical.scene(SP, TRUTH, CFG, rng_for(SP.seed, SP.id, "optical"))
    blue = optical.scene(SP, TRUTH, blue_cfg, rng_for(SP.seed, SP.id, "optical"))
    for key in ("xi", "eta", "mag_r", "mag_b"):
        assert np.array_equal(red.sources[key], blue.sources[key])
    assert np.array_equal(blue.sources["mag"], blue.sources["mag_b"])
    assert blue.truth["mag_optical"][5] > red.truth["mag_optical"][5]
    cut_r = optical.cutout(red, TRUTH["ra"][0], TRUTH["dec"][0], 3.0)
    cut_b = optical.cutout(blue, TRUTH["ra"][0], TRUTH["dec"][0], 3.0)
    assert not np.array_equal(cut_r.image, cut_b.image)
    assert cut_b.band == "blue"


def test_missing_truth_column_is_named():
    t = TRUTH.copy()
    t.remove_column("mag_r")
    with pytest.raises(ValueError, match="missing column.*mag_r"):
        optical.scene(SP, t, CFG, np.random.default_rng(0))


def test_grid_mode_cluster_without_mass_uses_scaling_relations():
    t = TRUTH.copy()
    t["mass"][0] = np.nan
    t["luminosity"][0] = 2e44
    sc = optical.scene(SP, t, CFG, np.random.default_rng(0))
    assert sc.truth["richness"][0] > 0
    t["luminosity"][0] = np.nan
    with pytest.raises(ValueError, match="neither mass nor luminosity"):
        optical.scene(SP, t, CFG, np.random.default_rng(0))


def test_truth_read_back_from_hdf5_with_byte_kinds_gives_the_same_scene(field):
    """A merged truth.h5 stores ``kind`` as bytes: the scene must not lose its clusters."""
    t = TRUTH.copy()
    t["kind"] = np.char.encode(np.asarray(t["kind"]).astype(str), "ascii")
    again = optical.observe(SP, t, CFG, rng_for(SP.seed, SP.id, "optical"))
    assert np.array_equal(field.image, again.image)
