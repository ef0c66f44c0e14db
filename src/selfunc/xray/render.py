"""Expected-counts images of sources for one camera: PSF cores on the image grid, PSF
wings on a coarse grid (see :mod:`selfunc.xray.psf` for the exact core/tail split).

* Point sources put counts n = F·ECF·t·v(θ_src) into a King PSF at their position (the
  mirror's effective area belongs to where the source is).
* Extended sources (β-models) are surface brightness × v(θ) per sky pixel, normalised so
  the model integrates to the truth flux inside its truncation radius, then convolved with
  the local PSF: the core by FFT on a stamp for the inner ``FINE_RADIUS`` (beyond it the
  profile is smooth on the scale of the core, which then only carries its integral), the
  wings on the coarse grid like point sources.
Chip gaps are applied afterwards by the caller (photons that land in a gap are lost).
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import numba
from scipy import fft as sp_fft
from scipy import signal

from selfunc.angles import arcsec_to_arcmin
from selfunc.profiles import betamodel, king
from selfunc.sky.tangent import TangentGrid
from selfunc.xray import psf

__all__ = ["ImageGrid", "SourceList", "render_camera"]

COARSE = 8  # coarse pixel = 8 image pixels (20″ on the XAmin grid)
COARSE_PAD = 16  # coarse pixels of sky outside the image whose wings still reach it
TAIL_ZONE = 3.0  # arcmin: wings share one kernel within a zone of off-axis angle
FINE_RADIUS = 120  # image pixels of an extended source convolved with the PSF core


@dataclasses.dataclass(frozen=True)
class ImageGrid(TangentGrid):
    """The X-ray image grid (:class:`~selfunc.sky.tangent.TangentGrid`) with the per-pixel
    offsets and off-axis angles the renderer needs."""

    @functools.cached_property
    def offsets(self):
        """(ξ, η) arrays in arcsec of every pixel centre."""
        idx = (np.arange(self.npix) - self.centre) * self.pixel
        return np.broadcast_to(-idx[None, :], (self.npix,) * 2), np.broadcast_to(idx[:, None], (self.npix,) * 2)

    @property
    def theta(self):
        """Off-axis angle of every pixel centre, arcmin (read-only, shared by equal grids)."""
        return _theta_map(self.npix, self.pixel)


@functools.lru_cache(maxsize=8)
def _theta_map(npix: int, pixel: float):
    # every pointing of a campaign has the same grid: computed once per process
    xi, eta = ImageGrid(npix, pixel).offsets
    theta = arcsec_to_arcmin(np.hypot(xi, eta))
    theta.setflags(write=False)
    return theta


@dataclasses.dataclass(frozen=True)
class SourceList:
    """The per-camera view of the truth table that rendering needs (plain arrays)."""

    x: np.ndarray  # image pixel, 0-based
    y: np.ndarray
    theta: np.ndarray  # arcmin
    counts: np.ndarray  # expected counts in this camera (before chip gaps)
    core_radius: np.ndarray  # arcsec, NaN for point sources
    beta: np.ndarray
    truncation: float


def _add(image, stamp, x0: int, y0: int):
    """Add ``stamp`` with its [0, 0] at image pixel (x0, y0), clipped to the image."""
    ny, nx = image.shape
    h, w = stamp.shape
    xa, ya = max(x0, 0), max(y0, 0)
    xb, yb = min(x0 + w, nx), min(y0 + h, ny)
    if xa >= xb or ya >= yb:
        return
    image[ya:yb, xa:xb] += stamp[ya - y0:yb - y0, xa - x0:xb - x0]


def _beta_stamp(x, y, rc_pix, beta, truncation, npix, vignetting_of):
    """Normalised β-model (sum 1 over the truncation disc) × v(θ) on image pixels.

    Returns (stamp, x0, y0) with the stamp's [0, 0] at image pixel (x0, y0); pixels off the
    image are dropped *after* normalising, so flux beyond the image is lost, not moved.
    """
    rt = truncation * rc_pix
    half = int(np.ceil(rt)) + 1
    xc, yc = int(round(x)), int(round(y))
    x0, y0 = xc - half, yc - half
    n = 2 * half + 1
    # Sub-sample where the profile curves on the pixel scale (r ≲ 2 r_c).
    sub = int(np.clip(np.ceil(6.0 / rc_pix), 1, 7))
    g = np.arange(n) + 0.0
    r = np.hypot((g + x0 - x)[None, :], (g + y0 - y)[:, None])
    s = np.where(r <= rt, betamodel.profile(r, rc_pix, beta), 0.0)
    if sub > 1:
        m = int(np.ceil(2 * rc_pix)) + 2
        lo, hi = max(half - m, 0), min(half + m + 1, n)
        offs = (np.arange(sub) + 0.5) / sub - 0.5
        gy = (np.arange(lo, hi)[:, None] + offs[None, :]).ravel() + y0 - y
        gx = (np.arange(lo, hi)[:, None] + offs[None, :]).ravel() + x0 - x
        rr = np.hypot(gx[None, :], gy[:, None])
        ss = np.where(rr <= rt, betamodel.profile(rr, rc_pix, beta), 0.0)
        k = hi - lo
        s[lo:hi, lo:hi] = ss.reshape(k, sub, k, sub).mean(axis=(1, 3))
    s /= s.sum()
    # Clip to the image: the stamp is what lands on the sky grid.
    ya, yb = max(y0, 0), min(y0 + n, npix)
    xa, xb = max(x0, 0), min(x0 + n, npix)
    if ya >= yb or xa >= xb:  # wholly off the image
        return np.zeros((0, 0)), xa, ya
    s = s[ya - y0:yb - y0, xa - x0:xb - x0]
    return s * vignetting_of(ya, yb, xa, xb), xa, ya


def render_camera(sources: SourceList, grid: ImageGrid, camera: str, energy: float,
                  r_in: float, theta_step: float, vignetting_of) -> np.ndarray:
    """Expected counts per image pixel from ``sources`` in one camera (no background).

    ``vignetting_of(ya, yb, xa, xb)`` returns v(θ) on that image slice (for extended
    sources); point sources' ``counts`` already include v at their position.
    """
    npix, pix = grid.npix, grid.pixel
    image = np.zeros((npix, npix))
    nc = -(-npix // COARSE) + 2 * COARSE_PAD
    zones: dict[int, np.ndarray] = {}
    theta = np.minimum(np.asarray(sources.theta, float), king.THETA_MAX)
    # Sources share the PSF of their θ step (the templates' cache key) and the wing kernel
    # of their θ zone: per-source parameters are looked up once per distinct value.
    steps = np.round(theta / theta_step) * theta_step
    zone_of = (theta // TAIL_ZONE).astype(int)
    counts = np.asarray(sources.counts, float)
    point = ~np.isfinite(np.asarray(sources.core_radius, float))
    scale = np.zeros(len(counts))
    psf_of: dict[float, tuple[float, float]] = {}
    for t in np.unique(steps[counts > 0]):
        psf_of[t] = king.king_parameters(camera, energy, t)
    for t, z in set(zip(steps[counts > 0], zone_of[counts > 0])):
        rc, alpha = psf_of[t]
        rcz, az = _zone_params(camera, energy, z)
        # rescales a source's wing flux 1 − f_core(own PSF) to the zone kernel's integral
        # 1 − f_core(zone PSF), so that core + wings conserve the source's counts exactly
        scale[(steps == t) & (zone_of == z)] = ((1.0 - psf.core_fraction(rc, alpha, r_in))
                                                / (1.0 - psf.core_fraction(rcz, az, r_in)))
        zones.setdefault(int(z), np.zeros((nc, nc)))

    on = point & (counts > 0)
    for t in np.unique(steps[on]):
        rc, alpha = psf_of[t]
        rows = np.nonzero(on & (steps == t))[0]
        _point_cores(image, rc, alpha, r_in, pix, sources.x[rows], sources.y[rows], counts[rows])
    for z in np.unique(zone_of[on]):
        rows = np.nonzero(on & (zone_of == z))[0]
        _deposit(zones[int(z)], sources.x[rows], sources.y[rows], counts[rows] * scale[rows])

    for k in np.nonzero(~point & (counts > 0))[0]:
        x, y, n = sources.x[k], sources.y[k], counts[k]
        rc, alpha = psf_of[steps[k]]
        s, xa, ya = _beta_stamp(x, y, sources.core_radius[k] / pix, sources.beta[k],
                                sources.truncation, npix, vignetting_of)
        if s.size == 0:
            continue
        s = n * s
        core = psf.core_stamp(rc, alpha, r_in, pix, 0.0, 0.0)
        f_core = psf.core_fraction(rc, alpha, r_in)
        # Inner region: convolve with the PSF core; outer region: only its integral. A
        # linear taper between FINE_RADIUS/2 and FINE_RADIUS joins them without an edge.
        # The taper is 0 beyond FINE_RADIUS: it is computed on that square only (a large
        # cluster's stamp is the whole image).
        h_s, w_s = s.shape
        outer = f_core * s
        conv = None
        fy, fx = int(np.floor(y)), int(np.floor(x))
        iy0, iy1 = max(fy - FINE_RADIUS, ya), min(fy + FINE_RADIUS + 1, ya + h_s)
        ix0, ix1 = max(fx - FINE_RADIUS, xa), min(fx + FINE_RADIUS + 1, xa + w_s)
        if iy0 < iy1 and ix0 < ix1:
            win = (slice(iy0 - ya, iy1 - ya), slice(ix0 - xa, ix1 - xa))
            yy, xx = np.mgrid[iy0:iy1, ix0:ix1]
            taper = np.clip((FINE_RADIUS - np.hypot(xx - x, yy - y)) / (0.5 * FINE_RADIUS),
                            0.0, 1.0)
            s_in = s[win] * taper
            outer[win] = f_core * (s[win] - s_in)
            rows, cols = np.nonzero(taper.any(axis=1))[0], np.nonzero(taper.any(axis=0))[0]
            if rows.size and cols.size:
                r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
                conv = signal.fftconvolve(s_in[r0:r1, c0:c1], core, mode="full")
                h = core.shape[0] // 2
                cx0, cy0 = ix0 + c0 - h, iy0 + r0 - h
        image[ya:ya + h_s, xa:xa + w_s] += outer
        if conv is not None:
            _add(image, conv, cx0, cy0)
        _block_sum(zones[int(zone_of[k])], s * scale[k], xa, ya)

    if zones:
        image += _wings(zones, camera, energy, r_in, pix, npix)
    return image


def _zone_params(camera, energy, z):
    """The King parameters of a θ zone's wing kernel (at the zone's mid-angle)."""
    return king.king_parameters(camera, energy, min((z + 0.5) * TAIL_ZONE, king.THETA_MAX))


def _point_cores(image, rc, alpha, r_in, pixel, x, y, n):
    """Add the PSF cores of point sources sharing (r_c, α) to ``image``
    (:func:`selfunc.xray.psf.core_stamp` for each, in one compiled loop)."""
    stamps = psf.shifted_stamps(rc, alpha, r_in, pixel)
    xc, yc = np.round(x).astype(np.int64), np.round(y).astype(np.int64)
    i0, wy = psf.shift_weights(y - yc)
    j0, wx = psf.shift_weights(x - xc)
    h = stamps.shape[2] // 2
    _add_bilinear(image, stamps, i0, j0, wy, wx, np.asarray(n, float), xc - h, yc - h)


@numba.njit(cache=True)
def _add_bilinear(image, stamps, i0, j0, wy, wx, n, x0, y0):  # pragma: no cover - compiled
    """image[y0 + p, x0 + q] += n · bilinear(stamps[i0 … i0+1, j0 … j0+1])[p, q], clipped to
    the image; the same arithmetic, in the same order, as psf.core_stamp and _add. Compiled: a
    Python loop over ~10³ sources with a dozen small array operations each was half the
    rendering time."""
    ny, nx = image.shape
    m = stamps.shape[2]
    for k in range(n.size):
        a = stamps[i0[k], j0[k]]
        b = stamps[i0[k], j0[k] + 1]
        c = stamps[i0[k] + 1, j0[k]]
        d = stamps[i0[k] + 1, j0[k] + 1]
        u, v = 1 - wy[k], wy[k]
        p_, q_ = 1 - wx[k], wx[k]
        for p in range(max(0, -y0[k]), min(m, ny - y0[k])):
            row = image[y0[k] + p]
            for q in range(max(0, -x0[k]), min(m, nx - x0[k])):
                row[x0[k] + q] += n[k] * (u * (p_ * a[p, q] + q_ * b[p, q])
                                          + v * (p_ * c[p, q] + q_ * d[p, q]))


def _deposit(zone, x, y, amount):
    """Cloud-in-cell deposit on the coarse grid (positions in image pixels)."""
    nc = zone.shape[0]
    cx = (x + 0.5) / COARSE - 0.5 + COARSE_PAD
    cy = (y + 0.5) / COARSE - 0.5 + COARSE_PAD
    i, j = np.floor(cy).astype(np.int64), np.floor(cx).astype(np.int64)
    wy, wx = cy - i, cx - j
    for di, dj, w in ((0, 0, (1 - wy) * (1 - wx)), (0, 1, (1 - wy) * wx),
                      (1, 0, wy * (1 - wx)), (1, 1, wy * wx)):
        ii, jj = i + di, j + dj
        ok = (ii >= 0) & (ii < nc) & (jj >= 0) & (jj < nc)
        np.add.at(zone, (ii[ok], jj[ok]), amount[ok] * w[ok])


def _block_sum(zone, s, xa, ya):
    """Add each image pixel of ``s`` (its [0, 0] at image pixel (xa, ya)) to its coarse cell."""
    h, w = s.shape
    # pad the stamp to whole coarse cells, then sum each COARSE × COARSE block
    oy, ox = ya % COARSE, xa % COARSE
    hb, wb = -(-(h + oy) // COARSE), -(-(w + ox) // COARSE)
    padded = np.zeros((hb * COARSE, wb * COARSE))
    padded[oy:oy + h, ox:ox + w] = s
    blocks = padded.reshape(hb, COARSE, wb, COARSE).sum(axis=(1, 3))
    cy0, cx0 = ya // COARSE + COARSE_PAD, xa // COARSE + COARSE_PAD
    zone[cy0:cy0 + hb, cx0:cx0 + wb] += blocks


def _wings(zones, camera, energy, r_in, pix, npix):
    """The coarse densities convolved with their zones' wing kernels, interpolated to the
    image pixels."""
    nc = next(iter(zones.values())).shape[0]
    half = nc
    size = sp_fft.next_fast_len(3 * nc, real=True)  # ≥ the full convolution, 3·nc
    spectrum = 0.0
    for z, dens in zones.items():
        rc, alpha = _zone_params(camera, energy, z)
        kern = _tail_spectrum(round(float(rc), 4), round(float(alpha), 5), float(r_in),
                              COARSE * pix, half)
        # a sum of convolutions is one inverse transform of the summed products; the
        # forward transform skips the padding's zero rows (as rfft2, the same numbers)
        dens_hat = sp_fft.fft(sp_fft.rfft(dens, size, axis=1), size, axis=0)
        spectrum = spectrum + dens_hat * kern
    # inverse as irfft2 (along y, then x), the second pass on the rows kept only
    tails = sp_fft.irfft(sp_fft.ifft(spectrum, axis=0)[half:half + nc], size,
                         axis=1)[:, half:half + nc]
    # Bilinear interpolation of the coarse densities to the image pixels (smooth wings
    # without 20" steps), rescaled so that the image receives exactly the wing counts
    # that the coarse cells over the image hold. Separable, the coordinates being a grid;
    # along x, the pixels r, r + COARSE, ... share their weights and take consecutive
    # cells (slices, not gathers); 1/COARSE² rides on the first pass's weights (a power
    # of two: exact).
    centres = (np.arange(npix) + 0.5) / COARSE - 0.5 + COARSE_PAD
    i = np.floor(centres).astype(np.int64)
    w = centres - i
    rows = ((1 - w) / COARSE**2)[:, None] * tails[i] + (w / COARSE**2)[:, None] * tails[i + 1]
    up = np.empty((npix, npix))
    for r in range(min(COARSE, npix)):
        q = len(range(r, npix, COARSE))
        up[:, r::COARSE] = (rows[:, i[r]:i[r] + q] * (1 - w[r])
                            + rows[:, i[r] + 1:i[r] + 1 + q] * w[r])
    m = npix // COARSE
    held = tails[COARSE_PAD:COARSE_PAD + m, COARSE_PAD:COARSE_PAD + m].sum()
    covered = up[:m * COARSE, :m * COARSE].sum()
    if covered > 0:
        up *= held / covered
    return up


@functools.lru_cache(maxsize=64)
def _tail_spectrum(rc, alpha, r_in, coarse_pixel, half):
    """Real FFT of the wing kernel, zero-padded for the full convolution with a
    (half × half) density (the kernel is (2·half + 1)² cells)."""
    kern = psf.tail_kernel(rc, alpha, r_in, coarse_pixel, half)
    size = sp_fft.next_fast_len(3 * half, real=True)
    return sp_fft.rfft2(kern, (size, size))
