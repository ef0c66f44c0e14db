"""The EPIC observation: counts, exposure, gaps, background and profiles, tested as physics."""

import datetime as dt

import numpy as np
import pytest
from astropy.table import Table

from helpers import empty_population, spec, truth_of
from selfunc.config.models import BackgroundConfig, EcfConfig, InstrumentConfig
from selfunc.pointing import rng_for
from selfunc.profiles import betamodel, king
from selfunc.spectra import agn_ecf, cluster_ecf
from selfunc.xray import ccd, observe, vignetting


def source_model(obs, camera):
    return obs.model[camera] - obs.background[camera]


WIDE = dict(npix=2048, chip_gaps=False, fov_radius=60.0)


@pytest.mark.parametrize("theta_arcmin", [0.0, 6.0])
def test_point_source_counts_are_flux_ecf_exposure_vignetting(theta_arcmin):
    inst = InstrumentConfig(**WIDE)
    flux = 3e-14
    t = truth_of(dict(kind="agn", spectrum="agn", xi=theta_arcmin * 60.0, eta=0.0, flux=flux))
    obs = observe(spec(exposure=20_000.0), t, inst, empty_population(), rng_for(1, 0, "xray"))
    v = vignetting.analytic()(inst.effective_energy, theta_arcmin)
    # the AGN's own ECF: default Gamma = 1.7 through the pointing's Galactic N_H
    ecf = {c: agn_ecf(c, 1.7, spec().nh) for c in inst.cameras}
    for cam in inst.cameras:
        expected = flux * ecf[cam] * 20_000.0 * v
        assert source_model(obs, cam).sum() == pytest.approx(expected, rel=0.01)
    total = flux * sum(ecf.values()) * 20_000.0 * v
    assert obs.truth["counts_expected"][0] == pytest.approx(total, rel=1e-9)


@pytest.mark.slow
def test_each_pointing_nh_and_cluster_spectrum_set_the_counts():
    inst = InstrumentConfig(**WIDE)
    rows = [dict(kind="cluster", spectrum="cluster", xi=0.0, eta=0.0, flux=1e-14,
                 core_radius=5.0, beta=2 / 3, redshift=z) for z in (0.1, 1.0)]
    t = truth_of(*rows)
    t["temperature"] = [1.0, 6.0]
    for nh in (1e20, 1e21):
        obs = observe(spec(nh=nh), t, inst, empty_population(), rng_for(1, 0, "xray"))
        for k, (kt, z) in enumerate([(1.0, 0.1), (6.0, 1.0)]):
            ecf = sum(cluster_ecf(c, kt, 0.3, z, nh) for c in inst.cameras)
            assert obs.truth["counts_expected"][k] == pytest.approx(1e-14 * ecf * 1e4, rel=0.01)
            assert obs.truth["ecf"][k] == pytest.approx(ecf, rel=1e-12)
        assert obs.truth.meta["nh"] == nh
    # a tenfold column (1e20 -> 1e21) removes ~20-25 % of the 0.5-2 keV counts (MM83)
    lo = observe(spec(nh=1e20), t, inst, empty_population(), rng_for(1, 0, "xray"))
    hi = observe(spec(nh=1e21), t, inst, empty_population(), rng_for(1, 0, "xray"))
    assert np.all(hi.truth["counts_expected"] < 0.85 * lo.truth["counts_expected"])


def test_cluster_counts_and_xxl_rule_of_thumb():
    # the constant ECFs of old campaigns (ecf.model = "constant") are the XXL numbers
    inst = InstrumentConfig(**WIDE, ecf=EcfConfig(model="constant"))
    t = truth_of(dict(kind="cluster", spectrum="cluster", xi=0.0, eta=0.0, flux=1e-14,
                      core_radius=5.0, beta=2 / 3))
    obs = observe(spec(), t, inst, empty_population(), rng_for(1, 0, "xray"))
    # XXL DB README: ~110.6 counts in 10 ks on axis for 1e-14 erg/s/cm2 (pn + 2 MOS).
    assert obs.truth["counts_expected"][0] == pytest.approx(110.6, rel=0.01)
    total = sum(source_model(obs, c).sum() for c in inst.cameras)
    assert total == pytest.approx(obs.truth["counts_expected"][0], rel=0.01)


