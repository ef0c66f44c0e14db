"""Cluster galaxies: richness from mass, luminosity function with a passively evolving
m*(z), the BCG, projected NFW positions and red-sequence colours.

All parameters and their sources are in :class:`~selfunc.optical.config.ClusterGalaxyConfig`.
Formulas (x = L/L* = 10^{−0.4 (m − m*)}):

* richness  λ = λ_piv (M500 / M_piv)^{1/B} · e^{N(0, σ_lnλ)}, counted above x = 0.2 inside
  R_λ = r_λ (λ/100)^0.2 Mpc (physical);
* m*(z) = M* + DM(z) + K(z) − Q z (R_F), and m*_B = m*_R + c_RS(z) with
  c_RS(z) = c₀ + K_B(z) − K_R(z) − (Q_B − Q_R) z;
* BCG: x_BCG = 10^{0.4 Δ}, Δ = Δ₀ + s_M log₁₀(M500/10¹⁴ M☉) + N(0, σ_Δ);
* other members: Schechter φ(x) ∝ x^α e^{−x} on [x_min, x_BCG], with expected number

      N = (λ − 1) G(x_min, x_BCG) / G(0.2, x_BCG),   G(a, b) = ∫_a^b x^α e^{−x} dx,

  so that λ − 1 members (plus the BCG) lie above 0.2 L*; x_min is set by the catalogue
  depth. The number drawn is Poisson(N).
* positions: projected NFW, Σ(R) of scale r_s = R500 / c, truncated at R_λ; the enclosed
  projected mass is ∝ g(X) = ln(X/2) + F(X), F = arccosh(1/X)/√(1−X²) (X<1),
  arccos(1/X)/√(X²−1) (X>1) (Bartelmann 1996).
"""

from __future__ import annotations

import numpy as np
from scipy import special

from selfunc.optical.config import ClusterGalaxyConfig
from selfunc import scaling

__all__ = ["mean_richness", "richness_radius", "m_star", "red_sequence_colour",
           "schechter_integral", "sample_schechter", "projected_nfw_cdf", "sample_projected_nfw",
           "expected_members", "draw_clusters", "random_axis_ratio"]

LAMBDA_CUT = 0.2  # richness counts members above 0.2 L*


def mean_richness(mass, cfg: ClusterGalaxyConfig):
    """Mean λ at M500 (M☉) from ln(M/M_piv) = B ln(λ/λ_piv)."""
    return cfg.richness_pivot * (np.asarray(mass, float) / cfg.mass_pivot) ** (1.0 / cfg.mass_richness_slope)


def richness_radius(lam, cfg: ClusterGalaxyConfig):
    """R_λ in physical Mpc."""
    return cfg.richness_radius * (np.maximum(np.asarray(lam, float), 1e-3) / 100.0) ** 0.2


def _poly(z, coeffs):
    z = np.asarray(z, float)
    return coeffs[0] * z + coeffs[1] * z**2


def red_sequence_colour(z, cfg: ClusterGalaxyConfig):
    """B_J − R_F of an L* red-sequence galaxy at redshift ``z``."""
    z = np.asarray(z, float)
    return (cfg.colour_rest + _poly(z, cfg.kcorr_b) - _poly(z, cfg.kcorr_r)
            - (cfg.evolution_b - cfg.evolution_r) * z)


def m_star(z, band: str, cfg: ClusterGalaxyConfig, cosmo):
    """Apparent m*(z) in R_F (``band="red"``) or B_J (``"blue"``)."""
    z = np.asarray(z, float)
    dm = cosmo.distmod(np.maximum(z, 1e-4)).value
    m_r = cfg.m_star_r + dm + _poly(z, cfg.kcorr_r) - cfg.evolution_r * z
    if band == "red":
        return m_r
    if band == "blue":
        return m_r + red_sequence_colour(z, cfg)
    raise ValueError(f"band = {band!r}: expected 'red' or 'blue'")


def _upper_gamma(s, x):
    """Γ(s, x) for s > −1 (recurrence Γ(s, x) = (Γ(s+1, x) − x^s e^{−x}) / s for s < 0)."""
    x = np.asarray(x, float)
    if s > 0:
        return special.gamma(s) * special.gammaincc(s, x)
    if s == 0:
        return special.exp1(x)
    return (special.gamma(s + 1) * special.gammaincc(s + 1, x) - x**s * np.exp(-x)) / s


def schechter_integral(lo, hi, alpha: float):
    """G(lo, hi) = ∫_lo^hi x^α e^{−x} dx (α > −2)."""
    s = alpha + 1.0
    return _upper_gamma(s, lo) - _upper_gamma(s, hi)


