"""EPIC CCD layouts, chip gaps and the field of view, as coverage maps on the sky grid.

The layouts are **schematic** (the exact CCD offsets live in the CCFs EMOS_LINCOORD /
EPN_LINCOORD), built from the facts of xmm_facts §2 [V]:

* MOS: 7 CCDs of 600×600 px of 1.1″ (660″ square) with 11″ gaps: a central column of three
  and two side columns of two, shifted by half a chip. MOS2 is rotated 90° to MOS1, so the
  gaps of the two cameras do not overlap. MOS1 CCD6 is off after 2005-03-09, CCD3 after
  ``mos1_ccd3_lost`` (2012-12-11, [A]).
* pn: 12 CCDs of 64×200 px of 4.1″ (262.4″ × 820″) in four quadrants of three, on one wafer:
  gaps of 1.1″ between CCDs of a quadrant and 4.1″ between quadrants. The optical axis is
  offset from the array centre (here by +40″, −60″ in detector u, v, [A]) so that it does not
  fall on a gap.

Detector axes (u, v) are the sky tangent-plane axes (ξ east, η north) rotated by the roll
angle (MOS2: roll + 90°). The coverage of a sky pixel by a chip is the overlap of the
chip's rectangle with the pixel's projected extent along u and along v (exact for
roll = 0°, a close approximation otherwise); a pixel that lies wholly in a gap gets 0.
The field of view is a circle of ``fov_radius``, with a linear edge one pixel wide.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import math

import numba
import numpy as np

__all__ = ["Chip", "layout", "coverage", "MOS_CHIP", "MOS_GAP", "PN_CHIP", "PN_GAPS"]

MOS_CHIP = 660.0
MOS_GAP = 11.0
PN_CHIP = (262.4, 820.0)  # (width along u, height along v)
PN_GAPS = (1.1, 4.1)  # inside a quadrant, between quadrants
PN_AXIS_OFFSET = (40.0, -60.0)  # optical axis relative to the array centre (u, v)


@dataclasses.dataclass(frozen=True)
class Chip:
    number: int
    u0: float
    u1: float
    v0: float
    v1: float


def _mos_chips() -> list[Chip]:
    step = MOS_CHIP + MOS_GAP
    centres = {1: (0, 0), 2: (0, 1), 3: (1, 0.5), 4: (1, -0.5), 5: (0, -1), 6: (-1, -0.5),
               7: (-1, 0.5)}
    h = MOS_CHIP / 2
    return [Chip(n, cu * step - h, cu * step + h, cv * step - h, cv * step + h)
            for n, (cu, cv) in centres.items()]


def _pn_chips() -> list[Chip]:
    w, hgt = PN_CHIP
    small, big = PN_GAPS
    edges_u = []
    u = 0.0
    for col in range(6):
        edges_u.append((u, u + w))
        u += w + (big if col == 2 else small)
    width = u - small
    chips = []
    number = 1
    for row, (v0, v1) in enumerate(((big / 2, big / 2 + hgt), (-big / 2 - hgt, -big / 2))):
        for col, (u0, u1) in enumerate(edges_u):
            du = -width / 2 - PN_AXIS_OFFSET[0]
            dv = -PN_AXIS_OFFSET[1]
            chips.append(Chip(number, u0 + du, u1 + du, v0 + dv, v1 + dv))
            number += 1
    return chips


def layout(camera: str, date: dt.date | None = None, *, ccd6_lost=dt.date(2005, 3, 9),
           ccd3_lost=dt.date(2012, 12, 11)) -> list[Chip]:
    """The active chips of ``camera`` on ``date``, in detector coordinates (arcsec)."""
    if camera == "pn":
        return _pn_chips()
    if camera not in ("mos1", "mos2"):
        raise ValueError(f"unknown camera {camera!r}")
    chips = _mos_chips()
    if camera == "mos1" and date is not None:
        dead = {6} if date >= ccd6_lost else set()
        if date >= ccd3_lost:
            dead.add(3)
        chips = [c for c in chips if c.number not in dead]
    return chips


def coverage(chips: list[Chip], xi, eta, roll_deg: float, pixel: float, fov_radius: float,
             *, gaps: bool = True):
    """Fraction of each sky pixel (centres ξ, η in arcsec) covered by active chips and FOV.

    ``fov_radius`` in arcsec. With ``gaps=False`` the chips are ignored (only the FOV).
    """
    if not gaps:
        r = np.hypot(xi, eta)
        return np.clip((fov_radius - r) / pixel + 0.5, 0.0, 1.0)
    phi = np.radians(roll_deg)
    c, s = np.cos(phi), np.sin(phi)
    half = 0.5 * pixel * (abs(c) + abs(s))
    # Chips sharing a u-interval form a column (one u-overlap, a sum of disjoint
    # v-overlaps); columns with the same set of v-intervals share that v-sum.
    columns: dict[tuple[float, float], list[tuple[float, float]]] = {}
    for chip in chips:
        columns.setdefault((chip.u0, chip.u1), []).append((chip.v0, chip.v1))
    groups: dict[tuple, list[tuple[float, float]]] = {}
    for urange, vranges in columns.items():
        groups.setdefault(tuple(sorted(vranges)), []).append(urange)
    u_iv = [(g, lo, hi) for g, uranges in enumerate(groups.values()) for lo, hi in uranges]
    v_iv = [(g, lo, hi) for g, vranges in enumerate(groups) for lo, hi in vranges]
    xi, eta = np.broadcast_arrays(np.asarray(xi, float), np.asarray(eta, float))
    out = np.empty(xi.shape)
    _coverage_kernel(xi.ravel(), eta.ravel(), c, s, half, pixel, fov_radius,
                     np.array(u_iv, float).reshape(-1, 3), np.array(v_iv, float).reshape(-1, 3),
                     len(groups), out.ravel())
    return out


@numba.njit(cache=True)
def _coverage_kernel(xi, eta, c, s, half, pixel, fov_radius, u_iv, v_iv, n_groups,
                     out):  # pragma: no cover - compiled
    """Per pixel: min(Σ_groups Σ_u _overlap(u) · Σ_v _overlap(v), 1) × the FOV edge, with the
    arithmetic of the array expression (u = c·ξ + s·η, sums in chip order); an interval the
    pixel does not reach adds an exact 0 and is skipped. Compiled: as array code, each chip
    edge was several passes over the whole image (~50 ms per camera)."""
    fu = np.empty(n_groups)
    fv = np.empty(n_groups)
    w = 2 * half
    for p in range(xi.size):
        x, y = xi[p], eta[p]
        # hypot (as np.hypot) only near the FOV edge: elsewhere the edge factor is exactly
        # 0 or 1, which √(x² + y²) (good to 10⁻¹⁵) decides at a tenth of the cost
        d = (fov_radius - math.sqrt(x * x + y * y)) / pixel
        if d <= -1.0:
            out[p] = 0.0
            continue
        fov = 1.0
        if d < 1.0:
            fov = min(max((fov_radius - math.hypot(x, y)) / pixel + 0.5, 0.0), 1.0)
            if fov == 0.0:
                out[p] = 0.0
                continue
        u = c * x + s * y
        v = -s * x + c * y
        for g in range(n_groups):
            fu[g] = 0.0
            fv[g] = 0.0
        for k in range(u_iv.shape[0]):
            lo, hi = u_iv[k, 1], u_iv[k, 2]
            if u + half > lo and u - half < hi:
                f = (min(u + half, hi) - max(u - half, lo)) / w
                fu[int(u_iv[k, 0])] += min(max(f, 0.0), 1.0)
        for k in range(v_iv.shape[0]):
            lo, hi = v_iv[k, 1], v_iv[k, 2]
            if v + half > lo and v - half < hi:
                f = (min(v + half, hi) - max(v - half, lo)) / w
                fv[int(v_iv[k, 0])] += min(max(f, 0.0), 1.0)
        total = 0.0
        for g in range(n_groups):
            total += fu[g] * fv[g]
        out[p] = min(total, 1.0) * fov
