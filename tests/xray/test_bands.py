"""Sub-band images (selfunc.xray.bands): the detection band is untouched, the soft bands add up
to it, and each band's counts and background follow the spectra and the cited levels."""

import numpy as np
import pytest

from helpers import empty_population, spec, truth_of
from selfunc.config.models import EcfConfig, InstrumentConfig
from selfunc.pointing import rng_for
from selfunc.spectra import agn_ecf, cluster_ecf
from selfunc.xray import observe, vignetting
from selfunc.xray.bands import BAND_SETS, HARD_LEVEL, SOFT_LEVEL, channel_band

SMALL = dict(npix=512, chip_gaps=False)
ROWS = (dict(kind="agn", spectrum="agn", xi=120.0, eta=-60.0, flux=5e-14),
        dict(kind="cluster", spectrum="cluster", xi=-200.0, eta=150.0, flux=4e-14,
             core_radius=20.0, beta=2 / 3, redshift=0.3))


def _pair(**inst):
    t = truth_of(*ROWS)
    a = observe(spec(), t, InstrumentConfig(**inst), empty_population(), rng_for(1, 0, "xray"))
    b = observe(spec(), t, InstrumentConfig(bands="xxl", **inst), empty_population(),
                rng_for(1, 0, "xray"))
    return a, b


def test_detection_images_are_bit_identical_and_soft_bands_add_up_to_them():
    a, b = _pair(npix=512)  # with chip gaps
    assert not a.bands and set(b.bands) == {"05_1", "1_2", "2_10"}
    for kind in ("counts", "exposure", "background", "model"):
        for key, img in getattr(a, kind).items():
            np.testing.assert_array_equal(getattr(b, kind)[key], img)
    for col in a.truth.colnames:
        np.testing.assert_array_equal(np.asarray(b.truth[col]), np.asarray(a.truth[col]))
    soft, mid = b.bands["05_1"], b.bands["1_2"]
    np.testing.assert_array_equal(soft.counts + mid.counts, a.counts["combined"])
    np.testing.assert_allclose(soft.model + mid.model, a.model["combined"], rtol=1e-12, atol=0)
    np.testing.assert_allclose(soft.background + mid.background, a.background["combined"],
                               rtol=1e-12, atol=1e-300)
    # the 2-10 keV image is a draw of its own, from the pointing's "bands" stream
    c = observe(spec(), truth_of(*ROWS), InstrumentConfig(bands="xxl", npix=512),
                empty_population(), rng_for(1, 0, "xray"), band_rng=rng_for(1, 0, "bands"))
    np.testing.assert_array_equal(c.bands["2_10"].counts, b.bands["2_10"].counts)
    assert b.bands["2_10"].counts.sum() > 0


def test_band_counts_are_flux_times_band_ecf_exposure_vignetting():
    _, b = _pair(**SMALL)
    nh = spec().nh
    theta = np.hypot(120.0, -60.0) / 60.0
    src = (np.arange(512) - 255.5)
    xx, yy = np.meshgrid(-src * 2.5, src * 2.5)
    near = np.hypot(xx - 120.0, yy + 60.0) < 90.0  # 90" disc: EE ~ 0.95; compare fractions
    far = np.hypot(xx + 200.0, yy - 150.0) < 400.0
    for band in BAND_SETS["xxl"]:
        img = b.bands[band.name]
        v = vignetting.analytic()(band.energy, theta)
        agn = sum(5e-14 * agn_ecf(c, 1.7, nh, band=channel_band(c, band.edges),
                                  flux_band=(0.5, 2.0)) for c in ("pn", "mos1", "mos2"))
        got = (img.model - img.background)
        # ~7 % of a King PSF lies beyond 90": the same fraction in every band within 1.5 %
        frac = got[near].sum() / (agn * 10_000.0 * v)
        assert 0.90 < frac < 0.97, band
        # the truth's band rate is the on-axis pn+MOS1+MOS2 rate per its flux
        assert b.truth[f"rate_{band.name}"][0] == pytest.approx(agn, rel=1e-6)  # float32
        assert np.all(got[~(near | far)] > -1e-9)
    # HR of the truth: the 1-2 / 0.5-1 keV count ratio of the row's spectrum
    cl = [cluster_ecf(c, 2.0, 0.3, 0.3, nh, band=bb, flux_band=(0.5, 2.0))
          for bb in ((0.5, 1.0), (1.0, 2.0)) for c in ("pn", "mos1", "mos2")]
    assert b.truth["hr"][1] == pytest.approx(sum(cl[3:]) / sum(cl[:3]), rel=1e-6)


