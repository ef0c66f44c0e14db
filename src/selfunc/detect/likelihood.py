"""Maximum-likelihood source models on Poisson images (Cash 1979).

For counts n and model m in the pixels of a fitting stamp, the Cash statistic is

    C = 2 Σ (m − n ln m),

so that a difference ΔC between two nested models is 2·Δln L (asymptotically χ² with as
many degrees of freedom as extra parameters). The model of every source is

    m = B + a · (E / E₀) · P,

with B the background map (plus fixed neighbours), E the exposure map, E₀ the exposure at
the stamp centre, P the pixel-integrated profile (PSF, or β-model ⊗ PSF, see
:mod:`selfunc.profiles.mge`) and a the source counts at E₀ (so the rate is a / E₀).

Models (positions in stamp pixels, core radius r_c in pixels):

* ``point``    (x, y, a)
* ``extended`` (x, y, a, r_c): β-model (β fixed) ⊗ PSF
* ``double``   (x₁, y₁, a₁, x₂, y₂, a₂): two point sources
* ``point+extended`` (x, y, a_pt, a_ext, r_c): a point source at the centre of a β-model

Parameter errors come from the Fisher matrix F_ab = Σ (1/m) ∂m/∂a ∂m/∂b at the optimum.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from selfunc.profiles.mge import Mge
from selfunc.detect.stamps import mixture_image, mixture_image_grad

__all__ = ["Stamp", "Fit", "fit_point", "fit_extended", "fit_double", "fit_point_extended",
           "cash"]

_TINY = 1e-12


def cash(model, counts) -> float:
    m = np.maximum(model, _TINY)
    return float(2.0 * np.sum(m - counts * np.log(m)))


#: PSF components whose flux on a stamp, together, is below this fraction of the PSF's
#: are left out of its model: the King wings' widest Gaussians (σ of 400-750 px) put
#: ~10⁻⁶ of a source's counts on a 30-100 px stamp, but cost as much as the core.
#: The weights are not renormalised, so a fitted normalisation stays the total counts.
NEGLIGIBLE_ON_STAMP = 1e-5


def _on_stamp(psf: Mge, npix: int) -> Mge:
    # a Gaussian of dispersion σ ≫ the stamp puts at most npix / (2π σ²) of its flux on it
    frac = psf.weights * np.minimum(1.0, npix / (2 * np.pi * psf.sigma**2))
    order = np.argsort(frac)
    dropped = np.cumsum(frac[order]) < NEGLIGIBLE_ON_STAMP * frac.sum()
    if not dropped.any():
        return psf
    keep = np.sort(order[~dropped])
    return Mge(psf.weights[keep], psf.sigma[keep])


@dataclasses.dataclass
class Stamp:
    """The data of one fitting region. ``psf`` is in pixel units; ``beta`` in units of r_c."""

    counts: np.ndarray
    background: np.ndarray
    exposure: np.ndarray
    psf: Mge
    beta: Mge
    x0: int  # image pixel of stamp [0, 0]
    y0: int

    def __post_init__(self):
        self.psf = _on_stamp(self.psf, self.counts.size)
        self.mask = self.exposure > 0
        c = tuple(s // 2 for s in self.counts.shape)
        e = self.exposure[c] if self.exposure[c] > 0 else self.exposure[self.mask].mean()
        self.e_ref = float(e)
        self.erel = np.where(self.mask, self.exposure / self.e_ref, 0.0)
        bpsf = np.outer(self.psf.weights, self.beta.weights).ravel()
        self._ext_w = bpsf
        self._ext_s_psf = np.repeat(self.psf.sigma, len(self.beta.weights))
        self._ext_s_beta = np.tile(self.beta.sigma, len(self.psf.weights))

    @property
    def c_background(self) -> float:
        return cash(self.background[self.mask], self.counts[self.mask])

    def point_profile(self, x, y, grad=False):
        if not grad:
            return mixture_image(self.psf.weights, self.psf.sigma, x, y, self.counts.shape)
        return mixture_image_grad(self.psf.weights, self.psf.sigma, x, y, self.counts.shape)

    def extended_profile(self, x, y, rc, grad=False):
        sig = np.sqrt(self._ext_s_psf**2 + (rc * self._ext_s_beta) ** 2)
        if not grad:
            return mixture_image(self._ext_w, sig, x, y, self.counts.shape)
        dsig = rc * self._ext_s_beta**2 / sig
        return mixture_image_grad(self._ext_w, sig, x, y, self.counts.shape, dsigma=dsig)


@dataclasses.dataclass
class Fit:
    model: str
    params: np.ndarray
    errors: np.ndarray
    cstat: float
    success: bool
    names: tuple[str, ...]
    image: np.ndarray  # best-fit source model (counts), without background

    def __getitem__(self, name):
        return self.params[self.names.index(name)]

    def error(self, name):
        return self.errors[self.names.index(name)]


def _minimise(stamp: Stamp, model_fn, p0, bounds, names, model_name,
              max_iter: int = 60, max_eval: int = 150, tol: float = 1e-3) -> Fit:
    """Levenberg–Marquardt on the Cash statistic with Fisher-scoring curvature.

    For Poisson data the expected Hessian of C/2 is the Fisher matrix
    F = Σ (1/m) ∂m ∂mᵀ and the gradient of C/2 is g = Σ (1 − n/m) ∂m, so a damped
    Newton step Δ = −(F + λ diag F)⁻¹ g converges in a few iterations (a small, fast loop;
    scipy's L-BFGS-B spends more time in its own bookkeeping than in these models). Bounds
    are kept by clipping; λ grows when a step does not lower C. The fit stops when a step
    lowers C by less than ``tol`` (ΔC statistics need ~0.01) or after ``max_eval`` model
    evaluations.
    """
    n = stamp.counts[stamp.mask]
    b = stamp.background[stamp.mask]
    lo = np.array([-np.inf if lb is None else lb for lb, _ in bounds])
    hi = np.array([np.inf if ub is None else ub for _, ub in bounds])

    full = bool(stamp.mask.all())  # most stamps: flat views instead of boolean copies

    def evaluate(p):
        src, grads = model_fn(p)
        if full:
            m = np.maximum(b + src.ravel(), _TINY)
            gm = np.stack(grads).reshape(len(grads), -1)
        else:
            m = np.maximum(b + src[stamp.mask], _TINY)
            gm = np.stack([gk[stamp.mask] for gk in grads])
        c = 2.0 * float(np.sum(m - n * np.log(m)))
        return c, src, m, gm

    p = np.clip(np.asarray(p0, float), lo, hi)
    c, src, m, gm = evaluate(p)
    lam = 1e-3
    converged = False  # stays so when max_iter runs out
    n_eval = 1
    for _ in range(max_iter):
        g = gm @ (1.0 - n / m)
        fisher = (gm / m) @ gm.T
        diag = np.maximum(np.diag(fisher), 1e-12)
        improved = False
        for _ in range(12):
            try:
                step = -np.linalg.solve(fisher + lam * np.diag(diag), g)
            except np.linalg.LinAlgError:
                lam *= 10.0
                continue
            trial = np.clip(p + step, lo, hi)
            c_new, src_new, m_new, gm_new = evaluate(trial)
            n_eval += 1
            if c_new <= c:
                improved = True
                settled = c - c_new < tol or np.all(np.abs(trial - p) < 1e-7)
                done = settled or n_eval >= max_eval
                p, c, src, m, gm = trial, c_new, src_new, m_new, gm_new
                lam = max(lam / 10.0, 1e-9)
                break
            lam *= 10.0
            if n_eval >= max_eval:
                break
        if not improved or done:
            # Converged: the last step changed C by < tol, or no damped step lowers C
            # (a minimum at this resolution). Not converged: the evaluation budget ran out.
            converged = settled if improved else n_eval < max_eval
            break
    fisher = (gm / m) @ gm.T
    try:
        errors = np.sqrt(np.clip(np.diag(np.linalg.inv(fisher)), 0, None))
    except np.linalg.LinAlgError:
        errors = np.full(len(p), np.nan)
    return Fit(model_name, p, errors, c, converged, names, src)


def fit_point(stamp: Stamp, x, y, a) -> Fit:
    ny, nx = stamp.counts.shape

    def model(p):
        img, gx, gy, _ = stamp.point_profile(p[0], p[1], grad=True)
        e = stamp.erel
        return p[2] * e * img, [p[2] * e * gx, p[2] * e * gy, e * img]

    bounds = [(0, nx - 1), (0, ny - 1), (1e-6, None)]
    return _minimise(stamp, model, [x, y, max(a, 1.0)], bounds, ("x", "y", "a"), "point")


def _centre_bounds(stamp: Stamp, x, y, reach):
    """Bounds of a centre kept within ``reach`` pixels of (x, y) (and on the stamp)."""
    ny, nx = stamp.counts.shape
    if reach is None:
        return [(0, nx - 1), (0, ny - 1)]
    return [(max(x - reach, 0), min(x + reach, nx - 1)), (max(y - reach, 0), min(y + reach, ny - 1))]


def fit_extended(stamp: Stamp, x, y, a, rc, rc_max, reach=None) -> Fit:
    """β-model ⊗ PSF; with ``reach``, the centre stays within that many pixels of the
    start (a wide β-model is otherwise free to run to the stamp edge after a background
    excess, taking the candidate's position with it)."""

    def model(p):
        img, gx, gy, gr = stamp.extended_profile(p[0], p[1], p[3], grad=True)
        e = stamp.erel
        return p[2] * e * img, [p[2] * e * gx, p[2] * e * gy, e * img, p[2] * e * gr]

    bounds = _centre_bounds(stamp, x, y, reach) + [(1e-6, None), (0.05, rc_max)]
    return _minimise(stamp, model, [x, y, max(a, 1.0), rc], bounds, ("x", "y", "a", "rc"),
                     "extended")


def fit_double(stamp: Stamp, x1, y1, a1, x2, y2, a2) -> Fit:
    ny, nx = stamp.counts.shape

    def model(p):
        e = stamp.erel
        i1, gx1, gy1, _ = stamp.point_profile(p[0], p[1], grad=True)
        i2, gx2, gy2, _ = stamp.point_profile(p[3], p[4], grad=True)
        return e * (p[2] * i1 + p[5] * i2), [p[2] * e * gx1, p[2] * e * gy1, e * i1,
                                            p[5] * e * gx2, p[5] * e * gy2, e * i2]

    bounds = [(0, nx - 1), (0, ny - 1), (1e-6, None)] * 2
    return _minimise(stamp, model, [x1, y1, max(a1, 1.0), x2, y2, max(a2, 1.0)], bounds,
                     ("x1", "y1", "a1", "x2", "y2", "a2"), "double", max_eval=80)


def fit_point_extended(stamp: Stamp, x, y, a_pt, a_ext, rc, rc_max, reach=None) -> Fit:

    def model(p):
        e = stamp.erel
        ip, gxp, gyp, _ = stamp.point_profile(p[0], p[1], grad=True)
        ie, gxe, gye, gre = stamp.extended_profile(p[0], p[1], p[4], grad=True)
        src = e * (p[2] * ip + p[3] * ie)
        return src, [e * (p[2] * gxp + p[3] * gxe), e * (p[2] * gyp + p[3] * gye), e * ip,
                     e * ie, p[3] * e * gre]

    bounds = _centre_bounds(stamp, x, y, reach) + [(1e-6, None), (1e-6, None), (0.05, rc_max)]
    return _minimise(stamp, model, [x, y, max(a_pt, 1.0), max(a_ext, 1.0), rc], bounds,
                     ("x", "y", "a_pt", "a_ext", "rc"), "point+extended", max_eval=80)
