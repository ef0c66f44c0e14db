"""Cutouts, resampling, composites, channel orders and stamps of candidates."""

import numpy as np
import pytest
from astropy.table import Table

from selfunc.stamps import (PAPER, ZENODO, StampConfig, band_stamp, channel_order, compose,
                            cutout, load_stamp_config, make_stamps, reorder, resample)
from selfunc.config.stamps import BandConfig, CutConfig
from selfunc.sky.tangent import tangent_wcs


def sky(npix=400, pixel=2.5, ra=150.0, dec=2.0):
    return np.zeros((npix, npix)), tangent_wcs(ra, dec, npix, pixel)


def test_xray_cutout_is_168_pixels_about_the_position():
    image, wcs = sky()
    x, y = 123, 251
    image[y, x] = 50.0
    ra, dec = wcs.pixel_to_world_values(x, y)
    data, cw = cutout(image, wcs, ra, dec, size_arcmin=7.0)
    assert data.shape == (168, 168)  # 420″ / 2.5″
    iy, ix = np.unravel_index(np.argmax(data), data.shape)
    assert abs(ix - 83.5) <= 0.5 and abs(iy - 83.5) <= 0.5  # centre of an even cutout
    cx, cy = cw.world_to_pixel_values(ra, dec)
    assert (cx, cy) == pytest.approx((ix, iy), abs=1e-6)


def test_optical_cutout_is_420_pixels_and_partial_fill():
    image, wcs = sky(npix=500, pixel=1.0)
    image[:] = 7.0
    ra, dec = wcs.pixel_to_world_values(10, 250)  # near the left edge
    data, _ = cutout(image, wcs, ra, dec, size_arcmin=7.0, fill_value=np.nan)
    assert data.shape == (420, 420)
    assert np.isnan(data[:, :150]).all() and (data[:, 250:] == 7.0).all()
    with pytest.raises(ValueError, match="outside"):
        cutout(image, wcs, ra + 1.0, dec)


def test_resample_to_356():
    rng = np.random.default_rng(0)
    for n in (168, 420):
        a = rng.uniform(0, 10, (n, n))
        r = resample(a, 356)
        assert r.shape == (356, 356) and r.dtype == np.float32
        assert r.mean() == pytest.approx(a.mean(), rel=0.01)
    flat = resample(np.full((168, 168), 3.0), 356)
    np.testing.assert_allclose(flat, 3.0, rtol=1e-6)
    same = np.arange(16.0).reshape(4, 4)
    np.testing.assert_array_equal(resample(same, 4), same)


def test_band_stamp_inverts_a_source():
    image, wcs = sky()
    image[200, 200] = 100.0
    ra, dec = wcs.pixel_to_world_values(200, 200)
    band = BandConfig(cuts=CutConfig(method="fixed", min_cut=0.0, max_cut=10.0))
    png = band_stamp(image, wcs, ra, dec, band, npix=356)
    assert png.shape == (356, 356, 3) and png.dtype == np.uint8
    assert (png[0, 0] == 255).all()          # empty sky is white
    assert (png[175:181, 175:181] == 0).any()  # the source is black at the centre


def test_channel_orders():
    assert channel_order("paper") == PAPER == ("empty", "xray", "optical")
    assert channel_order("zenodo") == ZENODO == ("empty", "optical", "xray")
    assert channel_order("xray,empty,optical") == ("xray", "empty", "optical")
    assert StampConfig().order == PAPER  # the default is the paper's text
    assert load_stamp_config().order == PAPER
    with pytest.raises(ValueError):
        channel_order(("empty", "xray", "xray"))


def test_compose_kinds_and_reorder():
    x = np.full((2, 4, 4), 10, np.uint8)
    o = np.full((2, 4, 4), 20, np.uint8)
    c = compose("composite", xray_grey=x, optical_grey=o)  # paper: R empty, G X-ray, B optical
    assert c.shape == (2, 4, 4, 3) and list(c[0, 0, 0]) == [0, 10, 20]
    z = compose("composite", xray_grey=x, optical_grey=o, order=ZENODO)
    assert list(z[0, 0, 0]) == [0, 20, 10]
    np.testing.assert_array_equal(reorder(z, ZENODO, PAPER), c)
    assert list(compose("xray", xray_grey=x)[0, 0, 0]) == [0, 10, 0]
    assert list(compose("optical", optical_grey=o)[0, 0, 0]) == [0, 0, 20]
    six = compose("six", xray_rgb=np.ones((1, 4, 4, 3), np.uint8),
                  optical_rgb=np.full((1, 4, 4, 3), 2, np.uint8))
    assert six.shape == (1, 4, 4, 6) and list(six[0, 0, 0]) == [1, 1, 1, 2, 2, 2]
    with pytest.raises(ValueError, match="optical"):
        compose("composite", xray_grey=x)


def test_make_stamps_from_candidates():
    image, wcs = sky()
    image[200, 200] = 30.0
    opt, owcs = sky(npix=600, pixel=1.0)
    opt += 100.0
    ra, dec = wcs.pixel_to_world_values([200, 210], [200, 190])
    cand = Table({"pointing": [3, 3], "cand_id": [0, 1], "ra": ra, "dec": dec,
                  "label": ["low-z", "point "]})
    cfg = StampConfig(npix=64)
    ds = make_stamps(cand, xray=(image, wcs), optical=lambda r, d: (opt, owcs), config=cfg,
                     provenance={"pointing": 3})
    assert list(ds.ids) == ["00003-00000", "00003-00001"]
    assert list(ds.labels) == ["low-z", "point"] and list(ds.is_cluster) == [True, False]
    assert ds.xray_rgb.shape == (2, 64, 64, 3) and ds.optical_rgb.shape == (2, 64, 64, 3)
    assert ds.provenance["pointing"] == 3 and ds.provenance["stamps"]["npix"] == 64
    assert ds.inputs("composite").shape == (2, 64, 64, 3)
    assert ds.inputs("six").shape == (2, 64, 64, 6)
    with pytest.raises(ValueError, match="optical"):
        make_stamps(cand, xray=(image, wcs), config=cfg)
