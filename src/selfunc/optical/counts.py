"""Number counts per magnitude: piecewise power laws in flux (exponential in magnitude).

A :class:`PiecewiseCounts` is dN/dm = n_k 10^{s_k (m − m_k)} on segment k (per deg² per
mag), continuous at the breaks. Its integral over [a, b] inside one segment is

    N = n_k (10^{s_k (b − m_k)} − 10^{s_k (a − m_k)}) / (s_k ln 10),

and magnitudes are drawn by choosing a segment with probability ∝ N and inverting its
cumulative count. Field galaxies (:func:`galaxy_counts`) and stars (:func:`star_counts`)
use it with the parameters of :mod:`selfunc.optical.config`.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from selfunc.optical.config import FieldGalaxyConfig, StarCountConfig

__all__ = ["PiecewiseCounts", "galaxy_counts", "star_counts"]

_LN10 = np.log(10.0)


@dataclasses.dataclass(frozen=True)
class PiecewiseCounts:
    """dN/dm (deg⁻² mag⁻¹) with ``slopes[k]`` on [``edges[k]``, ``edges[k+1]``] and value
    ``density_at_ref`` at magnitude ``ref`` (continuous at the edges)."""

    edges: tuple[float, ...]
    slopes: tuple[float, ...]
    ref: float
    density_at_ref: float

    def __post_init__(self):
        if len(self.edges) != len(self.slopes) + 1 or np.any(np.diff(self.edges) <= 0):
            raise ValueError("edges must increase and have one more entry than slopes")

    def _anchors(self):
        """(m_k, n_k): the density at the left edge of every segment."""
        # density at the left edge of the segment holding `ref`, walking outwards
        k_ref = int(np.clip(np.searchsorted(self.edges, self.ref, side="right") - 1,
                            0, len(self.slopes) - 1))
        n = [0.0] * len(self.slopes)
        n[k_ref] = self.density_at_ref * 10.0 ** (self.slopes[k_ref] * (self.edges[k_ref] - self.ref))
        for k in range(k_ref + 1, len(self.slopes)):
            n[k] = n[k - 1] * 10.0 ** (self.slopes[k - 1] * (self.edges[k] - self.edges[k - 1]))
        for k in range(k_ref - 1, -1, -1):
            n[k] = n[k + 1] * 10.0 ** (-self.slopes[k] * (self.edges[k + 1] - self.edges[k]))
        return np.asarray(self.edges[:-1]), np.asarray(n)

    def density(self, m):
        """dN/dm at magnitude(s) ``m`` (0 outside the edges)."""
        m = np.asarray(m, float)
        m0, n0 = self._anchors()
        k = np.clip(np.searchsorted(self.edges, m, side="right") - 1, 0, len(self.slopes) - 1)
        s = np.asarray(self.slopes)[k]
        out = n0[k] * 10.0 ** (s * (m - m0[k]))
        return np.where((m >= self.edges[0]) & (m <= self.edges[-1]), out, 0.0)

    def number(self, a: float, b: float) -> float:
        """∫_a^b dN/dm dm, deg⁻² (clipped to the edges)."""
        m0, n0 = self._anchors()
        total = 0.0
        for k, s in enumerate(self.slopes):
            lo = max(a, self.edges[k])
            hi = min(b, self.edges[k + 1])
            if hi > lo:
                total += n0[k] * (10.0 ** (s * (hi - m0[k])) - 10.0 ** (s * (lo - m0[k]))) / (s * _LN10)
        return total

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` magnitudes distributed as dN/dm over the edges."""
        if n == 0:
            return np.empty(0)
        m0, n0 = self._anchors()
        weights = np.array([self.number(self.edges[k], self.edges[k + 1])
                            for k in range(len(self.slopes))])
        seg = rng.choice(len(weights), size=n, p=weights / weights.sum())
        u = rng.uniform(0.0, 1.0, n)
        s = np.asarray(self.slopes)[seg]
        a = np.asarray(self.edges)[seg]
        b = np.asarray(self.edges)[seg + 1]
        ea = 10.0 ** (s * (a - m0[seg]))
        eb = 10.0 ** (s * (b - m0[seg]))
        return m0[seg] + np.log10(ea + u * (eb - ea)) / s


def galaxy_counts(cfg: FieldGalaxyConfig, depth: float) -> PiecewiseCounts:
    """Field-galaxy counts in R_F between ``cfg.bright_limit`` and ``depth``; the density
    at R_F = 20 is ``cfg.density_at_20`` (on whichever segment holds 20)."""
    edges, slopes = [cfg.bright_limit], []
    if cfg.break_magnitude > cfg.bright_limit:
        edges.append(min(cfg.break_magnitude, depth))
        slopes.append(cfg.bright_slope)
    if depth > edges[-1]:
        edges.append(depth)
        slopes.append(cfg.faint_slope)
    return PiecewiseCounts(tuple(edges), tuple(slopes), ref=20.0, density_at_ref=cfg.density_at_20)


def star_counts(cfg: StarCountConfig, glat: float, depth: float) -> PiecewiseCounts:
    """Star counts in R_F at Galactic latitude ``glat`` (deg): n₂₀ |sin b|^{−p} 10^{s(m−20)}."""
    sinb = max(abs(np.sin(np.radians(glat))), np.sin(np.radians(cfg.min_latitude)))
    return PiecewiseCounts((cfg.bright_limit, depth), (cfg.slope,), ref=20.0,
                           density_at_ref=cfg.density_at_20 * sinb ** (-cfg.latitude_power))
