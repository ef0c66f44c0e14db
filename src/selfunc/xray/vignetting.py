"""Vignetting v(E, θ): effective area at off-axis angle θ relative to on axis.

A pluggable table (:class:`VignettingTable`, bilinear in E and θ). Two sources:

* :func:`analytic` — the documented default, an **approximation**:
  v(θ) = [1 + (θ/θ₀)²]^(−k) with θ₀ = 9.12′, k = 0.534, a least-squares fit to the
  approximate 1.5 keV values 0.875, 0.65, 0.50 at 5′, 10′, 15′ (xmm_facts §3, tag [A];
  residuals < 0.01). Below 2 keV it is taken energy-independent; above, θ₀ shrinks as
  (E/2 keV)^−0.3 to mimic the steeper high-energy vignetting (also [A]).
* :func:`from_xareaef` — the XMM calibration file ``XRT{1,2,3}_XAREAEF`` (extension
  ``VIGNETTING``: column ``ENERGY`` in eV, vector column ``VIGNETTING_FACTOR`` over θ, header
  ``D_THETA`` the θ step in arcmin), as read by SAS-independent simulators. Use it when you
  have the CCF: it replaces the approximation for a camera.

Soft protons are focused less sharply than X-rays; :func:`soft_proton` gives their flatter
profile (θ₀ = 15′, k = 0.5, [A]).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
from astropy.io import fits

from selfunc.errors import SelfuncError

__all__ = ["VignettingTable", "analytic", "soft_proton", "from_xareaef"]


@dataclasses.dataclass(frozen=True, eq=False)
class VignettingTable:
    energy: np.ndarray  # keV, increasing
    theta: np.ndarray  # arcmin, increasing, starts at 0
    values: np.ndarray  # shape (n_energy, n_theta)
    source: str = "table"

    def at_energy(self, energy: float):
        """The 1-D profile v(θ) at one energy (linear interpolation in E)."""
        e = np.clip(energy, self.energy[0], self.energy[-1])
        j = int(np.clip(np.searchsorted(self.energy, e) - 1, 0, len(self.energy) - 2))
        w = (e - self.energy[j]) / (self.energy[j + 1] - self.energy[j])
        return (1 - w) * self.values[j] + w * self.values[j + 1]

    def __call__(self, energy: float, theta):
        """v(E, θ) for θ in arcmin (array); beyond the table, the last value is held."""
        return np.interp(theta, self.theta, self.at_energy(energy))


def _power_profile(theta, theta0, k):
    return (1.0 + (theta / theta0) ** 2) ** (-k)


def analytic() -> VignettingTable:
    energy = np.array([0.1, 2.0, 4.0, 8.0, 15.0])
    theta = np.linspace(0.0, 25.0, 501)
    theta0 = 9.12 * np.minimum(1.0, (energy / 2.0) ** -0.3)
    values = np.stack([_power_profile(theta, t0, 0.534) for t0 in theta0])
    return VignettingTable(energy, theta, values, source="analytic approximation [A]")


def soft_proton() -> VignettingTable:
    energy = np.array([0.1, 15.0])
    theta = np.linspace(0.0, 25.0, 501)
    values = np.stack([_power_profile(theta, 15.0, 0.5)] * 2)
    return VignettingTable(energy, theta, values, source="soft-proton approximation [A]")


def from_xareaef(path: str | Path) -> VignettingTable:
    """Read the ``VIGNETTING`` extension of a CCF ``XRT*_XAREAEF`` file."""
    path = Path(path)
    if not path.is_file():
        raise SelfuncError(f"{path}: vignetting file not found")
    try:
        with fits.open(path) as hdul:
            if "VIGNETTING" not in hdul:
                raise SelfuncError(f"{path}: no 'VIGNETTING' extension (is this an XRT*_XAREAEF CCF?)")
            hdu = hdul["VIGNETTING"]
            cols = hdu.columns.names
            for col in ("ENERGY", "VIGNETTING_FACTOR"):
                if col not in cols:
                    raise SelfuncError(f"{path}: VIGNETTING extension lacks column '{col}'")
            if "D_THETA" not in hdu.header:
                raise SelfuncError(f"{path}: VIGNETTING header lacks keyword 'D_THETA'")
            energy = np.asarray(hdu.data["ENERGY"], float) / 1000.0
            values = np.asarray(hdu.data["VIGNETTING_FACTOR"], float)
            step = float(hdu.header["D_THETA"])
    except OSError as exc:
        raise SelfuncError(f"{path}: cannot read as FITS: {exc}") from None
    order = np.argsort(energy)
    values = np.atleast_2d(values)[order]
    theta = step * np.arange(values.shape[1])
    return VignettingTable(energy[order], theta, values, source=str(path))
