"""Cluster scaling relations, sizes and band fluxes.

* M–T (self-similar form, Lieu et al. 2016, XXL IV):
  E(z) M500 = M₀ (T / 1 keV)^b, log-normal scatter σ_lnM|T.
* L–T in the rest-frame 0.5–2 keV band inside R500 (Giles et al. 2016, XXL III evolution):
  L = L₀ (T / T_p)^B E(z)^γ, log-normal scatter σ_lnL|T.
* R500 from M500 = (4π/3) 500 ρ_c(z) R500³; core radius r_c = x_c R500 (Clerc et al. 2012).
* Band conversion (K-correction): the observed 0.5–2 keV band samples the rest band
  [0.5(1+z), 2(1+z)] keV. With a bremsstrahlung-like energy spectrum dL/dE ∝ exp(−E/kT)
  (Gaunt factor and lines neglected — a documented approximation, good to ~10–20 % for
  kT ≳ 2 keV and poorer for groups where lines dominate) the factor is
  K(z, T) = [e^(−0.5(1+z)/T) − e^(−2(1+z)/T)] / [e^(−0.5/T) − e^(−2/T)],
  and the flux is F = L K / (4π D_L²).
"""

from __future__ import annotations

import numpy as np
import astropy.units as u
from astropy.cosmology import FlatLambdaCDM

from selfunc.config.models import Cosmology, ScalingRelations

__all__ = ["astropy_cosmology", "temperature_from_mass", "mass_from_temperature",
           "luminosity_from_temperature", "temperature_from_luminosity", "r500_mpc",
           "k_correction", "flux_from_luminosity", "luminosity_from_flux", "arcsec_per_mpc"]

_MPC_CM = u.Mpc.to(u.cm)


def astropy_cosmology(cfg: Cosmology = Cosmology()) -> FlatLambdaCDM:
    return FlatLambdaCDM(H0=cfg.H0, Om0=cfg.Om0, Ob0=cfg.Ob0)


def temperature_from_mass(m500, z, cosmo, rel: ScalingRelations):
    """Mean T (keV) of the M–T relation at M500 (M☉)."""
    ez = cosmo.efunc(z)
    return (np.asarray(m500) * ez / rel.mt_norm) ** (1.0 / rel.mt_slope)


def mass_from_temperature(t, z, cosmo, rel: ScalingRelations):
    return rel.mt_norm * np.asarray(t) ** rel.mt_slope / cosmo.efunc(z)


def luminosity_from_temperature(t, z, cosmo, rel: ScalingRelations):
    """Mean rest-frame 0.5–2 keV L (erg/s) of the L–T relation."""
    return rel.lt_norm * (np.asarray(t) / rel.lt_pivot) ** rel.lt_slope * cosmo.efunc(z) ** rel.lt_evolution


def temperature_from_luminosity(lum, z, cosmo, rel: ScalingRelations):
    return rel.lt_pivot * (np.asarray(lum) / (rel.lt_norm * cosmo.efunc(z) ** rel.lt_evolution)) ** (1.0 / rel.lt_slope)


def r500_mpc(m500, z, cosmo):
    """R500c in physical Mpc."""
    rho_c = cosmo.critical_density(z).to_value(u.Msun / u.Mpc**3)
    return (3.0 * np.asarray(m500) / (4.0 * np.pi * 500.0 * rho_c)) ** (1.0 / 3.0)


def arcsec_per_mpc(z, cosmo):
    """Angular size (arcsec) of one physical Mpc at redshift z."""
    return 206264.80624709636 / cosmo.angular_diameter_distance(z).to_value(u.Mpc)


def k_correction(z, t):
    """Observed-band / rest-band flux ratio for dL/dE ∝ exp(−E/kT) (see module notes)."""
    z = np.asarray(z, float)
    t = np.asarray(t, float)
    num = np.exp(-0.5 * (1 + z) / t) - np.exp(-2.0 * (1 + z) / t)
    den = np.exp(-0.5 / t) - np.exp(-2.0 / t)
    return num / den


def flux_from_luminosity(lum, z, t, cosmo):
    dl = cosmo.luminosity_distance(z).to_value(u.Mpc) * _MPC_CM
    return np.asarray(lum) * k_correction(z, t) / (4.0 * np.pi * dl**2)


def luminosity_from_flux(flux, z, t, cosmo):
    dl = cosmo.luminosity_distance(z).to_value(u.Mpc) * _MPC_CM
    return np.asarray(flux) * 4.0 * np.pi * dl**2 / k_correction(z, t)
