"""The compiled kernels of the fits and of the starlet: pixel-integrated Gaussian mixtures
against scipy's normal CDF, their derivatives against finite differences, Simpson's error
bound, the PSF components left off a stamp, and the à trous smoothing against
scipy.ndimage (independent code paths)."""

import numpy as np
import pytest
from scipy import ndimage, stats

from selfunc.detect import likelihood as lk
from selfunc.detect import stamps, wavelet
from selfunc.profiles.mge import Mge, king_mixture_mge


def _reference(sigma, x0, y0, shape):
    """∫∫ over each pixel of N(σ) at (x0, y0) from scipy.stats (the exact CDF difference)."""
    ny, nx = shape
    gx = np.diff(stats.norm.cdf(np.arange(nx + 1) - 0.5, loc=x0, scale=sigma))
    gy = np.diff(stats.norm.cdf(np.arange(ny + 1) - 0.5, loc=y0, scale=sigma))
    return np.outer(gy, gx)


@pytest.mark.parametrize("sigma", [0.3, 1.0, 2.9, 3.0, 5.0, 20.0, 300.0])
def test_pixel_integrals_match_the_normal_cdf(sigma):
    img = stamps.mixture_image(np.array([1.0]), np.array([sigma]), 20.3, 17.8, (41, 37))
    ref = _reference(sigma, 20.3, 17.8, (41, 37))
    # erfc below SIMPSON_SIGMA: exact; Simpson above: ≤ 2 × 3/(2880 σ⁴) relative.
    tol = 1e-12 if sigma < stamps.SIMPSON_SIGMA else 2 * 3 / (2880 * sigma**4)
    assert np.max(np.abs(img - ref)) <= tol * ref.max() + 1e-15


def test_derivatives_match_finite_differences():
    w = np.array([0.3, 0.5, 0.2])
    sig = np.array([0.8, 2.5, 9.0])
    dsig = np.array([0.1, 0.7, 2.0])  # dσ_k/dp for some parameter p
    x0, y0, h = 14.2, 13.6, 1e-5
    img, gx, gy, gs = stamps.mixture_image_grad(w, sig, x0, y0, (29, 29), dsigma=dsig)
    f = lambda x, y, s: stamps.mixture_image(w, s, x, y, (29, 29))  # noqa: E731
    assert np.allclose(img, f(x0, y0, sig), rtol=0, atol=1e-15)
    num_x = (f(x0 + h, y0, sig) - f(x0 - h, y0, sig)) / (2 * h)
    num_y = (f(x0, y0 + h, sig) - f(x0, y0 - h, sig)) / (2 * h)
    num_s = (f(x0, y0, sig + h * dsig) - f(x0, y0, sig - h * dsig)) / (2 * h)
    for ana, num in ((gx, num_x), (gy, num_y), (gs, num_s)):
        assert np.max(np.abs(ana - num)) < 1e-6 * np.max(np.abs(num))


def test_far_components_leave_a_stamp_empty_but_finite():
    # a narrow Gaussian far outside the stamp: zero, not NaN
    img = stamps.mixture_image(np.array([1.0]), np.array([0.5]), -80.0, 10.0, (21, 21))
    assert np.all(img == 0.0)


def test_psf_wings_left_off_a_stamp_carry_less_than_their_bound():
    psf = king_mixture_mge(("pn", "mos1", "mos2"), (0.6, 0.2, 0.2), 1.0, 5.0)
    px = Mge(psf.weights, psf.sigma / 2.5)
    shape = (29, 29)
    st = lk.Stamp(np.zeros(shape), np.full(shape, 0.1), np.full(shape, 1e4), px,
                  Mge([1.0], [1.0]), 0, 0)
    assert len(st.psf.weights) < len(px.weights)  # the widest wings are left out
    full = stamps.mixture_image(px.weights, px.sigma, 14.0, 14.0, shape).sum()
    kept = stamps.mixture_image(st.psf.weights, st.psf.sigma, 14.0, 14.0, shape).sum()
    assert 0 <= full - kept <= lk.NEGLIGIBLE_ON_STAMP * px.weights.sum()


@pytest.mark.parametrize("step", [1, 2, 8, 32, 128, 512])
def test_atrous_smoothing_matches_scipy(step):
    a = np.random.default_rng(4).poisson(0.4, (300, 260)).astype(float)
    k = np.zeros(4 * step + 1)
    k[::step] = wavelet.B3
    for axis in (0, 1):
        ref = ndimage.convolve1d(a, k, axis=axis, mode="mirror")
        assert np.allclose(wavelet._smooth_axis(a, step, axis), ref, rtol=0, atol=1e-12)


