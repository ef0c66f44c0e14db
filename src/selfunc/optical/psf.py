"""The plate's point-spread function: a Moffat profile (seeing) plus a faint, broad Moffat
aureole, integrated over the scan pixel, drawn with galsim.

Moffat surface brightness (flux 1):

    M(r; FWHM, β) = (β − 1) / (π α²) · (1 + r²/α²)^{−β},   α = FWHM / (2 √(2^{1/β} − 1)),

with per-axis second moment α² / (2 (β − 2)) (finite for β > 2). The plate PSF is

    P(r) = (1 − f_h) M(r; FWHM, β) + f_h M(r; FWHM_h, β_h),

the aureole (f_h a few per cent, FWHM_h ≈ 10″) being what makes bright stars the large
discs of photographic plates once their cores saturate. Galaxies are drawn with the core
only (their own light hides the aureole). Point sources are copies
of PSF *templates* drawn once per (FWHM, β, pixel) on a 1/``oversample`` sub-pixel grid of
centre offsets, so that drawing a star costs an array copy; the position error of that
quantisation is at most 1/(2·oversample) pixel.
"""

from __future__ import annotations

import functools

import galsim
import numpy as np

__all__ = ["moffat_alpha", "moffat_variance", "psf_profile", "psf_templates",
           "noise_equivalent_area", "point_stamp_radius", "GSPARAMS"]

#: galsim accuracy settings: looser than galsim's defaults (the plate noise is ≥ 1 % of
#: the sky, folding/aliasing at 10⁻² of the flux is invisible) and much faster.
GSPARAMS = galsim.GSParams(folding_threshold=1e-2, maxk_threshold=2e-3,
                           maximum_fft_size=8192)
#: accuracy of the PSF templates, drawn once: bright stars show 10⁻⁵ of their flux, so
#: aliasing must stay below that (looser settings draw a grid of ripples around them).
TEMPLATE_GSPARAMS = galsim.GSParams(folding_threshold=1e-4, maxk_threshold=1e-5,
                                    maximum_fft_size=16384)
#: the aureole is truncated at this many of its FWHM (a Moffat with β < 2 has such broad
#: wings that galsim would need enormous FFTs otherwise); beyond 16 FWHM it holds
#: (1 + (32 √(2^{1/β} − 1))²)^{1−β} of its light (4 % for β = 1.5).
HALO_TRUNCATION = 16.0


def moffat_alpha(fwhm: float, beta: float) -> float:
    """Moffat scale radius α (same unit as ``fwhm``)."""
    return fwhm / (2.0 * np.sqrt(2.0 ** (1.0 / beta) - 1.0))


def moffat_variance(fwhm: float, beta: float) -> float:
    """Per-axis second moment α² / (2 (β − 2)) of a Moffat profile (β > 2)."""
    if beta <= 2:
        raise ValueError(f"beta = {beta:g}: a Moffat profile needs beta > 2 for finite moments")
    return moffat_alpha(fwhm, beta) ** 2 / (2.0 * (beta - 2.0))


def psf_profile(fwhm: float, beta: float, halo: tuple[float, float, float] | None = None,
                gsparams: galsim.GSParams = GSPARAMS) -> galsim.GSObject:
    """The PSF as a galsim object (arcsec units, flux 1): the seeing core, plus the aureole
    when ``halo = (f_h, FWHM_h, β_h)`` is given with f_h > 0."""
    core = galsim.Moffat(beta=beta, fwhm=fwhm, gsparams=gsparams)
    if halo is None or halo[0] <= 0:
        return core
    f, hfwhm, hbeta = halo
    aureole = galsim.Moffat(beta=hbeta, fwhm=hfwhm, trunc=HALO_TRUNCATION * hfwhm,
                            gsparams=gsparams)
    return galsim.Add([core.withFlux(1.0 - f), aureole.withFlux(f)], gsparams=gsparams)


