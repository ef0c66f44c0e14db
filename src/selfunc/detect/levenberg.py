"""Compiled Levenberg–Marquardt fits of the four source models on a Poisson stamp.

The loop is that of :func:`selfunc.detect.likelihood` (its docstring gives the models and
the statistic): for Poisson data the expected Hessian of C/2 is the Fisher matrix
F = Σ (1/m) ∂m ∂mᵀ and the gradient of C/2 is g = Σ (1 − n/m) ∂m, so a damped Newton step
Δ = −(F + λ diag F)⁻¹ g converges in a few iterations. Bounds are kept by clipping; λ grows
when a step does not lower C. The fit stops when a step lowers C by less than ``tol``
(ΔC statistics need ~0.01) or after ``max_eval`` model evaluations.

Compiled (numba) because a fit is ~10 small steps of ~10 array operations each: in
numpy, the per-call overhead of those operations was most of the detection time
(~7,000 model evaluations per 10 ks pointing), not the arithmetic.

Model codes and parameters (stamp pixels; r_c in pixels; a in counts at the stamp's
reference exposure):

* POINT           (x, y, a)
* EXTENDED        (x, y, a, r_c)
* DOUBLE          (x₁, y₁, a₁, x₂, y₂, a₂)
* POINT_EXTENDED  (x, y, a_pt, a_ext, r_c)
* EXTENDED_POINTS (x, y, a, r_c, x₁, y₁, a₁, …, x_P, y_P, a_P): an extended source fitted
  together with the P point sources that overlap it

Any model may take one more, last parameter s, the relative change of the local sky
background: m = source + background + s · bmap (``bmap`` the background map on the stamp,
without the neighbours' models; a 1-element ``bmap`` means no such parameter).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from selfunc.detect.stamps import _axes

POINT, EXTENDED, DOUBLE, POINT_EXTENDED, EXTENDED_POINTS = 0, 1, 2, 3, 4
_TINY = 1e-12


@numba.njit(cache=True)
def _mixture(w, s, ds, x0, y0, ny, nx, want_s):  # pragma: no cover - compiled
    """Image of Σ w_k N(s_k) at (x0, y0), its x0/y0 derivatives and (want_s) Σ over k of
    ∂/∂s_k · ds_k (see stamps.mixture_image_grad)."""
    X, dX, dXs = _axes(nx, x0, s, want_s)
    Y, dY, dYs = _axes(ny, y0, s, want_s)
    K = w.size
    Yw = np.empty((ny, K))
    dYw = np.empty((ny, K))
    for k in range(K):
        for i in range(ny):
            Yw[i, k] = Y[k, i] * w[k]
            dYw[i, k] = dY[k, i] * w[k]
    img = np.dot(Yw, X)
    gx = np.dot(Yw, dX)
    gy = np.dot(dYw, X)
    if not want_s:
        return img, gx, gy, gy
    for k in range(K):
        for i in range(ny):
            Yw[i, k] = Y[k, i] * w[k] * ds[k]
            dYw[i, k] = dYs[k, i] * w[k] * ds[k]
    gs = np.dot(Yw, dXs) + np.dot(dYw, X)
    return img, gx, gy, gs


@numba.njit(cache=True)
def _model(kind, p, erel, pw, ps, ew, eps, ebeta, ny, nx):  # pragma: no cover - compiled
    """Source counts (ny, nx) and their derivatives (n_params, ny, nx) at parameters p.
    pw, ps: PSF weights and σ; ew, eps, ebeta: the β ⊗ PSF components' weights, PSF σ
    and β σ (for r_c = 1), so that σ_k(r_c) = √(eps_k² + r_c² ebeta_k²)."""
    npar = p.size
    grads = np.empty((npar, ny, nx))
    none = np.zeros(1)
    if kind == POINT or kind == DOUBLE:
        img, gx, gy, _ = _mixture(pw, ps, none, p[0], p[1], ny, nx, False)
        a = p[2]
        src = a * erel * img
        grads[0] = a * erel * gx
        grads[1] = a * erel * gy
        grads[2] = erel * img
        if kind == DOUBLE:
            img2, gx2, gy2, _ = _mixture(pw, ps, none, p[3], p[4], ny, nx, False)
            a2 = p[5]
            src = src + a2 * erel * img2
            grads[3] = a2 * erel * gx2
            grads[4] = a2 * erel * gy2
            grads[5] = erel * img2
        return src, grads
    rc = p[4] if kind == POINT_EXTENDED else p[3]
    sig = np.sqrt(eps**2 + (rc * ebeta) ** 2)
    dsig = rc * ebeta**2 / sig
    ie, gxe, gye, gre = _mixture(ew, sig, dsig, p[0], p[1], ny, nx, True)
    if kind == EXTENDED or kind == EXTENDED_POINTS:
        a = p[2]
        grads[0] = a * erel * gxe
        grads[1] = a * erel * gye
        grads[2] = erel * ie
        grads[3] = a * erel * gre
        src = a * erel * ie
        for q in range(4, npar, 3):
            ip, gxp, gyp, _ = _mixture(pw, ps, none, p[q], p[q + 1], ny, nx, False)
            src = src + p[q + 2] * erel * ip
            grads[q] = p[q + 2] * erel * gxp
            grads[q + 1] = p[q + 2] * erel * gyp
            grads[q + 2] = erel * ip
        return src, grads
    ip, gxp, gyp, _ = _mixture(pw, ps, none, p[0], p[1], ny, nx, False)
    apt, aext = p[2], p[3]
    grads[0] = erel * (apt * gxp + aext * gxe)
    grads[1] = erel * (apt * gyp + aext * gye)
    grads[2] = erel * ip
    grads[3] = erel * ie
    grads[4] = aext * erel * gre
    return erel * (apt * ip + aext * ie), grads


@numba.njit(cache=True)
def _evaluate(kind, p, counts, bkg, bmap, erel, idx, pw, ps, ew, eps, ebeta,
              bkg_sigma):  # pragma: no cover - compiled
    """C, m and ∂m on the stamp's exposed pixels ``idx`` (flat indices); with a free level s,
    C includes its Gaussian prior, (s / bkg_sigma)² (nothing for an infinite sigma)."""
    ny, nx = counts.shape
    free = bmap.size > 1
    nsrc = p.size - 1 if free else p.size
    src, grads = _model(kind, p[:nsrc], erel, pw, ps, ew, eps, ebeta, ny, nx)
    fs = src.ravel()
    fg = grads.reshape(nsrc, ny * nx)
    fb = bkg.ravel()
    fm = bmap.ravel()
    s = p[nsrc] if free else 0.0
    fn = counts.ravel()
    m = np.empty(idx.size)
    gm = np.empty((p.size, idx.size))
    c = 0.0
    for q in range(idx.size):
        i = idx[q]
        v = fb[i] + fs[i]
        if free:
            v += s * fm[i]
            gm[nsrc, q] = fm[i]
        if v < _TINY:
            v = _TINY
        m[q] = v
        c += v - fn[i] * math.log(v)
        for a in range(nsrc):
            gm[a, q] = fg[a, i]
    c = 2.0 * c
    if free:
        c += (s / bkg_sigma) ** 2
    return c, src, m, gm


@numba.njit(cache=True)
def _scoring(n, m, gm):  # pragma: no cover - compiled
    """g = Σ (1 − n/m) ∂m and F = Σ ∂m ∂mᵀ / m."""
    npar = gm.shape[0]
    g = np.zeros(npar)
    f = np.zeros((npar, npar))
    for q in range(n.size):
        r = 1.0 - n[q] / m[q]
        inv = 1.0 / m[q]
        for a in range(npar):
            ga = gm[a, q]
            g[a] += r * ga
            t = ga * inv
            for b in range(a + 1):
                f[a, b] += t * gm[b, q]
    for a in range(npar):
        for b in range(a):
            f[b, a] = f[a, b]
    return g, f


@numba.njit(cache=True)
def _scoring_prior(n, m, gm, p, free, bkg_sigma):  # pragma: no cover - compiled
    """_scoring plus the level prior's terms: s / σ² in g and 1 / σ² in F (of C / 2)."""
    g, f = _scoring(n, m, gm)
    if free:
        k = p.size - 1
        g[k] += p[k] / bkg_sigma**2
        f[k, k] += 1.0 / bkg_sigma**2
    return g, f


