"""Drawing sources onto a rectangle of the plate's pixel grid.

The plate grid is the field image's grid extended without limit: pixel (x, y) (0-based,
x increasing to the west, y to the north) has tangent-plane offsets

    ξ = −(x − c) p,   η = (y − c) p,   c = (npix − 1) / 2,

the convention of :class:`selfunc.xray.render.ImageGrid` and of the FITS WCS of
:func:`selfunc.sky.tangent.tangent_wcs`. A region is ``(x0, y0, nx, ny)``.

Each source is drawn on its own stamp whose bounds on the plate grid depend only on the
source, and stamps are added in catalogue order; the grain noise is drawn per
``noise_tile``² tile from a seed of (scene seed, tile). So the pixels of a region do not
depend on which region is asked for: a cutout equals the same pixels of the full field.

Three ways to draw (chosen per source by :func:`plan`):

* ``point`` — stars and AGN: a PSF template with the aureole
  (:func:`selfunc.optical.psf.psf_templates`) cut to the stamp and normalised to the flux;
* ``exact`` — BCGs, nearby galaxies, bright or large galaxies: galsim
  (DeVaucouleurs bulge truncated at 8 r_e + exponential disc, optional random knots)
  sheared to axis ratio q at position angle PA, ⊗ Moffat core ⊗ pixel;
* ``moments`` — faint small galaxies: a Moffat of the PSF's β whose covariance is
  C_PSF + C_gal + C_pix, C_gal the flux-weighted sum of the components' covariances
  (variance σ²/q along the major axis, σ² q along the minor, σ = k r_e, k calibrated on galsim, see
  :data:`MOMENT_SCALE_DISC`), C_pix = 1/12; normalised to the flux on its stamp.
"""

from __future__ import annotations

import dataclasses

import galsim
import numpy as np

from selfunc.optical import psf as psfmod
from selfunc.optical.plate import Photometry
from selfunc.sky.tangent import TangentGrid

__all__ = ["PlateGrid", "RenderPlan", "plan", "render_sources", "grain_noise"]

#: σ / r_e of the moments method's galaxy term, exponential disc and de Vaucouleurs bulge:
#: the values that make its Gaussian-weighted (σ_w = 3 px) second moments equal galsim's
#: exact Sérsic ⊗ Moffat(2.5″, β = 3) for round galaxies of r_e = 0.6–1.5″ (1.47–1.35
#: and 2.16–1.45; the peak then agrees within 10 %), measured with galsim 2.8 (docs/optical.md).
MOMENT_SCALE_DISC = 1.4
MOMENT_SCALE_BULGE = 2.0


@dataclasses.dataclass(frozen=True)
class PlateGrid(TangentGrid):
    """The plate pixel grid: ``npix`` pixels of ``pixel`` arcsec make the field image (the
    same convention as the X-ray images, :class:`~selfunc.sky.tangent.TangentGrid`)."""


@dataclasses.dataclass(frozen=True, eq=False)
class RenderPlan:
    """Per-source drawing decisions (arrays over the catalogue)."""

    x: np.ndarray
    y: np.ndarray
    flux: np.ndarray
    method: np.ndarray  # "point", "exact", "moments" or "skip"
    half: np.ndarray  # stamp half-size, pixels


def _component_cov(sigma, q, phi_deg, pixel):
    s = sigma / pixel
    phi = np.radians(phi_deg)
    c, sn = np.cos(phi), np.sin(phi)
    a, b = s**2 / q, s**2 * q  # area-preserving, like galsim's shear
    return np.stack([a * c**2 + b * sn**2, (a - b) * c * sn, a * sn**2 + b * c**2], axis=-1)


def galaxy_covariance(src: dict, pixel: float):
    """(C_xx, C_xy, C_yy) in pixels² of the galaxies' light for the moments method:
    σ² / q along the major axis and σ² q along the minor (r_e is the circularised
    half-light radius, as galsim's area-preserving shear), σ = k r_e, k = :data:`MOMENT_SCALE_BULGE` or
    :data:`MOMENT_SCALE_DISC`, components weighted by their flux fractions."""
    bt = np.nan_to_num(src["bulge_fraction"])
    phi = 90.0 + np.nan_to_num(src["pa"])
    cb = _component_cov(MOMENT_SCALE_BULGE * np.nan_to_num(src["bulge_re"]),
                        np.nan_to_num(src["bulge_q"], nan=1.0), phi, pixel)
    cd = _component_cov(MOMENT_SCALE_DISC * np.nan_to_num(src["disc_re"]),
                        np.nan_to_num(src["disc_q"], nan=1.0), phi, pixel)
    return bt[:, None] * cb + (1.0 - bt[:, None]) * cd


