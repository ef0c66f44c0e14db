"""Seeing, plate limit and the photographic response."""

import galsim
import numpy as np
import pytest
from scipy.optimize import least_squares

from selfunc import optical
from selfunc.optical import psf
from selfunc.optical.config import FieldGalaxyConfig, OpticalConfig, PlateResponse
from selfunc.optical.plate import density_from_intensity, intensity_from_density, photometry

from .util import blank, spec


def fit_moffat(stamp):
    """(FWHM, x0, y0) of a Moffat with free α, β fitted to a background-free stamp."""
    h = stamp.shape[0] // 2
    yy, xx = np.mgrid[-h:h + 1, -h:h + 1]

    def resid(p):
        a, x0, y0, al, be, bg = p
        return (a * (1 + ((xx - x0) ** 2 + (yy - y0) ** 2) / al**2) ** (-be) + bg - stamp).ravel()

    r = least_squares(resid, [stamp.max(), 0, 0, 2.5, 3.0, 0.0],
                      bounds=([0, -3, -3, 0.3, 1.01, -1], [np.inf, 3, 3, 20, 20, 1]))
    a, x0, y0, al, be, _ = r.x
    return 2 * al * np.sqrt(2 ** (1 / be) - 1), x0, y0


def star_fwhm(cfg, seed=1):
    """Median FWHM (pixels) of isolated unsaturated stars, measured on the int16 plate
    read back through the inverse characteristic curve."""
    sp = spec(glat=30.0)
    field = optical.observe(sp, blank(sp), cfg, np.random.default_rng(seed))
    src = field.scene.sources_table()
    e = intensity_from_density(field.image, field.scene.phot) - 1.0
    n = field.image.shape[0]
    peak_mag = field.scene.phot.magnitude(4.0 / 0.1)  # peak ≈ 4 sky: below half-saturation
    sel = np.nonzero((src["mag"] > peak_mag) & (src["mag"] < cfg.limiting_magnitude - 2)
                     & (src["x"] > 12) & (src["x"] < n - 13) & (src["y"] > 12) & (src["y"] < n - 13))[0]
    vis = src["mag"] < cfg.limiting_magnitude + 0.5
    out = []
    for k in sel:
        d = np.hypot(src["x"][vis] - src["x"][k], src["y"][vis] - src["y"][k])
        if np.sum(d < 12) > 1:
            continue
        ix, iy = int(round(src["x"][k])), int(round(src["y"][k]))
        out.append(fit_moffat(e[iy - 10:iy + 11, ix - 10:ix + 11])[0])
    return np.median(out), len(out)


@pytest.mark.parametrize("fwhm", [2.5, 3.2])
def test_star_fwhm_matches_configured_seeing(fwhm):
    cfg = OpticalConfig(seeing_fwhm=fwhm, field_size=16.0, galaxies=FieldGalaxyConfig(density_at_20=0.0))
    measured, n = star_fwhm(cfg)
    print(f"seeing {fwhm}\": measured FWHM {measured:.3f}\" on {n} stars, ratio {measured / fwhm:.3f}")
    assert n >= 20
    # the scan pixel adds ~1/12 px² per axis: +3.5 % at 2.5"
    assert measured / fwhm == pytest.approx(1.0, abs=0.10)


def test_plate_limit_is_five_sigma_for_point_sources():
    """PSF-weighted S/N of m_lim stars on pure noise is 5 (mean over many)."""
    cfg = OpticalConfig()
    phot = photometry(cfg)
    h = 40
    gimg = galsim.ImageD(2 * h + 1, 2 * h + 1, scale=1.0)
    psf.psf_profile(cfg.seeing_fwhm, cfg.moffat_beta, cfg.halo).drawImage(gimg)
    p = gimg.array / gimg.array.sum()
    rng = np.random.default_rng(5)
    noise = rng.normal(0.0, phot.sky_sigma, (2000, *p.shape))
    data = phot.flux(cfg.limiting_magnitude) * p + noise
    est = (data * p).sum(axis=(1, 2)) / (p**2).sum()
    sigma = phot.sky_sigma / np.sqrt((p**2).sum())
    snr = est / sigma
    assert snr.mean() == pytest.approx(5.0, abs=0.1)
    assert snr.std() == pytest.approx(1.0, abs=0.05)
    assert phot.nea == pytest.approx(1.0 / (p**2).sum(), rel=1e-2)


def test_response_is_monotonic_invertible_and_saturates():
    phot = photometry(OpticalConfig())
    e = np.geomspace(1e-3, 1e4, 500)
    d = density_from_intensity(e, phot)
    assert np.all(np.diff(d) > 0)
    assert density_from_intensity(1.0, phot) == pytest.approx(4500.0)
    assert density_from_intensity(0.0, phot) == pytest.approx(2000.0)
    assert d[-1] == pytest.approx(20000.0, rel=1e-3)
    ok = d < 19990
    assert np.allclose(intensity_from_density(d[ok], phot), e[ok], rtol=1e-9)
    assert np.isnan(intensity_from_density(20000.0, phot))


def test_bright_stars_saturate_and_faint_ones_do_not():
    cfg = OpticalConfig(field_size=16.0, galaxies=FieldGalaxyConfig(density_at_20=0.0))
    sp = spec(glat=20.0)
    t = optical.observe(sp, blank(sp), cfg, np.random.default_rng(3))
    src = t.scene.sources_table()
    n = t.image.shape[0]
    inside = (src["x"] > 5) & (src["x"] < n - 6) & (src["y"] > 5) & (src["y"] < n - 6)
    peak = lambda k: t.image[int(round(src["y"][k])), int(round(src["x"][k]))]
    bright = np.nonzero(inside & (src["mag"] < 13.0))[0]
    faint = np.nonzero(inside & (src["mag"] > 18.0) & (src["mag"] < 19.0))[0]
    assert len(bright) >= 3 and len(faint) >= 20
    assert all(peak(k) > 0.97 * cfg.plate.saturation_level for k in bright)
    assert np.median([peak(k) for k in faint]) < 0.5 * cfg.plate.saturation_level
    assert t.image.max() <= cfg.plate.saturation_level


def test_sky_level_and_noise_in_scan_units():
    cfg = OpticalConfig(field_size=8.0, galaxies=FieldGalaxyConfig(density_at_20=0.0),
                        stars={"density_at_20": 0.0}, plate=PlateResponse(sky_level=5000.0))
    sp = spec()
    f = optical.observe(sp, blank(sp), cfg, np.random.default_rng(0))
    phot = f.scene.phot
    assert np.median(f.image) == pytest.approx(5000.0, abs=2)
    assert np.std(f.image) == pytest.approx(phot.sky_sigma * phot.density_slope, rel=0.05)
    assert np.std(f.intensity) == pytest.approx(phot.sky_sigma, rel=0.02)
