"""The detection core: starlet transform, thresholds, MGE expansions, fitter flag and the
background estimate (issue 14)."""

import numpy as np
import pytest

from helpers import empty_population, spec, truth_of
from helpers_detect import ECF_TOTAL, INSTRUMENT, inject
from selfunc.detect import likelihood as lk
from selfunc.detect import wavelet
from selfunc.detect.inputs import estimate_background
from selfunc.pointing import rng_for
from selfunc.profiles import betamodel, king
from selfunc.profiles.mge import beta_mge, king_mixture_mge
from selfunc.xray import observe

#: Noise of the 2-D B3-spline starlet planes for unit white Gaussian noise, scales 1-6
#: (Starck, Murtagh & Bijaoui 1998, "Image Processing and Data Analysis", table of σ_j^e
#: for the à trous B3 transform: 0.889, 0.200, 0.086, 0.041, 0.020, 0.010) [A: values as
#: quoted in the mr/1 documentation, 3 significant digits].
SIGMA_E = np.array([0.889, 0.200, 0.086, 0.041, 0.020, 0.010])


def test_starlet_reconstructs_exactly():
    img = np.random.default_rng(1).poisson(0.3, (300, 200)).astype(float)
    planes, coarse = wavelet.starlet(img, 6)
    assert np.max(np.abs(sum(planes) + coarse - img)) < 1e-10


def test_starlet_noise_per_scale_matches_the_b3_table():
    planes, _ = wavelet.starlet(np.random.default_rng(2).normal(0, 1, (1024, 1024)), 6)
    sig = np.array([w[200:-200, 200:-200].std() for w in planes])
    # 0.5e-3 rounding of the table's last digit at scale 6, 2 % statistics elsewhere.
    assert np.allclose(sig, SIGMA_E, rtol=0.03, atol=0.0006), sig
    # The same from the impulse responses (the exact linear operator): σ_j = ‖ψ_j‖.
    norms = np.array([np.sqrt(np.sum(p**2)) for p in wavelet.impulse_responses(6)])
    assert np.allclose(norms, sig, rtol=0.02)


@pytest.mark.slow
def test_thresholds_are_deterministic_and_gaussian_at_high_background():
    for method in ("exact", "monte_carlo", "cornish_fisher"):
        wavelet.thresholds.cache_clear()
        a = wavelet.thresholds(6, 1e-3, method=method)[1]
        wavelet.thresholds.cache_clear()
        assert np.array_equal(a, wavelet.thresholds(6, 1e-3, method=method)[1])
    for method in ("exact", "cornish_fisher"):
        log_b, b_tab = wavelet.thresholds(6, 1e-3, method=method)
        # b = 100 counts/pixel: coefficients are Gaussian, t_j = 3.090 σ_j √b (z(1e-3) = 3.090).
        t = b_tab[:, -1]
        assert np.allclose(t[1:], 3.090 * SIGMA_E[1:] * 10.0, rtol=0.04), t / (SIGMA_E * 10)


@pytest.mark.parametrize("b", [1e-3, 0.05, 2.0, 30.0])
def test_exact_quantile_matches_poisson_and_skellam(b):
    # One pixel of weight 1: w = N − b, N ~ Poisson(b); two of ±1: a Skellam variable.
    # The threshold t must satisfy P(w > t) ≤ ε < P(w > t − 1) (integer lattice).
    from scipy import stats

    eps = 1e-3
    for psi, dist in ((np.array([1.0]), stats.poisson(b)), (np.array([1.0, -1.0]), stats.skellam(b, b))):
        t = wavelet.exact_quantile(b, psi, eps)
        k = np.floor(t)  # values of w = Σψ N on the integers
        assert dist.sf(k) <= eps * (1 + 1e-6) < dist.sf(k - 1), (t, dist.sf(k), dist.sf(k - 1))


