"""Rest-frame spectrum of a collisionally ionised plasma (continuum and lines).

``data/apec_nn.npz`` holds photon spectra N(E; T, Z) = N₀(E; T) + Z N₁(E; T) (arbitrary
normalisation, the same at all Z for a given T) on 45 temperatures from 0.2 to 32 keV and
the 0.43 %-wide log energy bins of the ``nnapec`` emulator of APEC (Burgess 2023, PyPI
``nnapec`` 0.1.1), 0.1–40 keV. N₀ is the H/He part (free-free, free-bound, two-photon), N₁
the metals (Anders & Grevesse abundances, Z in solar units) — APEC is linear in Z, and the
two terms are least-squares fits to the emulator at Z = 0.1…1 (:mod:`selfunc.spectra.build`;
the emulator's rms deviation from that linear form is 1 % per bin at 2 keV, and its own
accuracy against APEC is a few % per bin, so band integrals are good to ~1–2 %).

Between grid temperatures N is interpolated linearly in (ln T, ln N).
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

__all__ = ["KT_RANGE", "grid", "components", "photon_spectrum"]

_FILE = Path(__file__).with_name("data") / "apec_nn.npz"


@functools.lru_cache(maxsize=1)
def grid() -> dict[str, np.ndarray]:
    """The shipped table: ``kt`` (keV), ``energy`` (keV), ``n0`` and ``n1`` (kt × energy)."""
    with np.load(_FILE) as f:
        return {k: np.asarray(f[k], float) for k in ("kt", "energy", "n0", "n1")}


KT_RANGE = (0.2, 32.0)


def _check_kt(kt):
    kt = np.asarray(kt, float)
    if np.any(~np.isfinite(kt)) or np.any(kt < KT_RANGE[0]) or np.any(kt > KT_RANGE[1]):
        raise ValueError(f"temperature must be within {KT_RANGE[0]}-{KT_RANGE[1]} keV "
                         "(the thermal table's range)")
    return kt


def components(kt) -> tuple[np.ndarray, np.ndarray]:
    """(N₀, N₁) at temperatures ``kt`` (1-D), each (len(kt), n_energy), on ``grid()["energy"]``."""
    g = grid()
    kt = np.atleast_1d(_check_kt(kt))
    x = np.log(g["kt"])
    k = np.clip(np.searchsorted(x, np.log(kt)) - 1, 0, len(x) - 2)
    w = ((np.log(kt) - x[k]) / (x[k + 1] - x[k]))[:, None]
    tiny = 1e-300

    def lerp(n):
        return np.exp((1 - w) * np.log(n[k] + tiny) + w * np.log(n[k + 1] + tiny))

    return lerp(g["n0"]), lerp(g["n1"])


def photon_spectrum(energy, kt: float, metallicity: float) -> np.ndarray:
    """N(E) in photons per keV (arbitrary normalisation) at rest-frame ``energy`` (keV);
    zero outside the table's 0.1–40 keV."""
    if metallicity < 0:
        raise ValueError("metallicity must be >= 0 (solar units)")
    n0, n1 = components([kt])
    e = grid()["energy"]
    spec = n0[0] + metallicity * n1[0]
    return np.interp(np.asarray(energy, float), e, spec, left=0.0, right=0.0)
