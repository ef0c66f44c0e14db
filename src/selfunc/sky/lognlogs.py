"""AGN number counts: the Moretti et al. (2003) soft-band (0.5–2 keV) logN–logS.

    N(>S) = N_s (2×10⁻¹⁵)^α₁ / [S^α₁ + S₀^(α₁−α₂) S^α₂]   deg⁻²

with α₁ = 1.82, α₂ = 0.60, S₀ = 1.48×10⁻¹⁴ erg s⁻¹ cm⁻², N_s = 6150 deg⁻² (xmm_facts §7.1).
The unresolved intensity below a flux S, I(<S) = ∫₀^S S' |dN/dS'| dS', is what a draw that
stops at S leaves for the diffuse background.
"""

from __future__ import annotations

import numpy as np
from scipy import integrate

from selfunc.config.models import AgnConfig

__all__ = ["n_greater", "sample_fluxes", "unresolved_intensity"]


def n_greater(flux, cfg: AgnConfig = AgnConfig()):
    """N(>S) in deg⁻²."""
    s = np.asarray(flux, float)
    return cfg.n_s * 2e-15**cfg.alpha1 / (s**cfg.alpha1 + cfg.s0 ** (cfg.alpha1 - cfg.alpha2) * s**cfg.alpha2)


def sample_fluxes(n: int, rng: np.random.Generator, cfg: AgnConfig = AgnConfig()):
    """Draw ``n`` fluxes in [flux_min, flux_max] distributed as the logN–logS.

    Inverse-CDF sampling on a fine log grid of N(>S) (monotonic, so the inversion is exact
    up to the interpolation of log S against N, which is smooth).
    """
    logs = np.linspace(np.log10(cfg.flux_min), np.log10(cfg.flux_max), 4001)
    n_gt = n_greater(10**logs, cfg)
    cdf = (n_gt[0] - n_gt) / (n_gt[0] - n_gt[-1])
    return 10 ** np.interp(rng.uniform(0.0, 1.0, n), cdf, logs)


def unresolved_intensity(flux, cfg: AgnConfig = AgnConfig()) -> float:
    """I(<S) in erg s⁻¹ cm⁻² deg⁻² from sources fainter than ``flux``."""

    def integrand(logs):
        s = 10.0**logs
        eps = 1e-4
        dn = (n_greater(s * (1 - eps), cfg) - n_greater(s * (1 + eps), cfg)) / (2 * eps * s)
        return s * dn * s * np.log(10.0)

    value, _ = integrate.quad(integrand, -22.0, np.log10(flux), limit=200)
    return float(value)