def plan(src: dict, mag: np.ndarray, grid: PlateGrid, phot: Photometry, cfg) -> RenderPlan:
    """Choose method and stamp size of every source (``cfg`` the :class:`OpticalConfig`)."""
    r = cfg.render
    x, y = grid.to_pixel(src["xi"], src["eta"])
    flux = phot.flux(mag)
    kind = src["kind"]
    point = np.isin(kind, ("star", "xray_star", "agn"))
    size = np.fmax(np.nan_to_num(src["bulge_re"]), np.nan_to_num(src["disc_re"]))
    forced = np.isin(kind, ("bcg", "nearby_galaxy"))
    exact = ~point & (forced | (mag < phot.limiting_magnitude - r.exact_margin) | (size > r.exact_size))
    skip = (mag > phot.limiting_magnitude + r.faint_margin) & ~forced
    method = np.where(point, "point", np.where(exact, "exact", "moments"))
    method = np.where(skip, "skip", method).astype("U7")

    fwhm, beta, p = cfg.seeing_fwhm, cfg.moffat_beta, grid.pixel
    thr = 0.1 * phot.sky_sigma
    rmin = int(np.ceil(3 * fwhm / p))
    half = psfmod.point_stamp_radius(flux, thr, fwhm, beta, p, rmin, r.point_stamp, cfg.halo)
    # moments: the same rule with the broadened profile's FWHM
    cov = galaxy_covariance(src, p)
    var_psf = psfmod.moffat_variance(fwhm, beta) / p**2
    lam_max = 0.5 * (cov[:, 0] + cov[:, 2]) + np.sqrt(0.25 * (cov[:, 0] - cov[:, 2]) ** 2 + cov[:, 1] ** 2)
    fwhm_eff = fwhm * np.sqrt((lam_max + var_psf) / var_psf)
    half_m = psfmod.point_stamp_radius(flux, thr, fwhm_eff, beta, p, rmin, r.point_stamp)
    half = np.where(method == "moments", half_m, half)
    # exact: 8 r_e of the bulge, 4 r_e of the disc, plus 3 FWHM of seeing
    bt = np.nan_to_num(src["bulge_fraction"])
    ext = np.fmax(np.where(bt > 0, 8 * np.nan_to_num(src["bulge_re"]), 0.0),
                  np.where(bt < 1, 4 * np.nan_to_num(src["disc_re"]), 0.0))
    half_e = np.clip(np.ceil((ext + 3 * fwhm) / p), np.ceil(3 * fwhm / p), r.max_stamp).astype(int)
    half = np.where(method == "exact", half_e, half)
    return RenderPlan(x=x, y=y, flux=flux, method=method, half=half.astype(int))


def _galsim_profile(src: dict, k: int, flux: float, psf, knot_fraction: float):
    bt = float(np.nan_to_num(src["bulge_fraction"][k]))
    beta = (90.0 + float(src["pa"][k])) * galsim.degrees
    gs = psfmod.GSPARAMS
    parts = []
    if bt > 0:
        re = float(src["bulge_re"][k])
        parts.append(galsim.DeVaucouleurs(half_light_radius=re, trunc=8 * re, flux_untruncated=False,
                                          flux=bt * flux, gsparams=gs)
                     .shear(q=float(src["bulge_q"][k]), beta=beta))
    if bt < 1:
        re = float(src["disc_re"][k])
        f_disc = (1 - bt) * flux
        n_knots = int(src["knots"][k])
        frac = 0.0
        if n_knots > 0:
            frac = knot_fraction
            knots = galsim.RandomKnots(n_knots, half_light_radius=re, flux=frac * f_disc,
                                       rng=galsim.BaseDeviate(int(src["knot_seed"][k])), gsparams=gs)
            parts.append(knots.shear(q=float(src["disc_q"][k]), beta=beta))
        parts.append(galsim.Exponential(half_light_radius=re, flux=(1 - frac) * f_disc, gsparams=gs)
                     .shear(q=float(src["disc_q"][k]), beta=beta))
    gal = parts[0] if len(parts) == 1 else galsim.Add(parts, gsparams=gs)
    return galsim.Convolve([gal, psf], gsparams=gs)