def test_hardness_ratio_rises_with_temperature():
    rows = [dict(kind="cluster", spectrum="cluster", xi=0.0, eta=0.0, flux=1e-14,
                 core_radius=15.0, beta=2 / 3, redshift=0.2)] * 3
    t = truth_of(*rows)
    t["temperature"] = [1.0, 3.0, 8.0]
    o = observe(spec(), t, InstrumentConfig(bands="xxl", npix=256), empty_population(),
                rng_for(1, 0, "xray"))
    hr = np.asarray(o.truth["hr"])
    assert hr[0] < hr[1] < hr[2]
    # hotter plasma: the 2-10 keV share grows even faster
    h = np.asarray(o.truth["rate_2_10"]) / np.asarray(o.truth["rate_05_1"])
    assert h[2] / h[0] > hr[2] / hr[0] > 1.2


def test_source_free_background_levels_per_band():
    inst = InstrumentConfig(bands="xxl", **SMALL)
    o = observe(spec(exposure=10_000.0), truth_of(), inst, empty_population(),
                rng_for(7, 0, "xray"))
    c = 255  # on axis
    per = 10_000.0 * (2.5 / 60.0) ** 2  # s arcmin^2 of one pixel
    soft = sum(o.bands[n].background[c, c] for n in ("05_1", "1_2")) / per
    hard = o.bands["2_10"].background[c, c] / per
    # Valtchanov et al. 2001 Table 1: 0.0041 and 0.0055 cts/s/arcmin^2 pn+2MOS (S_min = S_ref)
    assert soft == pytest.approx(SOFT_LEVEL, rel=1e-4)  # pixel centre 1.8" off axis
    assert hard == pytest.approx(HARD_LEVEL, rel=1e-4)
    # the particle-dominated 2-10 keV background is flatter off axis than the soft one
    r = (o.bands["2_10"].background[c, c + 240] / o.bands["2_10"].background[c, c],
         o.background["combined"][c, c + 240] / o.background["combined"][c, c])
    assert r[0] > r[1]
    # counts follow the model (Poisson): 2-10 keV over the field within 4 sigma
    mu = o.bands["2_10"].model.sum()
    assert abs(o.bands["2_10"].counts.sum() - mu) < 4 * np.sqrt(mu)


def test_bands_need_spectral_ecfs():
    with pytest.raises(ValueError, match="bands = 'xxl' needs ecf.model = 'spectral'"):
        InstrumentConfig(bands="xxl", ecf=EcfConfig(model="constant"))


def test_band_images_are_written_after_the_detection_band(tmp_path):
    from astropy.io import fits

    from selfunc.xray.fitsio import write_observation

    _, b = _pair(npix=256)
    path = write_observation(b, tmp_path / "xray.fits", per_camera=False)
    with fits.open(path) as hdul:
        names = [h.name for h in hdul][1:]
        assert names[:4] == ["COUNTS", "EXPOSURE", "BACKGROUND", "MODEL"]
        assert names[4:8] == ["COUNTS_05_1", "EXPOSURE_05_1", "BACKGROUND_05_1", "MODEL_05_1"]
        h = hdul["COUNTS_2_10"].header
        assert (h["ENERG_LO"], h["ENERG_HI"]) == (2.0, 10.0)
        np.testing.assert_array_equal(hdul["COUNTS_1_2"].data, b.bands["1_2"].counts)