@numba.njit(cache=True)
def fit(kind, p0, lo, hi, counts, bkg, bmap, erel, idx, pw, ps, ew, eps, ebeta,
        max_iter, max_eval, tol, bkg_sigma=np.inf):  # pragma: no cover - compiled
    """Returns (p, C, converged, source image, Fisher matrix) at the optimum. With a free
    level (``bmap`` not 1 element), ``bkg_sigma`` is the sd of its Gaussian prior."""
    n = counts.ravel()[idx]
    free = bmap.size > 1
    p = np.minimum(np.maximum(p0.copy(), lo), hi)
    c, src, m, gm = _evaluate(kind, p, counts, bkg, bmap, erel, idx, pw, ps, ew, eps, ebeta,
                              bkg_sigma)
    lam = 1e-3
    converged = False  # stays so when max_iter runs out
    n_eval = 1
    npar = p.size
    for _ in range(max_iter):
        g, fisher = _scoring_prior(n, m, gm, p, free, bkg_sigma)
        improved = False
        settled = False
        done = False
        for _ in range(12):
            a = fisher.copy()
            for i in range(npar):
                a[i, i] += lam * max(fisher[i, i], 1e-12)
            try:
                step = -np.linalg.solve(a, g)
            except Exception:  # singular (a parameter without effect): damp more
                lam *= 10.0
                continue
            trial = np.minimum(np.maximum(p + step, lo), hi)
            c_new, src_new, m_new, gm_new = _evaluate(kind, trial, counts, bkg, bmap, erel,
                                                      idx, pw, ps, ew, eps, ebeta, bkg_sigma)
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
    return p, c, converged, src, _scoring_prior(n, m, gm, p, free, bkg_sigma)[1]
