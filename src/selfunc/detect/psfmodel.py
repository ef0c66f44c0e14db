"""The PSF of the image being searched, as a function of position.

A combined pn+MOS1+MOS2 image has, at each position, the PSF Σ_c s_c King_c(θ) with
shares s_c ∝ ECF_c · E_c(x, y) (the camera's share of the counts there); a single-camera
image has that camera's King PSF. θ is measured from the optical axis. Shares are rounded
to 0.05 and θ to ``theta_step`` so that the expansions can be cached.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from selfunc.profiles.mge import Mge, king_mixture_mge
from selfunc.angles import arcsec_to_arcmin

__all__ = ["PsfModel"]


@dataclasses.dataclass(frozen=True, eq=False)
class PsfModel:
    cameras: tuple[str, ...]
    weights: tuple[float, ...]  # ECF of each camera (relative)
    energy: float  # keV
    pixel: float  # arcsec
    axis: tuple[float, float]  # optical axis, image pixel (x, y)
    exposures: tuple | None = None  # per-camera exposure maps, for the shares
    theta_step: float = 0.5

    def offaxis(self, x, y):
        return arcsec_to_arcmin(np.hypot(np.asarray(x) - self.axis[0],
                                         np.asarray(y) - self.axis[1]) * self.pixel)

    def shares(self, x: float, y: float) -> tuple[float, ...]:
        w = np.asarray(self.weights, float)
        if self.exposures is not None:
            iy = int(np.clip(round(y), 0, self.exposures[0].shape[0] - 1))
            ix = int(np.clip(round(x), 0, self.exposures[0].shape[1] - 1))
            e = np.array([m[iy, ix] for m in self.exposures], float)
            if e.sum() > 0:
                w = w * e
        w = w / w.sum()
        r = np.round(w / 0.05) * 0.05
        if r.sum() == 0:
            r = w
        return tuple(float(v) for v in r / r.sum())

    def at(self, x: float, y: float) -> Mge:
        """MGE of the local PSF in pixel units."""
        theta = float(np.round(self.offaxis(x, y) / self.theta_step) * self.theta_step)
        shares = self.shares(x, y)
        keep = tuple(i for i, s in enumerate(shares) if s > 0)
        m = king_mixture_mge(tuple(self.cameras[i] for i in keep),
                             tuple(shares[i] for i in keep), self.energy, theta)
        return Mge(m.weights, m.sigma / self.pixel)
