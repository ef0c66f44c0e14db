"""The same RA/Dec lands on the same object in the X-ray and the optical images.

Bright X-ray stars (also bright on the plate) are simulated by the X-ray stage
(:func:`selfunc.xray.observe`, roll ≠ 0, off axis) and by the optical stage; each image is
centroided about the truth position and the centroid turned into RA/Dec with that image's
own WCS. Both must agree with each other (and with the truth) within 1″.
"""

import numpy as np
from astropy.coordinates import SkyCoord
import astropy.units as u

from selfunc import optical, xray
from selfunc.config.models import InstrumentConfig, PopulationConfig
from selfunc.optical.config import OpticalConfig
from selfunc.optical.plate import intensity_from_density

from .util import spec, truth


def centroid(img, x, y, r):
    """Iterated first moment within ``r`` pixels of (x, y)."""
    for _ in range(3):
        ix, iy = int(round(x)), int(round(y))
        yy, xx = np.mgrid[iy - r:iy + r + 1, ix - r:ix + r + 1]
        w = np.where(np.hypot(xx - x, yy - y) <= r, img[iy - r:iy + r + 1, ix - r:ix + r + 1], 0.0)
        x, y = (w * xx).sum() / w.sum(), (w * yy).sum() / w.sum()
    return x, y


def test_xray_and_optical_positions_agree():
    sp = spec(ra=210.0, dec=-35.0, roll=37.0)
    pos = [(150.0, -100.0), (-420.0, 380.0), (500.0, 430.0), (-600.0, -200.0)]
    t = truth(sp, *[dict(kind="star", xi=x, eta=y, flux=1e-12, mag_r=17.0) for x, y in pos])
    obs = xray.observe(sp, t, InstrumentConfig(), PopulationConfig(), np.random.default_rng(2))
    field = optical.observe(sp, t, OpticalConfig(), np.random.default_rng(3))
    xray_img = obs.counts["combined"] - obs.background["combined"]
    opt_img = intensity_from_density(field.image, field.scene.phot) - 1.0
    worst = 0.0
    for k in range(len(t)):
        c = SkyCoord(t["ra"][k] * u.deg, t["dec"][k] * u.deg)
        xx, xy = (float(v) for v in obs.wcs.world_to_pixel(c))
        ox, oy = (float(v) for v in field.wcs.world_to_pixel(c))
        cx = obs.wcs.pixel_to_world(*centroid(xray_img, xx, xy, 4))   # 10" radius
        co = field.wcs.pixel_to_world(*centroid(opt_img, ox, oy, 5))  # 5" radius
        d = cx.separation(co).arcsec
        print(f"star {k}: X-ray−truth {cx.separation(c).arcsec:.2f}\", optical−truth "
              f"{co.separation(c).arcsec:.2f}\", X-ray−optical {d:.2f}\"")
        assert d < 1.0 and cx.separation(c).arcsec < 1.0 and co.separation(c).arcsec < 1.0
        worst = max(worst, d)
    print(f"largest X-ray/optical offset {worst:.2f}\"")


def test_plate_wcs_has_the_xray_convention():
    """Same tangent point and orientation: tangent-plane offsets agree to 1e-6 arcsec."""
    from selfunc.sky.tangent import tangent_wcs

    wx = tangent_wcs(33.0, -71.0, 768, 2.5)
    wo = tangent_wcs(33.0, -71.0, 1920, 1.0)
    rng = np.random.default_rng(0)
    ra = 33.0 + rng.uniform(-0.8, 0.8, 50)
    dec = -71.0 + rng.uniform(-0.25, 0.25, 50)
    xx, xy = wx.world_to_pixel_values(ra, dec)
    ox, oy = wo.world_to_pixel_values(ra, dec)
    assert np.allclose((xx - 383.5) * 2.5, (ox - 959.5) * 1.0, atol=1e-6)
    assert np.allclose((xy - 383.5) * 2.5, (oy - 959.5) * 1.0, atol=1e-6)