@pytest.mark.parametrize("model", ["point", "extended"])
def test_compiled_fits_reach_scipys_optimum(model):
    # The compiled Levenberg-Marquardt against scipy's Nelder-Mead on the same Cash
    # statistic, written here from the pixel integrals: same minimum, same C.
    from scipy import optimize

    psf = Mge([0.3, 0.5, 0.2], [0.9, 2.0, 6.0])
    beta = Mge([0.3, 0.4, 0.3], [0.5, 1.2, 3.0])
    shape = (31, 31)
    truth = (15.3, 14.6, 400.0, 3.0) if model == "extended" else (15.3, 14.6, 300.0)
    st0 = lk.Stamp(np.zeros(shape), np.full(shape, 0.2), np.full(shape, 1e4), psf, beta, 0, 0)
    img = (st0.extended_profile(*truth[:2], truth[3]) if model == "extended"
           else st0.point_profile(*truth[:2])) * truth[2]
    counts = np.random.default_rng(9).poisson(img + 0.2).astype(float)
    st = lk.Stamp(counts, np.full(shape, 0.2), np.full(shape, 1e4), psf, beta, 0, 0)

    def cstat(p):
        if model == "extended":
            if p[3] <= 0.05 or p[2] <= 0:
                return np.inf
            m = p[2] * st.extended_profile(p[0], p[1], p[3])
        else:
            if p[2] <= 0:
                return np.inf
            m = p[2] * st.point_profile(p[0], p[1])
        return lk.cash(m + 0.2, counts)

    if model == "extended":
        f = lk.fit_extended(st, 14.0, 16.0, 200.0, 1.5, 40.0)
    else:
        f = lk.fit_point(st, 14.0, 16.0, 200.0)
    ref = optimize.minimize(cstat, np.array(truth) * 1.02, method="Nelder-Mead",
                            options=dict(xatol=1e-6, fatol=1e-8, maxiter=20_000))
    assert f.success
    assert f.cstat <= ref.fun + 2e-3  # tol of the LM stopping rule
    assert np.allclose(f.params, ref.x, rtol=2e-3, atol=2e-3)


def test_joint_fit_of_a_cluster_and_a_point_reaches_scipys_optimum():
    from scipy import optimize

    psf = Mge([0.3, 0.5, 0.2], [0.9, 2.0, 6.0])
    beta = Mge([0.3, 0.4, 0.3], [0.5, 1.2, 3.0])
    shape = (41, 41)
    st0 = lk.Stamp(np.zeros(shape), np.full(shape, 0.1), np.full(shape, 1e4), psf, beta, 0, 0)
    img = 500 * st0.extended_profile(20.2, 19.7, 4.0) + 60 * st0.point_profile(26.5, 17.0)
    counts = np.random.default_rng(5).poisson(img + 0.1).astype(float)
    st = lk.Stamp(counts, np.full(shape, 0.1), np.full(shape, 1e4), psf, beta, 0, 0)

    def cstat(p):
        if p[2] <= 0 or p[3] <= 0.05 or p[6] <= 0:
            return np.inf
        m = p[2] * st.extended_profile(p[0], p[1], p[3]) + p[6] * st.point_profile(p[4], p[5])
        return lk.cash(m + 0.1, counts)

    f = lk.fit_extended_points(st, (20.0, 20.0, 400.0, 3.0), [(26.0, 17.5, 40.0)], 40.0)
    ref = optimize.minimize(cstat, np.array([20.2, 19.7, 500.0, 4.0, 26.5, 17.0, 60.0]),
                            method="Nelder-Mead",
                            options=dict(xatol=1e-6, fatol=1e-8, maxiter=40_000, maxfev=40_000))
    assert f.success and f.cstat <= ref.fun + 2e-3
    assert np.allclose(f.params, ref.x, rtol=3e-3, atol=3e-3)
    # fitted together, the cluster's rate error includes what the point may take from it;
    # with the point's model held fixed in the background (the sequential fits) it does not
    fixed = lk.Stamp(counts, 0.1 + f["a1"] * st.point_profile(f["x1"], f["y1"]),
                     np.full(shape, 1e4), psf, beta, 0, 0)
    alone = lk.fit_extended(fixed, 20.0, 20.0, 400.0, 3.0, 40.0)
    assert abs(alone["a"] - f["a"]) < 0.01 * f["a"]
    assert f.error("a") > 1.01 * alone.error("a")