@functools.lru_cache(maxsize=8)
def psf_templates(fwhm: float, beta: float, pixel: float, half: int, oversample: int,
                  halo: tuple[float, float, float] | None = None) -> np.ndarray:
    """PSF ⊗ pixel images, shape (n, n, 2·half + 1, 2·half + 1), n = oversample + 1.

    ``templates[j, i]`` has the PSF centre at (i/oversample − 1/2, j/oversample − 1/2)
    pixels from the central pixel in (x, y). Read-only (shared by the cache).
    """
    if oversample % 2:
        raise ValueError(f"oversample = {oversample}: must be even")
    psf = psf_profile(fwhm, beta, halo, TEMPLATE_GSPARAMS)
    # The PSF sampled (in real space, no FFT) every 1/os pixel on a grid offset by half a
    # sample; the pixel integral at a position is the mean of the os × os samples inside
    # the pixel (midpoint rule), a box sum of consecutive samples. Template (i, j) takes
    # every os-th box sum, starting where its sub-pixel offset puts it.
    os_ = oversample
    k0 = half * os_ + os_
    m = 2 * k0 + os_
    fine = psf.drawImage(nx=m, ny=m, scale=pixel / os_, method="no_pixel").array.astype(float)
    c = np.cumsum(np.pad(fine, ((1, 0), (1, 0))), axis=0)
    c = np.cumsum(c, axis=1)
    box = c[os_:, os_:] - c[:-os_, os_:] - c[os_:, :-os_] + c[:-os_, :-os_]  # Σ of os×os blocks
    size = 2 * half + 1
    n = os_ + 1
    out = np.empty((n, n, size, size))
    # fine sample k sits at (k − m/2 + 1/2)/os pixels from the centre (m even), so box sum
    # q covers the pixel centred at (q − m/2)/os + 1/2; pixel n of template i (centre
    # offset i/os − 1/2) is centred at n − i/os + 1/2 from the source: q = m/2 + n·os − i
    base = np.arange(-half, half + 1) * os_ + m // 2
    for j in range(n):
        for i in range(n):
            out[j, i] = box[np.ix_(base - j, base - i)]
    out.setflags(write=False)
    return out


@functools.lru_cache(maxsize=32)
def noise_equivalent_area(fwhm: float, beta: float, pixel: float,
                          halo: tuple[float, float, float] | None = None) -> float:
    """NEA = 1 / Σ p_i² (pixels) of the pixelised PSF centred on a pixel."""
    extent = 8 * fwhm if halo is None or halo[0] <= 0 else max(8 * fwhm, 4 * halo[1])
    half = int(np.ceil(extent / pixel))
    img = galsim.ImageD(2 * half + 1, 2 * half + 1, scale=pixel)
    psf_profile(fwhm, beta, halo, TEMPLATE_GSPARAMS).drawImage(img)
    p = img.array / img.array.sum()
    return float(1.0 / np.sum(p**2))


def _moffat_radius(flux, threshold, fwhm, beta, pixel):
    alpha = moffat_alpha(fwhm, beta)
    peak = np.asarray(flux, float) * (beta - 1.0) / (np.pi * alpha**2) * pixel**2
    ratio = np.maximum(peak / threshold, 1.0)
    return alpha * np.sqrt(ratio ** (1.0 / beta) - 1.0) / pixel


def point_stamp_radius(flux, threshold: float, fwhm, beta: float, pixel: float,
                       rmin: int, rmax: int, halo: tuple[float, float, float] | None = None):
    """Stamp half-size (pixels) beyond which a point source is below ``threshold`` per pixel.

    For each Moffat component solves F M(r) p² = t:  r = α √((F M(0) p² / t)^{1/β} − 1),
    M(0) = (β−1)/(πα²); takes the larger (core or aureole), clipped to [rmin, rmax].
    """
    flux = np.asarray(flux, float)
    if halo is None or halo[0] <= 0:
        r = _moffat_radius(flux, threshold, fwhm, beta, pixel)
    else:
        f, hfwhm, hbeta = halo
        r = np.fmax(_moffat_radius((1 - f) * flux, threshold, fwhm, beta, pixel),
                    _moffat_radius(f * flux, threshold, hfwhm, hbeta, pixel))
    return np.clip(np.ceil(r), rmin, rmax).astype(int)