def test_extended_source_counts_at_off_axis():
    inst = InstrumentConfig(**WIDE, ecf=EcfConfig(model="constant"))
    t = truth_of(dict(kind="cluster", spectrum="cluster", xi=0.0, eta=-480.0, flux=5e-14,
                      core_radius=30.0, beta=2 / 3))
    obs = observe(spec(), t, inst, empty_population(), rng_for(1, 0, "xray"))
    total = sum(source_model(obs, c).sum() for c in inst.cameras)
    assert total == pytest.approx(obs.truth["counts_expected"][0], rel=0.01)
    v8 = vignetting.analytic()(inst.effective_energy, 8.0)
    # Flux-weighted vignetting of a 30" core at 8' is within 2 % of v(8').
    assert obs.truth["counts_expected"][0] == pytest.approx(
        5e-14 * 11.06e11 * 10_000.0 * v8, rel=0.02)


def test_chip_gaps_and_out_of_field_have_zero_exposure():
    inst = InstrumentConfig()
    obs = observe(spec(roll=0.0, date=dt.date(2003, 1, 1)), truth_of(), inst,
                  empty_population(), rng_for(1, 0, "xray"))
    n, p = inst.npix, inst.pixel_size
    c = (n - 1) / 2
    # MOS1 at roll 0: the 11" gap between CCD1 and CCD2 is centred at v = 335.5" (η).
    y_gap = int(round(c + (ccd.MOS_CHIP / 2 + ccd.MOS_GAP / 2) / p))
    row = obs.exposure["mos1"][y_gap, int(c) - 100:int(c) + 100]
    assert np.all(row == 0)
    assert np.all(obs.counts["mos1"][y_gap, int(c) - 100:int(c) + 100] == 0)
    # The pn sees that row, so the combined exposure has no hole there.
    assert np.all(obs.exposure["combined"][y_gap, int(c) - 100:int(c) + 100] > 0)
    # Outside the 15' field of view: no exposure, background or counts in any image.
    yy, xx = np.mgrid[:n, :n]
    outside = np.hypot(xx - c, yy - c) * p > inst.fov_radius * 60 + p
    for key in (*inst.cameras, "combined"):
        assert np.all(obs.exposure[key][outside] == 0)
        assert np.all(obs.background[key][outside] == 0)
        assert np.all(obs.counts[key][outside] == 0)
    # Inside a chip, away from edges, the exposure is t * v(theta).
    v = vignetting.analytic()(inst.effective_energy, obs_theta := 0.0)
    assert obs.exposure["mos1"][int(c), int(c)] == pytest.approx(10_000.0 * v, rel=0.01)


def test_chip_coverage_integrates_to_the_chip_area():
    chips = ccd.layout("pn")
    # With a huge field and roll 0, the summed coverage equals the chips' total area.
    n = 1200
    g = (np.arange(n) - (n - 1) / 2) * 2.5
    cov = ccd.coverage(chips, -g[None, :], g[:, None], 0.0, 2.5, 1e5)
    area = sum((ch.u1 - ch.u0) * (ch.v1 - ch.v0) for ch in chips)
    assert cov.sum() * 2.5**2 == pytest.approx(area, rel=1e-3)
    cov30 = ccd.coverage(chips, -g[None, :], g[:, None], 30.0, 2.5, 1e5)
    assert cov30.sum() * 2.5**2 == pytest.approx(area, rel=5e-3)
    # A pixel column straddling a 1.1" pn gap (narrower than a pixel) loses its width.
    gap_u = chips[1].u0 - 0.55  # centre of the gap between CCD 1 and CCD 2 of quadrant 0
    frac = ccd.coverage(chips, np.array([gap_u]), np.array([0.0]) + 200.0, 0.0, 2.5, 1e5)
    assert frac[0] == pytest.approx(1 - 1.1 / 2.5, abs=1e-9)


def test_mos1_ccd6_lost_after_march_2005():
    before = ccd.layout("mos1", dt.date(2005, 3, 8))
    after = ccd.layout("mos1", dt.date(2005, 3, 9))
    late = ccd.layout("mos1", dt.date(2013, 1, 1))
    assert len(before) == 7 and 6 not in [c.number for c in after] and len(after) == 6
    assert {c.number for c in late} == {1, 2, 4, 5, 7}
    assert len(ccd.layout("mos2", dt.date(2013, 1, 1))) == 7