def sample_schechter(rng: np.random.Generator, n: int, lo: float, hi: float, alpha: float):
    """``n`` values of x = L/L* from x^α e^{−x} on [lo, hi] (tabulated inverse CDF)."""
    grid = np.geomspace(lo, hi, 2048)
    cdf = schechter_integral(lo, grid, alpha)
    cdf = cdf / cdf[-1]
    return np.exp(np.interp(rng.uniform(0.0, 1.0, n), cdf, np.log(grid)))


def projected_nfw_cdf(x, x_max):
    """Fraction of a projected NFW's members inside X = R/r_s, truncated at ``x_max``."""
    def g(v):
        v = np.asarray(v, float)
        out = np.log(v / 2.0)
        lo = v < 1.0
        hi = v > 1.0
        f = np.ones_like(v)
        f[lo] = np.arccosh(1.0 / v[lo]) / np.sqrt(1.0 - v[lo] ** 2)
        f[hi] = np.arccos(1.0 / v[hi]) / np.sqrt(v[hi] ** 2 - 1.0)
        return out + f
    # g(X) → X²/4 ... finite: g(0⁺) = 0 (limit); use a small floor
    x = np.clip(np.asarray(x, float), 1e-6, x_max)
    g0 = g(np.array([1e-6]))[0]
    return (g(x) - g0) / (g(np.array([x_max]))[0] - g0)


def sample_projected_nfw(rng: np.random.Generator, n: int, x_max: float):
    """``n`` projected radii (units of r_s) of a projected NFW truncated at ``x_max``."""
    grid = np.concatenate([[1e-6], np.geomspace(1e-4, x_max, 1024)])
    cdf = projected_nfw_cdf(grid, x_max)
    return np.interp(rng.uniform(0.0, 1.0, n), cdf, grid)


def random_axis_ratio(rng: np.random.Generator, n: int, q0: float = 0.2):
    """Axis ratio of a thin disc (intrinsic thickness q0) seen at a random inclination:
    q = √(cos² i (1 − q0²) + q0²), cos i uniform on [0, 1]."""
    c = rng.uniform(0.0, 1.0, n)
    return np.sqrt(c**2 * (1.0 - q0**2) + q0**2)


def _bcg_delta_mean(mass, cfg):
    return cfg.bcg_delta + cfg.bcg_mass_slope * np.log10(np.asarray(mass, float) / 1e14)


def expected_members(mass, z, mag_limit_r: float, cfg: ClusterGalaxyConfig, cosmo):
    """Mean number of galaxies (BCG included) brighter than R_F = ``mag_limit_r`` for a
    cluster at the mean relations (no scatter in λ or Δ): the analytic prediction that the
    drawn members must match when ``richness_scatter = bcg_scatter = 0``."""
    mass = np.atleast_1d(np.asarray(mass, float))
    z = np.broadcast_to(np.asarray(z, float), mass.shape)
    lam = mean_richness(mass, cfg)
    ms = m_star(z, "red", cfg, cosmo)
    delta = _bcg_delta_mean(mass, cfg)
    x_bcg = np.maximum(10.0 ** (0.4 * delta), 2 * LAMBDA_CUT)
    x_lim = 10.0 ** (-0.4 * (mag_limit_r - ms))
    bcg = (ms - delta < mag_limit_r).astype(float)
    num = np.where(x_lim < x_bcg, schechter_integral(np.minimum(x_lim, x_bcg), x_bcg, cfg.lf_alpha), 0.0)
    den = schechter_integral(LAMBDA_CUT, x_bcg, cfg.lf_alpha)
    return bcg + np.maximum(lam - 1.0, 0.0) * num / den


