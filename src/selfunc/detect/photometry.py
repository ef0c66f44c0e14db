"""Forced photometry of detected candidates in other bands: count rates and hardness ratio.

Detection runs in 0.5–2 keV; in each other band b (0.5–1, 1–2, 2–10 keV in XXL and X-CLASS)
only the normalisation of each candidate's detected shape is fitted, its position and extent
fixed. With counts n, background B (plus the fixed models of brighter candidates) and the
pixel-integrated profile P of the shape in band b (the band's PSF, or the β-model of the
detected core radius ⊗ that PSF: :mod:`selfunc.profiles.mge`), the model is

    m = B + a · (E / E₀) · P,    C(a) = 2 Σ (m − n ln m)    (Cash 1979),

a the source counts at E₀ (the band's exposure at the candidate), so the rate is a / E₀. C is
convex in a: Newton steps on C′(a) converge in a few iterations; a may be negative (down to
where m stays positive) so that faint sources keep unbiased rates. The 1σ error is the Fisher
one, σ_a = (Σ q²/m)^−½ with q = (E/E₀)·P at the optimum, as for the detection fits
(:mod:`selfunc.detect.likelihood`).

HR = CR[1–2] / CR[0.5–1] (Clerc et al. 2012; Garrel et al. 2022) with the first-order error
σ_HR = √((σ₁₂/CR₀₅₁)² + (CR₁₂ σ₀₅₁/CR₀₅₁²)²) (= HR √((σ₁₂/CR₁₂)² + (σ₀₅₁/CR₀₅₁)²)); NaN where CR[0.5–1] ≤ 0.

The shape of a candidate: extended (β-model of ``rc_cluster``, else ``ext``) where it is C1
or C2 (the rows whose ``rate`` is the cluster's), a point source otherwise. Stamps: radius
``point_radius`` for points, 3 r_c + ``point_radius`` (at most ``extended_radius``) for
extended sources, as in :mod:`selfunc.detect.characterise`.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from astropy.table import Table

from selfunc.config.models import DetectionConfig
from selfunc.detect.pipeline import DetectionImages
from selfunc.detect.psfmodel import PsfModel
from selfunc.detect.stamps import mixture_image
from selfunc.profiles.mge import beta_mge

__all__ = ["BandInput", "forced_photometry", "fit_normalisation", "hardness_ratio"]

_TINY = 1e-12


@dataclasses.dataclass(frozen=True, eq=False)
class BandInput:
    """One band's images and PSF; ``name`` gives the columns ``rate_<name>``, ``rate_<name>_err``."""

    name: str
    images: DetectionImages
    psf: PsfModel


def fit_normalisation(counts, background, q, iterations: int = 50):
    """Cash maximum-likelihood ``a`` of m = background + a·q, and its Fisher error.

    Arrays of the same shape (pixels to use only). Returns (a, σ_a, converged)."""
    n = np.asarray(counts, float).ravel()
    b = np.maximum(np.asarray(background, float).ravel(), _TINY)
    q = np.asarray(q, float).ravel()
    use = q > 0
    if not use.any():
        return np.nan, np.nan, False
    a_min = -np.min(b[use] / q[use]) * (1.0 - 1e-6)  # keeps m > 0 on every pixel
    a = max((n.sum() - b.sum()) / q.sum(), 0.5 * a_min)
    converged = False
    for _ in range(iterations):
        m = b + a * q
        g = np.sum(q * (1.0 - n / m))
        h = np.sum(n * q * q / (m * m))
        if h <= 0:  # no counts where the source is: the optimum is the lower bound
            a = a_min
            converged = True
            break
        step = -g / h
        new = a + step
        if new <= a_min:  # halve towards the bound instead of crossing it
            new = 0.5 * (a + a_min)
        if abs(new - a) < 1e-8 * max(abs(a), 1.0):
            a = new
            converged = True
            break
        a = new
    m = b + a * q
    fisher = np.sum(q * q / m)
    return float(a), float(1.0 / np.sqrt(fisher)) if fisher > 0 else np.nan, converged


def hardness_ratio(rate_1_2, err_1_2, rate_05_1, err_05_1):
    """HR = CR[1–2] / CR[0.5–1] and its first-order error (NaN where CR[0.5–1] ≤ 0)."""
    r2, e2, r1, e1 = (np.asarray(v, float) for v in (rate_1_2, err_1_2, rate_05_1, err_05_1))
    ok = r1 > 0
    hr = np.divide(r2, r1, out=np.full_like(r1, np.nan), where=ok)
    inv = np.divide(1.0, r1, out=np.full_like(r1, np.nan), where=ok)
    err = np.hypot(e2 * inv, r2 * e1 * inv * inv)
    return hr, err