def test_source_free_background_matches_configured_level():
    inst = InstrumentConfig(chip_gaps=False, npix=256)
    t_exp = 1e6
    obs = observe(spec(exposure=t_exp), truth_of(), inst, empty_population(),
                  rng_for(7, 0, "xray"))
    n, p = inst.npix, inst.pixel_size
    c = (n - 1) / 2
    yy, xx = np.mgrid[:n, :n]
    region = np.hypot(xx - c, yy - c) * p <= 60.0  # 1' on axis: vignetting > 0.993
    area = region.sum() * (p / 60.0) ** 2
    counts = obs.counts["combined"][region].sum()
    expected_map = obs.background["combined"][region].sum()
    level = BackgroundConfig().level
    assert expected_map / (level * t_exp * area) == pytest.approx(1.0, abs=0.01)
    sigma = np.sqrt(expected_map)
    assert abs(counts - expected_map) < 4 * sigma
    assert abs(counts / (t_exp * area) - level) < 4 * sigma / (t_exp * area) + 0.01 * level


def test_unresolved_agn_below_the_draw_limit_go_into_the_background():
    from selfunc.config.models import AgnConfig
    inst = InstrumentConfig(chip_gaps=False, npix=128)
    lo = observe(spec(), truth_of(), inst, empty_population(agn=AgnConfig(flux_min=1e-15)),
                 rng_for(1, 0, "xray"))
    hi = observe(spec(), truth_of(), inst, empty_population(agn=AgnConfig(flux_min=1e-14)),
                 rng_for(1, 0, "xray"))
    from selfunc.sky import lognlogs
    extra = (lognlogs.unresolved_intensity(1e-14) - lognlogs.unresolved_intensity(1e-15)) / 3600
    c = (128 - 1) // 2
    rate_extra = extra * sum(agn_ecf(k, 1.7, spec().nh) for k in inst.cameras)
    pix_area = (inst.pixel_size / 60) ** 2
    diff = (hi.background["combined"][c, c] - lo.background["combined"][c, c]) / (1e4 * pix_area)
    assert diff == pytest.approx(rate_extra, rel=0.01)
    assert extra > 0


def test_beta_model_profile_matches_formula_convolved_with_psf():
    inst = InstrumentConfig(cameras=("pn",), chip_gaps=False, npix=256)
    rc, theta = 20.0, 4.0
    t = truth_of(dict(kind="cluster", spectrum="cluster", xi=0.0, eta=theta * 60, flux=1e-13,
                      core_radius=rc, beta=2 / 3))
    obs = observe(spec(), t, inst, empty_population(), rng_for(1, 0, "xray"))
    img = source_model(obs, "pn")
    x0, y0 = obs.truth["x"][0], obs.truth["y"][0]
    # Independent reference: direct FFT convolution on a 0.5" grid of the truncated β-model
    # with the full (unsplit) King profile.
    h = 0.5
    g = (np.arange(-800, 800) + 0.5) * h
    r = np.hypot(g[None, :], g[:, None])
    sb = np.where(r <= 10 * rc, betamodel.profile(r, rc), 0.0)
    sb /= sb.sum()
    krc, ka = king.king_parameters("pn", inst.effective_energy, theta)
    kern = king.king_profile(r, krc, ka) * h * h
    from scipy import signal
    ref = signal.fftconvolve(sb, kern, mode="same")
    edges = np.array([0, 5, 10, 20, 30, 45, 60, 90, 120, 160])  # out to 8 core radii
    yy, xx = np.mgrid[:256, :256]
    rr = np.hypot(xx - x0, yy - y0) * inst.pixel_size
    total = obs.truth["counts_expected"][0]
    for a, b in zip(edges[:-1], edges[1:]):
        got = img[(rr >= a) & (rr < b)].sum() / total
        want = ref[(r >= a) & (r < b)].sum()
        # Pixelisation of the annulus on 2.5" pixels: compare areas too.
        area_got = ((rr >= a) & (rr < b)).sum() * inst.pixel_size**2
        area_want = ((r >= a) & (r < b)).sum() * h * h
        assert got / area_got == pytest.approx(want / area_want, rel=0.04), (a, b)


def test_sources_wholly_or_partly_off_the_image_are_handled():
    inst = InstrumentConfig(npix=128, chip_gaps=False)
    rows = [dict(kind="cluster", spectrum="cluster", xi=0.0, eta=-700.0, flux=1e-13,
                 core_radius=40.0, beta=2 / 3),  # entirely below the image, wings reach in
            dict(kind="cluster", spectrum="cluster", xi=150.0, eta=150.0, flux=1e-13,
                 core_radius=30.0, beta=2 / 3),  # straddles a corner
            dict(kind="agn", spectrum="agn", xi=2000.0, eta=0.0, flux=1e-13)]
    obs = observe(spec(), truth_of(*rows), inst, empty_population(), rng_for(1, 0, "xray"))
    src = source_model(obs, "combined")
    assert np.all(np.isfinite(src)) and np.all(src >= 0)
    assert 0 < src.sum() < obs.truth["counts_expected"][1]