def draw_clusters(rng: np.random.Generator, mass, z, xi, eta, cfg: ClusterGalaxyConfig,
                  cosmo, depth: float):
    """Members of every cluster (arrays ``mass`` M☉, ``z``, centre ``xi``, ``eta`` arcsec).

    Returns ``(members, summary)``: ``members`` a dict of per-galaxy arrays (``cluster``
    index, ``is_bcg``, ``xi``, ``eta``, ``mag_r``, ``mag_b``, ``bulge_fraction``,
    ``bulge_re``, ``disc_re`` (arcsec), ``bulge_q``, ``disc_q``, ``pa`` (deg E of N)),
    ``summary`` per-cluster arrays (``richness``, ``m_star_r``, ``m_star_b``,
    ``n_members``, ``bcg_xi``, ``bcg_eta``, ``mag_bcg_r``, ``mag_bcg_b``).
    """
    mass = np.asarray(mass, float)
    z = np.asarray(z, float)
    n_cl = len(mass)
    cols = {k: [] for k in ("cluster", "is_bcg", "xi", "eta", "mag_r", "mag_b", "bulge_fraction",
                            "bulge_re", "disc_re", "bulge_q", "disc_q", "pa")}
    summary = {k: np.full(n_cl, np.nan) for k in ("richness", "m_star_r", "m_star_b", "bcg_xi",
                                                   "bcg_eta", "mag_bcg_r", "mag_bcg_b")}
    summary["n_members"] = np.zeros(n_cl, dtype=np.int64)
    if n_cl == 0:
        empty = {k: np.empty(0) for k in cols}
        empty["cluster"] = np.empty(0, dtype=np.int64)
        empty["is_bcg"] = np.empty(0, dtype=bool)
        return empty, summary
    ms_r = m_star(z, "red", cfg, cosmo)
    c_rs = red_sequence_colour(z, cfg)
    r500 = scaling.r500_mpc(mass, z, cosmo)
    asec = scaling.arcsec_per_mpc(np.maximum(z, 1e-4), cosmo)
    f_blue = np.clip(cfg.blue_fraction[0] + cfg.blue_fraction[1] * z, 0.0, 0.5)
    for k in range(n_cl):
        lam = float(mean_richness(mass[k], cfg) * np.exp(rng.normal(0.0, cfg.richness_scatter)))
        delta = float(_bcg_delta_mean(mass[k], cfg) + rng.normal(0.0, cfg.bcg_scatter))
        central = rng.uniform() < cfg.bcg_central_fraction
        sig = (cfg.bcg_offset_central if central else cfg.bcg_offset_other) * r500[k] * asec[k]
        off = rng.normal(0.0, sig, 2)
        x_bcg = max(10.0 ** (0.4 * delta), 2 * LAMBDA_CUT)
        x_min = 10.0 ** (-0.4 * (depth - ms_r[k]))
        n_mean = 0.0
        if x_min < x_bcg and lam > 1.0:
            n_mean = (lam - 1.0) * float(schechter_integral(x_min, x_bcg, cfg.lf_alpha)
                                         / schechter_integral(LAMBDA_CUT, x_bcg, cfg.lf_alpha))
        n = int(rng.poisson(n_mean))
        x = np.concatenate([[10.0 ** (0.4 * delta)],
                            sample_schechter(rng, n, x_min, x_bcg, cfg.lf_alpha) if n else []])
        mag_r = ms_r[k] - 2.5 * np.log10(x)
        # positions: BCG offset, members projected NFW about the cluster centre
        rs = r500[k] / cfg.concentration
        x_max = richness_radius(max(lam, 1.0), cfg) / rs
        rad = sample_projected_nfw(rng, n, x_max) * rs * asec[k]
        phi = rng.uniform(0.0, 2 * np.pi, n)
        dx = np.concatenate([[off[0]], rad * np.cos(phi)])
        dy = np.concatenate([[off[1]], rad * np.sin(phi)])
        # colours: red sequence with tilt and scatter; a blue (Butcher-Oemler) fraction
        blue = np.concatenate([[False], rng.uniform(size=n) < f_blue[k]])
        colour = (c_rs[k] + cfg.colour_tilt * (mag_r - ms_r[k])
                  + rng.normal(0.0, cfg.colour_scatter, n + 1) + np.where(blue, cfg.blue_offset, 0.0))
        # shapes: red members bulge-dominated, blue ones disc-dominated
        re_kpc = cfg.size_at_lstar * x ** cfg.size_slope * 10.0 ** rng.normal(0.0, 0.1, n + 1)
        re_kpc[0] *= cfg.bcg_size_factor
        re = re_kpc * 1e-3 * asec[k]
        bt = np.where(blue, rng.uniform(0.0, 0.3, n + 1), rng.uniform(0.6, 1.0, n + 1))
        bt[0] = 1.0
        bq = rng.uniform(0.5, 1.0, n + 1)
        dq = random_axis_ratio(rng, n + 1)
        pa = rng.uniform(0.0, 180.0, n + 1)
        cols["cluster"].append(np.full(n + 1, k))
        cols["is_bcg"].append(np.arange(n + 1) == 0)
        cols["xi"].append(xi[k] + dx)
        cols["eta"].append(eta[k] + dy)
        cols["mag_r"].append(mag_r)
        cols["mag_b"].append(mag_r + colour)
        cols["bulge_fraction"].append(bt)
        cols["bulge_re"].append(np.where(blue, 0.4 * re, re))
        cols["disc_re"].append(np.where(blue, re, 1.5 * re))
        cols["bulge_q"].append(bq)
        cols["disc_q"].append(dq)
        cols["pa"].append(pa)
        summary["richness"][k] = lam
        summary["m_star_r"][k] = ms_r[k]
        summary["m_star_b"][k] = ms_r[k] + c_rs[k]
        summary["bcg_xi"][k] = xi[k] + off[0]
        summary["bcg_eta"][k] = eta[k] + off[1]
        summary["mag_bcg_r"][k] = mag_r[0]
        summary["mag_bcg_b"][k] = mag_r[0] + colour[0]
        summary["n_members"][k] = n + 1
    return {k: np.concatenate(v) for k, v in cols.items()}, summary
