"""FITS output of plates and cutouts, and reading real DSS files."""

import warnings

import numpy as np
import pytest
from astropy.io import fits
from astropy.coordinates import SkyCoord
from astropy.wcs import FITSFixedWarning
import astropy.units as u

from selfunc import optical
from selfunc.optical import OpticalConfig, read_plate, write_cutout, write_field
from selfunc.optical.plate import intensity_from_density

from .util import spec, truth

SP = spec(glat=35.0)
TRUTH = truth(SP, dict(kind="cluster", xi=0.0, eta=0.0, redshift=0.12, mass=2e14, flux=1e-13),
              dict(kind="star", xi=200.0, eta=100.0, mag_r=12.0, flux=1e-13))
DSS = "dss_astropy_wcs_test/dss.14.29.56-62.41.05.fits.gz"


@pytest.fixture(scope="module")
def field():
    return optical.observe(SP, TRUTH, OpticalConfig(field_size=10.0), np.random.default_rng(4))


def test_field_round_trip(field, tmp_path):
    path = write_field(field, tmp_path / "optical.fits")
    image, wcs, header = read_plate(path)
    assert np.array_equal(image, field.image)
    assert header["BITPIX"] == 16
    assert header["BAND"] == "R_F" and header["EMULSION"] == "IIIaF"
    assert header["MAGLIM"] == 20.8 and header["SEEING"] == 2.5
    assert header["SCANSTEP"] == pytest.approx(1.0 / 67.2 * 1000)
    assert header["DATAMAX"] == field.image.max()
    c = SkyCoord(TRUTH["ra"][1] * u.deg, TRUTH["dec"][1] * u.deg)
    assert np.allclose([float(v) for v in wcs.world_to_pixel(c)],
                       [float(v) for v in field.wcs.world_to_pixel(c)], atol=1e-6)
    with fits.open(path) as hdul:
        inten = hdul["INTENSITY"].data
        assert np.max(np.abs(inten - field.intensity)) <= field.scene.phot.sky_sigma / 16
        src = hdul["SOURCES"].data
        assert len(src) == len(field.scene.sources["xi"])
    # scan units back to intensity with the header keywords alone
    phot = field.scene.phot
    assert header["SKYSIGMA"] == pytest.approx(phot.sky_sigma)
    ok = field.image < 0.95 * header["SATLEVEL"]
    back = intensity_from_density(image[ok], phot)
    assert np.max(np.abs(back - field.intensity[ok])) < 0.02


def test_cutout_file(field, tmp_path):
    cut = optical.cutout(field, TRUTH["ra"][0], TRUTH["dec"][0], 4.0)
    path = write_cutout(cut, tmp_path / "cut.fits")
    image, wcs, header = read_plate(path)
    assert image.shape == (240, 240)
    assert np.array_equal(image, cut.image)
    assert header["CRPIX1"] == pytest.approx(cut.wcs.wcs.crpix[0])


def test_read_plate_rejects_non_images(tmp_path):
    p = tmp_path / "table.fits"
    fits.PrimaryHDU().writeto(p)
    with pytest.raises(ValueError, match="not a 2-D image"):
        read_plate(p)


def test_real_dss_header_wcs_is_read(real_data):
    """The STScI DSS plate solution (AMDX/PPO keywords) is understood: the reference pixel
    maps to the header's CRVAL and the scale is the DSS-1 1.7″."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FITSFixedWarning)
        warnings.simplefilter("ignore", fits.verify.VerifyWarning)
        image, wcs, header = read_plate(real_data / DSS)
    assert image.shape == (100, 100)
    c = wcs.pixel_to_world(header["CRPIX1"] - 1, header["CRPIX2"] - 1)
    ref = SkyCoord(header["CRVAL1"] * u.deg, header["CRVAL2"] * u.deg)
    assert c.separation(ref).arcsec < 1.0
    scale = np.sqrt(np.abs(np.linalg.det(wcs.pixel_scale_matrix))) * 3600
    assert scale == pytest.approx(1.7, abs=0.02)
    assert header["PLTSCALE"] == pytest.approx(67.2)


def test_synthetic_plate_statistics_are_plausible_against_real_dss(real_data, field):
    """Our plate and the real DSS scan share the traits the CNN sees: 16-bit scan units, a
    sky between fog and saturation, a long positive tail (objects) up to a saturation
    plateau, and sky noise a few per cent of the sky level."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        real, _, rh = read_plate(real_data / DSS)
    stats = {}
    for name, img, sat in (("real", real, rh["DATAMAX"]), ("ours", field.image.astype(float),
                                                          field.cfg.plate.saturation_level)):
        sky = np.median(img)
        d = np.diff(img, axis=1).ravel()
        noise = 1.4826 * np.median(np.abs(d - np.median(d))) / np.sqrt(2)
        p999 = np.percentile(img, 99.9)
        stats[name] = dict(sky=sky, noise_frac=noise / sky, tail=(p999 - sky) / (sky - np.percentile(img, 0.1)),
                           sat_frac=sat / sky)
        assert 2000 < sky < 8000
        assert 0.003 < noise / sky < 0.15
        assert (p999 - sky) > 3 * (sky - np.percentile(img, 0.1))   # skewed to bright
        assert 2.5 < sat / sky < 8
    print(stats)
    assert rh["BITPIX"] == 16