def _moments_stamp(x, y, flux, cov, var_psf, beta, h):
    ix, iy = int(np.floor(x + 0.5)), int(np.floor(y + 0.5))
    u = np.arange(-h, h + 1) - (x - ix)
    v = np.arange(-h, h + 1) - (y - iy)
    cxx = cov[0] + var_psf + 1.0 / 12.0
    cyy = cov[2] + var_psf + 1.0 / 12.0
    cxy = cov[1]
    det = cxx * cyy - cxy**2
    scale = 1.0 / (2.0 * (beta - 2.0) * det)
    q = scale * (cyy * u[None, :] ** 2 - 2 * cxy * u[None, :] * v[:, None] + cxx * v[:, None] ** 2)
    prof = (1.0 + q) ** (-beta)
    return ix - h, iy - h, prof * (flux / prof.sum())


def render_sources(region, src: dict, rp: RenderPlan, grid: PlateGrid, cfg,
                   knot_fraction: float) -> np.ndarray:
    """Noise-free source intensity (sky units) on ``region = (x0, y0, nx, ny)``."""
    x0, y0, nx, ny = region
    out = np.zeros((ny, nx))
    hit = ((rp.method != "skip") & (rp.x + rp.half + 0.5 >= x0) & (rp.x - rp.half - 0.5 < x0 + nx)
           & (rp.y + rp.half + 0.5 >= y0) & (rp.y - rp.half - 0.5 < y0 + ny))
    idx = np.nonzero(hit)[0]
    if len(idx) == 0:
        return out
    fwhm, beta, p = cfg.seeing_fwhm, cfg.moffat_beta, grid.pixel
    os_ = cfg.render.oversample
    hmax = cfg.render.point_stamp
    templates = psfmod.psf_templates(fwhm, beta, p, hmax, os_, cfg.halo)
    psf = psfmod.psf_profile(fwhm, beta)
    var_psf = psfmod.moffat_variance(fwhm, beta) / p**2
    cov = galaxy_covariance({k: v[idx] for k, v in src.items()}, p)
    for j, k in enumerate(idx):
        h = int(rp.half[k])
        x, y, f = float(rp.x[k]), float(rp.y[k]), float(rp.flux[k])
        m = rp.method[k]
        if m == "point":
            ix, iy = int(np.floor(x + 0.5)), int(np.floor(y + 0.5))
            ox = int(round((x - ix + 0.5) * os_))
            oy = int(round((y - iy + 0.5) * os_))
            t = templates[oy, ox, hmax - h:hmax + h + 1, hmax - h:hmax + h + 1]
            stamp = t * (f / t.sum())
            sx, sy = ix - h, iy - h
        elif m == "moments":
            sx, sy, stamp = _moments_stamp(x, y, f, cov[j], var_psf, beta, h)
        else:
            ix, iy = int(np.floor(x + 0.5)), int(np.floor(y + 0.5))
            img = galsim.ImageD(galsim.BoundsI(ix - h, ix + h, iy - h, iy + h), scale=p)
            _galsim_profile(src, k, f, psf, knot_fraction).drawImage(img, center=galsim.PositionD(x, y))
            stamp, sx, sy = img.array, ix - h, iy - h
        _add(out, stamp, sx - x0, sy - y0)
    return out


def _add(image, stamp, x0: int, y0: int):
    """Add ``stamp`` with its [0, 0] at image pixel (x0, y0), clipped to the image."""
    ny, nx = image.shape
    h, w = stamp.shape
    xa, ya = max(x0, 0), max(y0, 0)
    xb, yb = min(x0 + w, nx), min(y0 + h, ny)
    if xa < xb and ya < yb:
        image[ya:yb, xa:xb] += stamp[ya - y0:yb - y0, xa - x0:xb - x0]


def grain_noise(region, seed: int, sigma: float, tile: int) -> np.ndarray:
    """Gaussian noise N(0, σ²) on ``region``; tile (i, j) of ``tile``² pixels of the plate
    grid is drawn from ``default_rng([seed, i + 2³⁰, j + 2³⁰])``, so every pixel's value is
    fixed by (seed, its position) whatever region is asked for."""
    x0, y0, nx, ny = region
    out = np.empty((ny, nx))
    off = 2**30
    for ty in range(y0 // tile, (y0 + ny - 1) // tile + 1):
        for tx in range(x0 // tile, (x0 + nx - 1) // tile + 1):
            block = np.random.default_rng([seed, tx + off, ty + off]).standard_normal((tile, tile))
            xa, xb = max(tx * tile, x0), min((tx + 1) * tile, x0 + nx)
            ya, yb = max(ty * tile, y0), min((ty + 1) * tile, y0 + ny)
            out[ya - y0:yb - y0, xa - x0:xb - x0] = block[ya - ty * tile:yb - ty * tile,
                                                          xa - tx * tile:xb - tx * tile]
    return out * sigma
