"""The fast renderer (issue 16: compiled per-template loops, one inverse FFT for all wing
zones, separable upsampling, compiled chip coverage) against an independent, plain code
path: the per-source renderer as it was before, kept here as the reference. Rendering is
exact arithmetic up to summation order, so the two agree to ~10⁻¹⁵ of the image maximum
(asserted: 10⁻¹²)."""

import numpy as np
import pytest
from scipy import ndimage, signal

from selfunc.profiles import king
from selfunc.xray import ccd, psf
from selfunc.xray.render import (COARSE, COARSE_PAD, FINE_RADIUS, TAIL_ZONE, ImageGrid, SourceList,
                                 _beta_stamp, render_camera)

R_IN = 60.0
ENERGY = 1.2


def reference_templates(rc, alpha, r_in, pixel):
    """The shifted core stamps, each by a direct block sum of the fine core placed on a canvas."""
    s, pad = psf.OVERSAMPLE, psf.OVERSAMPLE // 2 + 1
    h = pixel / s
    n = int(np.ceil(r_in / h)) + s
    sub = (np.arange(2) + 0.5) / 2 - 0.5
    g = (np.arange(-n, n + 1)[:, None] + sub[None, :]).ravel() * h
    r = np.hypot(g[:, None], g[None, :])
    k = np.maximum(king.king_profile(r, rc, alpha) - king.king_profile(r_in, rc, alpha), 0.0)
    fine = k.reshape(2 * n + 1, 2, 2 * n + 1, 2).mean(axis=(1, 3)) * h * h
    nf = fine.shape[0]
    kc = -(-(n + pad) // s) + 1
    m = 2 * kc + 1
    out = np.empty((2 * pad + 1, 2 * pad + 1, m, m))
    for i in range(2 * pad + 1):
        for j in range(2 * pad + 1):
            canvas = np.zeros((m * s, m * s))
            oy, ox = kc * s + s // 2 + (i - pad) - n, kc * s + s // 2 + (j - pad) - n
            canvas[oy:oy + nf, ox:ox + nf] = fine
            out[i, j] = canvas.reshape(m, s, m, s).sum(axis=(1, 3))
    return out, fine


def reference_stamp(rc, alpha, pixel, dx, dy):
    stamps, _ = reference_templates(round(float(rc), 4), round(float(alpha), 5), R_IN, pixel)
    s, pad = psf.OVERSAMPLE, psf.OVERSAMPLE // 2 + 1
    fx, fy = float(np.clip(dx, -0.5, 0.5)) * s, float(np.clip(dy, -0.5, 0.5)) * s
    j0, i0 = int(np.floor(fx)), int(np.floor(fy))
    wx, wy = fx - j0, fy - i0
    j0, i0 = j0 + pad, i0 + pad
    return ((1 - wy) * ((1 - wx) * stamps[i0, j0] + wx * stamps[i0, j0 + 1])
            + wy * ((1 - wx) * stamps[i0 + 1, j0] + wx * stamps[i0 + 1, j0 + 1]))


def add_clipped(image, stamp, x0, y0):
    ny, nx = image.shape
    h, w = stamp.shape
    xa, ya, xb, yb = max(x0, 0), max(y0, 0), min(x0 + w, nx), min(y0 + h, ny)
    if xa < xb and ya < yb:
        image[ya:yb, xa:xb] += stamp[ya - y0:yb - y0, xa - x0:xb - x0]


def reference_render(src, grid, camera, theta_step, vignetting_of):
    """One source at a time: its PSF, its core stamp, its coarse deposit; then one FFT
    convolution per zone and scipy's bilinear interpolation to the image."""
    npix, pix = grid.npix, grid.pixel
    image = np.zeros((npix, npix))
    nc = -(-npix // COARSE) + 2 * COARSE_PAD
    zones = {}

    def zone_params(z):
        return king.king_parameters(camera, ENERGY, min((z + 0.5) * TAIL_ZONE, king.THETA_MAX))

    def zone_and_scale(theta, rc, alpha):
        z = int(min(theta, king.THETA_MAX) // TAIL_ZONE)
        zones.setdefault(z, np.zeros((nc, nc)))
        rcz, az = zone_params(z)
        return zones[z], ((1 - psf.core_fraction(rc, alpha, R_IN))
                          / (1 - psf.core_fraction(rcz, az, R_IN)))

    for k in range(len(src.x)):
        x, y, theta, n = src.x[k], src.y[k], src.theta[k], src.counts[k]
        if n <= 0:
            continue
        t = np.round(min(theta, king.THETA_MAX) / theta_step) * theta_step
        rc, alpha = king.king_parameters(camera, ENERGY, t)
        if not np.isfinite(src.core_radius[k]):
            xc, yc = int(np.round(x)), int(np.round(y))
            stamp = reference_stamp(rc, alpha, pix, x - xc, y - yc)
            h = stamp.shape[0] // 2
            add_clipped(image, n * stamp, xc - h, yc - h)
            zone, scale = zone_and_scale(theta, rc, alpha)
            cx = (x + 0.5) / COARSE - 0.5 + COARSE_PAD
            cy = (y + 0.5) / COARSE - 0.5 + COARSE_PAD
            i, j = int(np.floor(cy)), int(np.floor(cx))
            wy, wx = cy - i, cx - j
            for di, dj, w in ((0, 0, (1 - wy) * (1 - wx)), (0, 1, (1 - wy) * wx),
                              (1, 0, wy * (1 - wx)), (1, 1, wy * wx)):
                if 0 <= i + di < nc and 0 <= j + dj < nc:
                    zone[i + di, j + dj] += n * scale * w
            continue
        s, xa, ya = _beta_stamp(x, y, src.core_radius[k] / pix, src.beta[k], src.truncation,
                                npix, vignetting_of)
        if s.size == 0:
            continue
        s = n * s
        core = reference_stamp(rc, alpha, pix, 0.0, 0.0)
        f_core = psf.core_fraction(rc, alpha, R_IN)
        yy, xx = np.mgrid[ya:ya + s.shape[0], xa:xa + s.shape[1]]
        taper = np.clip((FINE_RADIUS - np.hypot(xx - x, yy - y)) / (0.5 * FINE_RADIUS), 0.0, 1.0)
        s_in = s * taper
        image[ya:ya + s.shape[0], xa:xa + s.shape[1]] += f_core * (s - s_in)
        rows, cols = np.nonzero(taper.any(axis=1))[0], np.nonzero(taper.any(axis=0))[0]
        if rows.size and cols.size:
            r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
            conv = signal.fftconvolve(s_in[r0:r1, c0:c1], core, mode="full")
            h = core.shape[0] // 2
            add_clipped(image, conv, xa + c0 - h, ya + r0 - h)
        zone, scale = zone_and_scale(theta, rc, alpha)
        cy = (np.arange(ya, ya + s.shape[0]) // COARSE) + COARSE_PAD
        cx = (np.arange(xa, xa + s.shape[1]) // COARSE) + COARSE_PAD
        np.add.at(zone, (cy[:, None], cx[None, :]), s * scale)

    if zones:
        tails = np.zeros((nc, nc))
        for z, dens in zones.items():
            rc, alpha = zone_params(z)
            rc, alpha = round(float(rc), 4), round(float(alpha), 5)  # the template's key
            # the wing kernel by its definition: min(K, K(R_in)) on 4 × 4 sub-samples
            sub = (np.arange(4) + 0.5) / 4 - 0.5
            g = (np.arange(-nc, nc + 1)[:, None] + sub[None, :]).ravel() * COARSE * pix
            r = np.hypot(g[:, None], g[None, :])
            kk = np.minimum(king.king_profile(r, rc, alpha), king.king_profile(R_IN, rc, alpha))
            kern = kk.reshape(2 * nc + 1, 4, 2 * nc + 1, 4).mean(axis=(1, 3)) * (COARSE * pix) ** 2
            tails += signal.fftconvolve(dens, kern, mode="full")[nc:2 * nc, nc:2 * nc]
        centres = (np.arange(npix) + 0.5) / COARSE - 0.5 + COARSE_PAD
        up = ndimage.map_coordinates(tails, np.meshgrid(centres, centres, indexing="ij"),
                                     order=1, mode="nearest") / COARSE**2
        m = npix // COARSE
        held = tails[COARSE_PAD:COARSE_PAD + m, COARSE_PAD:COARSE_PAD + m].sum()
        covered = up[:m * COARSE, :m * COARSE].sum()
        if covered > 0:
            up *= held / covered
        image += up
    return image


def field(npix, n_point, n_ext, seed):
    """Point sources over the whole image and beyond its edges (θ across every wing zone, and
    positions on half pixels), a few β-models, one source with no counts."""
    rng = np.random.default_rng(seed)
    grid = ImageGrid(npix, 2.5)
    n = n_point + n_ext
    x = rng.uniform(-30, npix + 30, n)
    y = rng.uniform(-30, npix + 30, n)
    x[:4] = np.round(x[:4]) + 0.5  # offsets of exactly ±½ pixel from the nearest centre
    theta = rng.uniform(0.0, 16.0, n)  # every wing zone, and beyond the 12′ clip
    counts = rng.lognormal(3.0, 1.5, n)
    counts[5] = 0.0
    rc = np.full(n, np.nan)
    beta = np.full(n, np.nan)
    rc[n_point:] = rng.uniform(5.0, 40.0, n_ext)
    beta[n_point:] = rng.uniform(0.55, 0.8, n_ext)
    return grid, SourceList(x=x, y=y, theta=theta, counts=counts, core_radius=rc, beta=beta,
                            truncation=10.0)


@pytest.mark.parametrize("camera,npix,seed", [("pn", 256, 1), ("mos1", 250, 2), ("mos2", 256, 3)])
def test_render_camera_matches_the_per_source_reference(camera, npix, seed):
    # npix = 250: an image that is not a whole number of coarse cells
    grid, src = field(npix, 60, 4, seed)
    vmap = np.sqrt(1.0 - grid.theta / 40.0)  # any smooth vignetting of the β-models
    vig = lambda ya, yb, xa, xb: vmap[ya:yb, xa:xb]  # noqa: E731
    got = render_camera(src, grid, camera, ENERGY, R_IN, 0.5, vig)
    want = reference_render(src, grid, camera, 0.5, vig)
    assert np.max(np.abs(got - want)) <= 1e-12 * want.max()
    # and where the wings alone light the image, pixel by pixel
    faint = want < 1e-3 * want.max()
    assert np.max(np.abs(got - want)[faint] / want[faint]) < 1e-12


def test_shifted_stamps_are_block_sums_that_conserve_the_core():
    rc, alpha = king.king_parameters("pn", ENERGY, 4.0)
    got = psf.shifted_stamps(rc, alpha, R_IN, 2.5)
    want, fine = reference_templates(round(float(rc), 4), round(float(alpha), 5), R_IN, 2.5)
    assert np.max(np.abs(got - want)) <= 1e-14 * want.max()
    # every shift keeps the whole fine core (no flux leaves the stamp) ...
    sums = got.sum(axis=(2, 3))
    assert np.max(np.abs(sums / fine.sum() - 1)) < 1e-13
    # ... which is the analytic core fraction EE(R_in) − π R_in² K(R_in) to ≪ 0.1 %
    assert fine.sum() == pytest.approx(psf.core_fraction(rc, alpha, R_IN), rel=1e-3)


def reference_coverage(chips, xi, eta, roll_deg, pixel, fov_radius):
    """Chip coverage as whole-image array arithmetic, one chip at a time."""
    def overlap(x, lo, hi, half):
        return np.clip((np.minimum(x + half, hi) - np.maximum(x - half, lo)) / (2 * half), 0, 1)

    fov = np.clip((fov_radius - np.hypot(xi, eta)) / pixel + 0.5, 0.0, 1.0)
    phi = np.radians(roll_deg)
    c, s = np.cos(phi), np.sin(phi)
    u, v = c * xi + s * eta, -s * xi + c * eta
    half = 0.5 * pixel * (abs(c) + abs(s))
    total = np.zeros(np.broadcast_shapes(np.shape(xi), np.shape(eta)))
    for chip in chips:
        total += overlap(u, chip.u0, chip.u1, half) * overlap(v, chip.v0, chip.v1, half)
    return np.minimum(total, 1.0) * fov


@pytest.mark.parametrize("camera,roll", [("pn", 0.0), ("pn", 37.3), ("mos1", 123.4),
                                         ("mos2", 290.0)])
def test_coverage_matches_the_array_formula(camera, roll):
    grid = ImageGrid(512, 2.5)
    xi, eta = grid.offsets
    chips = ccd.layout(camera)
    got = ccd.coverage(chips, xi, eta, roll, grid.pixel, 600.0)
    want = reference_coverage(chips, xi, eta, roll, grid.pixel, 600.0)
    # chips do not overlap, so the per-chip sum equals the grouped sum to rounding
    assert np.max(np.abs(got - want)) < 1e-13
    assert ((got > 0) & (got < 1)).sum() > 1000  # gap and FOV edges were exercised
