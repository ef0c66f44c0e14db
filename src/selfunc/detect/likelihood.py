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

from selfunc.detect import levenberg
from selfunc.detect.stamps import mixture_image
from selfunc.profiles.mge import Mge

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
    #: the sky background map on the stamp (``background`` is it plus the neighbours'
    #: models): what a free background level scales; None → ``background``
    bmap: np.ndarray | None = None

    def __post_init__(self):
        self.psf = _on_stamp(self.psf, self.counts.size)
        self.mask = self.exposure > 0
        c = tuple(s // 2 for s in self.counts.shape)
        e = self.exposure[c] if self.exposure[c] > 0 else self.exposure[self.mask].mean()
        self.e_ref = float(e)
        self.erel = np.where(self.mask, self.exposure / self.e_ref, 0.0)
        self.counts = np.ascontiguousarray(self.counts, dtype=float)
        self.background = np.ascontiguousarray(self.background, dtype=float)
        self.bmap = (self.background if self.bmap is None
                     else np.ascontiguousarray(self.bmap, dtype=float))
        self.idx = np.flatnonzero(self.mask)
        bpsf = np.outer(self.psf.weights, self.beta.weights).ravel()
        self._ext_w = np.ascontiguousarray(bpsf)
        self._ext_s_psf = np.repeat(self.psf.sigma, len(self.beta.weights))
        self._ext_s_beta = np.tile(self.beta.sigma, len(self.psf.weights))

    @property
    def c_background(self) -> float:
        return cash(self.background[self.mask], self.counts[self.mask])

    def point_profile(self, x, y):
        return mixture_image(self.psf.weights, self.psf.sigma, x, y, self.counts.shape)

    def extended_profile(self, x, y, rc):
        sig = np.sqrt(self._ext_s_psf**2 + (rc * self._ext_s_beta) ** 2)
        return mixture_image(self._ext_w, sig, x, y, self.counts.shape)


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


#: Bounds of the relative background change s of a fit with a free background level.
BKG_SCALE_BOUNDS = (-0.9, 10.0)

#: Standard deviation of the Gaussian prior on s. The local sky of a stamp differs from the
#: map by undetected sources; in realistic 10 ks pointings (seed 5, pointings 0-24) the 122
#: fitted levels spread by 0.16 (16-84 % half-width) about 0.00 with a median error of 0.12,
#: so the levels themselves scatter by √(0.16² − 0.12²) ≈ 0.10 [D]. Unconstrained, a fit
#: next to a bright star's wings (whose model is ~7 % off, docs/physics.md §7) raised the
#: level by 69 % and left the cluster 0.56 of its rate with r_c 9″ for 36″ (issue 14).
BKG_SCALE_SIGMA = 0.10


def _minimise(stamp: Stamp, kind: int, p0, bounds, names, model_name,
              max_iter: int = 60, max_eval: int = 150, tol: float = 1e-3,
              free_background: bool = False) -> Fit:
    """Levenberg–Marquardt on the Cash statistic (compiled: :mod:`selfunc.detect.levenberg`,
    whose docstring gives the method and the stopping rules). With ``free_background`` the
    last parameter, ``bkg_scale``, is the relative change s of the sky background map
    (model = source + neighbours + (1 + s) · map)."""
    bmap = np.zeros(1)
    if free_background:
        p0, bounds, names = [*p0, 0.0], [*bounds, BKG_SCALE_BOUNDS], (*names, "bkg_scale")
        bmap = stamp.bmap
    lo = np.array([-np.inf if lb is None else lb for lb, _ in bounds])
    hi = np.array([np.inf if ub is None else ub for _, ub in bounds])
    p, c, converged, src, fisher = levenberg.fit(
        kind, np.asarray(p0, float), lo, hi, stamp.counts, stamp.background, bmap, stamp.erel,
        stamp.idx, stamp.psf.weights, stamp.psf.sigma, stamp._ext_w, stamp._ext_s_psf,
        stamp._ext_s_beta, max_iter, max_eval, tol, BKG_SCALE_SIGMA)
    try:
        errors = np.sqrt(np.clip(np.diag(np.linalg.inv(fisher)), 0, None))
    except np.linalg.LinAlgError:
        errors = np.full(len(p), np.nan)
    return Fit(model_name, p, errors, float(c), bool(converged), names, src)


def fit_point(stamp: Stamp, x, y, a, max_eval: int = 150) -> Fit:
    ny, nx = stamp.counts.shape
    bounds = [(0, nx - 1), (0, ny - 1), (1e-6, None)]
    return _minimise(stamp, levenberg.POINT, [x, y, max(a, 1.0)], bounds, ("x", "y", "a"),
                     "point", max_eval=max_eval)


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
    bounds = _centre_bounds(stamp, x, y, reach) + [(1e-6, None), (0.05, rc_max)]
    return _minimise(stamp, levenberg.EXTENDED, [x, y, max(a, 1.0), rc], bounds,
                     ("x", "y", "a", "rc"), "extended")


def fit_extended_points(stamp: Stamp, ext: tuple, points: list, rc_max, reach=None,
                        point_reach: float = 2.0, free_background: bool = False) -> Fit:
    """An extended source (x, y, a, r_c) and the point sources ``points`` [(x, y, a), …]
    that overlap it, fitted together: their Fisher errors then include what each takes
    from the others. Point centres stay within ``point_reach`` pixels of their start.
    ``free_background``: the sky level is fitted too (parameter ``bkg_scale``)."""
    x, y, a, rc = ext
    bounds = _centre_bounds(stamp, x, y, reach) + [(1e-6, None), (0.05, rc_max)]
    p0 = [x, y, max(a, 1.0), rc]
    names = ["x", "y", "a", "rc"]
    for i, (xp, yp, ap) in enumerate(points, 1):
        bounds += _centre_bounds(stamp, xp, yp, point_reach) + [(1e-6, None)]
        p0 += [xp, yp, max(ap, 1.0)]
        names += [f"x{i}", f"y{i}", f"a{i}"]
    return _minimise(stamp, levenberg.EXTENDED_POINTS, p0, bounds, tuple(names),
                     "extended+points", max_eval=80, free_background=free_background)


def fit_double(stamp: Stamp, x1, y1, a1, x2, y2, a2) -> Fit:
    ny, nx = stamp.counts.shape
    bounds = [(0, nx - 1), (0, ny - 1), (1e-6, None)] * 2
    return _minimise(stamp, levenberg.DOUBLE, [x1, y1, max(a1, 1.0), x2, y2, max(a2, 1.0)],
                     bounds, ("x1", "y1", "a1", "x2", "y2", "a2"), "double", max_eval=80)


def fit_point_extended(stamp: Stamp, x, y, a_pt, a_ext, rc, rc_max, reach=None) -> Fit:
    bounds = _centre_bounds(stamp, x, y, reach) + [(1e-6, None), (1e-6, None), (0.05, rc_max)]
    return _minimise(stamp, levenberg.POINT_EXTENDED, [x, y, max(a_pt, 1.0), max(a_ext, 1.0), rc],
                     bounds, ("x", "y", "a_pt", "a_ext", "rc"), "point+extended", max_eval=80)