@pytest.mark.slow
@pytest.mark.parametrize("b", [0.05, 0.5])
def test_achieved_false_detection_rate_per_scale(b):
    # Source-free Poisson fields: the fraction of coefficients above the default (exact)
    # threshold is the target ε = 1e-3 at each scale used (2-5; scale 6 has too few
    # independent coefficients on any affordable area to measure). The Monte-Carlo
    # calibration achieved 0.6e-3 (scale 3) and 1e-5 (scale 5) at b = 0.05.
    log_b, table = wavelet.thresholds(6, 1e-3)
    t = [np.interp(np.log10(b), log_b, table[j]) for j in range(6)]
    rng = np.random.default_rng(99)
    hits, n = np.zeros(6), 0
    for _ in range(24):
        planes, _ = wavelet.starlet(rng.poisson(b, (512, 512)) - b, 6)
        for j, w in enumerate(planes):
            hits[j] += np.sum(w[128:-128, 128:-128] > t[j])
        n += 256**2
    rate = hits / n
    # Coefficients of scale j are correlated over ~2^j pixels, so 24 fields hold ~10⁴
    # independent ones at scale 4: ±35 % is the measurement's own scatter there.
    assert np.all((rate[1:4] > 0.65e-3) & (rate[1:4] < 1.5e-3)), rate
    assert 0.4e-3 < rate[4] < 2.0e-3, rate


@pytest.mark.parametrize("camera,theta", [("pn", 0.0), ("mos1", 6.0), ("mos2", 11.0)])
def test_king_mge_encircled_energy_within_one_percent(camera, theta):
    m = king_mixture_mge((camera,), (1.0,), 1.2, theta)
    rc, alpha = king.king_parameters(camera, 1.2, theta)
    r = np.geomspace(1.0, 300.0, 40)  # arcsec
    assert np.allclose(m.encircled(r), king.encircled_energy(r, rc, alpha), atol=0.01)


def test_beta_mge_encircled_energy_within_one_percent():
    m = beta_mge(2 / 3, 10.0)
    r = np.geomspace(0.1, 12.0, 40)  # core radii
    assert np.allclose(m.encircled(r), betamodel.enclosed_fraction(r, 1.0, 2 / 3, 10.0), atol=0.01)


def test_fitter_flags_an_exhausted_budget():
    obs, images, psf = inject([dict(kind="agn", spectrum="agn", xi=30.0, eta=0.0,
                                    flux=300 / (ECF_TOTAL["agn"] * 1e4))], 3)
    x, y = obs.truth["x"][0], obs.truth["y"][0]
    xa, ya = int(x) - 14, int(y) - 14
    sl = np.s_[ya:ya + 29, xa:xa + 29]
    st = lk.Stamp(images.counts[sl].astype(float), images.background[sl], images.exposure[sl],
                  psf.at(x, y), beta_mge(2 / 3, 10.0), xa, ya)
    good = lk.fit_point(st, x - xa + 2, y - ya - 2, 50.0)
    assert good.success and abs(good["x"] - (x - xa)) < 1.0

    short = lk.fit_point(st, x - xa + 2, y - ya - 2, 50.0, max_eval=3)
    assert not short.success


@pytest.mark.parametrize("n_src,tol", [(0, 0.02), (5, 0.08)])
def test_background_estimate_follows_the_model_map(n_src, tol):
    # 10 ks over 10′ × 10′ (0.066 counts/px) with n_src point sources of 50-500 counts:
    # the masked block estimate is the model's background within tol (median over the
    # exposed field). The former single-pixel 3σ clipping gave +25 % with 5 sources; with
    # 20 (source counts > background) the estimate is still +20 % (docs/physics.md §7).
    rng = np.random.default_rng(4)
    rows = [dict(kind="agn", spectrum="agn", xi=rng.uniform(-250, 250), eta=rng.uniform(-250, 250),
                 flux=rng.uniform(50, 500) / (ECF_TOTAL["agn"] * 1e4)) for _ in range(n_src)]
    obs = observe(spec(), truth_of(*rows), INSTRUMENT, empty_population(), rng_for(8, 0, "xray"))
    counts, expo = obs.counts["combined"], obs.exposure["combined"]
    est = estimate_background(counts, expo)
    ok = expo > 0.5 * expo.max()
    ratio = est[ok] / obs.background["combined"][ok]
    assert abs(np.median(ratio) - 1) < tol, np.median(ratio)