def test_free_background_fit_reaches_scipys_optimum_and_finds_a_raised_sky():
    """A cluster on a sky 25 % brighter than the map: with the level free the compiled fit
    reaches scipy's optimum of the same statistic (Cash plus the level's prior), recovers the level and the cluster
    within errors; held at the map, the cluster takes the excess (biased rate, wider r_c)."""
    from scipy import optimize

    psf = Mge([0.3, 0.5, 0.2], [0.9, 2.0, 6.0])
    beta = Mge([0.3, 0.4, 0.3], [0.5, 1.2, 3.0])
    shape = (61, 61)
    sky = np.full(shape, 0.4)
    st0 = lk.Stamp(np.zeros(shape), sky, np.full(shape, 1e4), psf, beta, 0, 0)
    img = 600 * st0.extended_profile(30.2, 29.7, 5.0)
    counts = np.random.default_rng(21).poisson(img + 1.25 * sky).astype(float)
    st = lk.Stamp(counts, sky, np.full(shape, 1e4), psf, beta, 0, 0, bmap=sky)

    def cstat(p):
        if p[2] <= 0 or p[3] <= 0.05 or p[4] <= -0.9:
            return np.inf
        # the fitted statistic includes the level's Gaussian prior (likelihood.BKG_SCALE_SIGMA)
        return (lk.cash(p[2] * st.extended_profile(p[0], p[1], p[3]) + (1 + p[4]) * sky, counts)
                + (p[4] / lk.BKG_SCALE_SIGMA) ** 2)

    f = lk.fit_extended_points(st, (30.0, 30.0, 500.0, 4.0), [], 40.0, free_background=True)
    ref = optimize.minimize(cstat, np.array([30.2, 29.7, 600.0, 5.0, 0.25]),
                            method="Nelder-Mead",
                            options=dict(xatol=1e-7, fatol=1e-9, maxiter=40_000, maxfev=40_000))
    assert f.success and f.names[-1] == "bkg_scale"
    assert f.cstat <= ref.fun + 2e-3
    assert np.allclose(f.params, ref.x, rtol=3e-3, atol=3e-3)
    assert abs(f["bkg_scale"] - 0.25) < 3 * f.error("bkg_scale")
    assert abs(f["a"] - 600) < 3 * f.error("a") and abs(f["rc"] - 5.0) < 3 * f.error("rc")
    held = lk.fit_extended_points(st, (30.0, 30.0, 500.0, 4.0), [], 40.0)
    assert held["a"] > 600 + 3 * held.error("a")          # the excess sky went to the cluster
    # the level and r_c trade off: with the true level given, r_c is better known
    known = lk.fit_extended_points(lk.Stamp(counts, 1.25 * sky, np.full(shape, 1e4), psf, beta,
                                            0, 0), (30.0, 30.0, 500.0, 4.0), [], 40.0)
    assert f.error("rc") > 1.1 * known.error("rc") and f.error("a") > 1.1 * known.error("a")


def test_free_background_errors_match_the_profile_likelihood():
    """The Fisher error of the rate with the level free equals the ΔC = 1 half-width of the
    profile likelihood (level and the other parameters re-fitted at each fixed rate; the
    level's prior included in both)."""
    from scipy import optimize

    psf = Mge([0.3, 0.5, 0.2], [0.9, 2.0, 6.0])
    beta = Mge([0.3, 0.4, 0.3], [0.5, 1.2, 3.0])
    shape = (51, 51)
    sky = np.full(shape, 0.3)
    st0 = lk.Stamp(np.zeros(shape), sky, np.full(shape, 1e4), psf, beta, 0, 0)
    counts = np.random.default_rng(4).poisson(800 * st0.extended_profile(25.0, 25.3, 4.0)
                                              + sky).astype(float)
    st = lk.Stamp(counts, sky, np.full(shape, 1e4), psf, beta, 0, 0, bmap=sky)
    f = lk.fit_extended_points(st, (25.0, 25.0, 600.0, 3.0), [], 40.0, free_background=True)

    def profile(a):
        def c(q):
            x, y, rc, s = q
            if rc <= 0.05 or s <= -0.9:
                return np.inf
            return (lk.cash(a * st.extended_profile(x, y, rc) + (1 + s) * sky, counts)
                    + (s / lk.BKG_SCALE_SIGMA) ** 2)
        q0 = np.array([f["x"], f["y"], f["rc"], f["bkg_scale"]])
        return optimize.minimize(c, q0, method="Nelder-Mead",
                                 options=dict(xatol=1e-7, fatol=1e-9, maxiter=20_000)).fun

    c0 = profile(f["a"])
    hi = optimize.brentq(lambda a: profile(a) - c0 - 1.0, f["a"], f["a"] + 5 * f.error("a"))
    lo = optimize.brentq(lambda a: profile(a) - c0 - 1.0, f["a"] - 5 * f.error("a"), f["a"])
    assert f.error("a") == pytest.approx(0.5 * (hi - lo), rel=0.05)