def _shapes(cand: Table, pixel: float):
    """(extended?, core radius in pixels) per candidate."""
    n = len(cand)
    ext = np.zeros(n, bool)
    for flag in ("C1", "C2"):
        if flag in cand.colnames:
            ext |= np.asarray(cand[flag], bool)
    col = "rc_cluster" if "rc_cluster" in cand.colnames else "ext"
    rc = np.asarray(cand[col], float) / pixel if col in cand.colnames else np.full(n, np.nan)
    ext &= np.isfinite(rc) & (rc > 0)
    return ext, rc


def forced_photometry(cand: Table, bands, cfg: DetectionConfig = DetectionConfig()) -> Table:
    """``cand`` with ``rate_<band>``, ``rate_<band>_err`` (counts s⁻¹, pn+MOS1+MOS2 on axis,
    as the 0.5–2 keV ``rate``) for each :class:`BandInput` and, with bands ``05_1`` and
    ``1_2``, ``hr`` and ``hr_err``. Candidates are fitted brightest first (by ``rate``, else in
    order), each with the fitted models of those before it in its background."""
    out = cand.copy(copy_data=False)
    n = len(cand)
    order = np.argsort(-np.asarray(cand["rate"], float), kind="stable") if "rate" in cand.colnames \
        else np.arange(n)
    beta = beta_mge(cfg.beta, cfg.truncation)
    for band in bands:
        img = band.images
        pix = band.psf.pixel
        ext, rc = _shapes(cand, pix)
        half_pt = max(int(np.ceil(cfg.point_radius / pix)), 4)
        half_ext = int(np.ceil(cfg.extended_radius / pix))
        ny, nx = img.counts.shape
        neighbours = np.zeros((ny, nx))
        rate = np.full(n, np.nan)
        err = np.full(n, np.nan)
        for k in order:
            x, y = float(cand["x"][k]), float(cand["y"][k])
            half = int(np.clip(3 * rc[k] + half_pt, half_pt, half_ext)) if ext[k] else half_pt
            xc, yc = int(round(x)), int(round(y))
            xa, xb = max(xc - half, 0), min(xc + half + 1, nx)
            ya, yb = max(yc - half, 0), min(yc + half + 1, ny)
            if xa >= xb or ya >= yb:
                continue
            e = img.exposure[ya:yb, xa:xb]
            e0 = img.exposure[min(max(yc, 0), ny - 1), min(max(xc, 0), nx - 1)]
            if e0 <= 0:
                good = e > 0
                if not good.any():
                    continue
                e0 = float(e[good].mean())
            p = band.psf.at(x, y)
            shape = (yb - ya, xb - xa)
            if ext[k]:
                w = np.outer(p.weights, beta.weights).ravel()
                s = np.sqrt(np.repeat(p.sigma, beta.weights.size) ** 2
                            + (rc[k] * np.tile(beta.sigma, p.weights.size)) ** 2)
                prof = mixture_image(w, s, x - xa, y - ya, shape)
            else:
                prof = mixture_image(p.weights, p.sigma, x - xa, y - ya, shape)
            q = e / e0 * prof
            mask = e > 0
            b = img.background[ya:yb, xa:xb] + neighbours[ya:yb, xa:xb]
            a, sa, _ = fit_normalisation(img.counts[ya:yb, xa:xb][mask], b[mask], q[mask])
            if not np.isfinite(a):
                continue
            rate[k], err[k] = a / e0, sa / e0
            neighbours[ya:yb, xa:xb] += max(a, 0.0) * q
        # float32 (7 digits, far below the errors): keeps catalogue mode within its budget
        out[f"rate_{band.name}"] = rate.astype(np.float32)
        out[f"rate_{band.name}"].unit = "1/s"
        out[f"rate_{band.name}_err"] = err.astype(np.float32)
        out[f"rate_{band.name}_err"].unit = "1/s"
    names = {b.name for b in bands}
    if {"05_1", "1_2"} <= names:
        hr, hr_err = hardness_ratio(out["rate_1_2"], out["rate_1_2_err"], out["rate_05_1"],
                                    out["rate_05_1_err"])
        out["hr"], out["hr_err"] = hr.astype(np.float32), hr_err.astype(np.float32)
    return out
