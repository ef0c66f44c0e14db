"""Cluster scaling relations: the one place where mass becomes temperature, luminosity,
core radius and flux.

Both the simulator (:mod:`selfunc.sky`) and the mass–redshift selection
(:mod:`selfunc.selection.massz`) call these functions with the same
:class:`selfunc.config.models.ScalingRelations`, so the population that calibrates a
selection function and the one a cosmologist integrates over cannot drift apart.

Relations (numbers and their sources: ``docs/physics.md`` §1):

Every property is drawn at fixed mass (the form in which survey cosmology analyses model
their observables), so the scatter of each is the scatter at fixed M, not chained through
another relation:

* M–T:  M500c = M_T (T / T_M)^α_MT E(z)^γ_MT, measured as the mean mass at fixed T
  (``mt_regression = "M|T"``); the mean T at fixed M follows with the mass function's slope
  (:func:`temperature_from_mass`); ln T scatters by σ_lnT|M.
* L–M:  L = L_M (b_X M / M_L)^α_LM E(z)^γ_LM, ln L scattering by σ_lnL|M, with L the rest-frame
  0.5–2 keV luminosity inside R500 and b_X = ``lm_mass_bias`` the ratio of the calibration's
  (hydrostatic) masses to true masses.
* x_c = r_c / R500 log-normal about ``x_c`` with σ_ln x_c.
* ε_T and ε_L may be correlated (``lm_mt_correlation``); ε_x is independent.
* R500 from M500 = (4π/3) 500 ρ_c(z) R500³; θ_c = x_c R500 / D_A.
* Flux: the truth ``flux`` is the observed-frame 0.5–2 keV flux of the whole β-model
  (inside the truncation radius). L inside R500 is turned into the total with the projected
  β-model enclosed fraction, then F = L_tot K(z, T) / (4π D_L²) with the band K-correction
  K = observed-band flux / rest-band luminosity of the cluster's thermal spectrum
  (:mod:`selfunc.spectra`, the same spectra that give its count rate).
"""

from __future__ import annotations

import numpy as np
import astropy.units as u
from astropy.cosmology import FlatLambdaCDM

from selfunc import spectra
from selfunc.config.models import Cosmology, ScalingRelations
from selfunc.profiles import betamodel

__all__ = ["astropy_cosmology", "temperature_from_mass", "mass_from_temperature",
           "luminosity_from_mass", "mass_from_luminosity", "r500_mpc",
           "arcsec_per_mpc", "core_radius_arcsec", "k_correction", "r500_fraction",
           "flux_from_luminosity", "luminosity_from_flux", "scatter_covariance",
           "draw_properties", "scatter_nodes"]

_MPC_CM = u.Mpc.to(u.cm)
_KT_TABLE = spectra.thermal.KT_RANGE   # keV, the range of the thermal table


def astropy_cosmology(cfg: Cosmology = Cosmology()) -> FlatLambdaCDM:
    return FlatLambdaCDM(H0=cfg.H0, Om0=cfg.Om0, Ob0=cfg.Ob0)


def temperature_from_mass(m500, z, cosmo, rel: ScalingRelations, *, mf_slope=None):
    """Geometric-mean T (keV), i.e. exp E[ln T | M], at M500c (M☉).

    With ``rel.mt_regression = "M|T"`` the relation's normalisation is the mean mass at fixed
    T (as Lieu et al. 2016 fit it). On a mass function dn/dlnM ∝ M^−α, ln T = A + ln M / b + ε
    (σ_lnT|M) gives E[ln M | T] = b (ln T − A) − α b² σ², so the mean T at fixed M lies
    below the inverted relation by ln T → ln T − α b σ² [D]; ``mf_slope`` is α at (M, z)
    (:func:`selfunc.halos.log_slope`). With no scatter, or ``"T|M"``, it is the inversion.
    """
    ez = cosmo.efunc(z)
    t = rel.mt_pivot * (np.asarray(m500) / (rel.mt_norm * ez ** rel.mt_evolution)) ** (
        1.0 / rel.mt_slope)
    if rel.mt_regression == "M|T" and rel.mt_scatter > 0:
        if mf_slope is None:
            raise ValueError("mt_regression = 'M|T': the mean T at fixed mass needs the mass "
                             "function's local slope (mf_slope, from selfunc.halos.log_slope)")
        t = t * np.exp(-np.asarray(mf_slope) * rel.mt_slope * rel.mt_scatter**2)
    return t


def mass_from_temperature(t, z, cosmo, rel: ScalingRelations):
    """Mean M500c (M☉) at T (keV) as the M–T relation's normalisation states it (with
    ``mt_regression = "M|T"``: the mean mass at fixed T; not the inverse of
    :func:`temperature_from_mass` when there is scatter)."""
    return rel.mt_norm * (np.asarray(t) / rel.mt_pivot) ** rel.mt_slope * cosmo.efunc(z) ** rel.mt_evolution


def luminosity_from_mass(m500, z, cosmo, rel: ScalingRelations):
    """Mean L (erg/s; rest-frame 0.5–2 keV inside R500) at true M500c (M☉): the L–M relation
    evaluated at the calibration's mass scale, ``lm_mass_bias`` × M."""
    m = rel.lm_mass_bias * np.asarray(m500)
    return rel.lm_norm * (m / rel.lm_pivot) ** rel.lm_slope * cosmo.efunc(z) ** rel.lm_evolution


def mass_from_luminosity(lum, z, cosmo, rel: ScalingRelations):
    """True M500c (M☉) of the mean L–M relation at L (erg/s)."""
    m = rel.lm_pivot * (np.asarray(lum) / (rel.lm_norm * cosmo.efunc(z) ** rel.lm_evolution)) ** (
        1.0 / rel.lm_slope)
    return m / rel.lm_mass_bias


def r500_mpc(m500, z, cosmo):
    """R500c in physical Mpc."""
    rho_c = cosmo.critical_density(z).to_value(u.Msun / u.Mpc**3)
    return (3.0 * np.asarray(m500) / (4.0 * np.pi * 500.0 * rho_c)) ** (1.0 / 3.0)


def arcsec_per_mpc(z, cosmo):
    """Angular size (arcsec) of one physical Mpc at redshift z."""
    return 206264.80624709636 / cosmo.angular_diameter_distance(z).to_value(u.Mpc)


def core_radius_arcsec(m500, z, cosmo, x_c):
    """θ_c = x_c R500 / D_A in arcsec."""
    return np.asarray(x_c) * r500_mpc(m500, z, cosmo) * arcsec_per_mpc(z, cosmo)


def k_correction(z, t, metallicity=0.3):
    """Observed 0.5–2 keV flux over rest 0.5–2 keV luminosity (× 4π D_L²) of the cluster's
    thermal spectrum (continuum and lines, :func:`selfunc.spectra.k_correction`; metallicity
    in solar units, 0.3 as in XXL).

    Temperatures outside the spectral table (0.2–32 keV) take the K of its edge: only the
    far tails of the scatter (and faint grid-mode bookkeeping) get there, where 0.5–2 keV
    emission is negligible (< 0.2 keV) or K changes by < 1 % per keV (> 32 keV) [A].
    """
    return spectra.k_correction(z, np.clip(t, *_KT_TABLE), metallicity)


def r500_fraction(x_c, beta, truncation):
    """Share of the truncated β-model's projected flux inside R500 (= R500/r_c = 1/x_c core
    radii): converts L(<R500) into the model's total."""
    x_c = np.asarray(x_c, float)
    return betamodel.enclosed_fraction(1.0 / x_c, 1.0, beta, truncation)


def flux_from_luminosity(lum, z, t, cosmo, *, r500_share=1.0):
    """Observed-frame 0.5–2 keV flux (erg/s/cm²) of a cluster of rest-band L(<R500)
    ``lum``; ``r500_share`` (:func:`r500_fraction`) turns it into the whole model's flux."""
    dl = cosmo.luminosity_distance(z).to_value(u.Mpc) * _MPC_CM
    return np.asarray(lum) / r500_share * k_correction(z, t) / (4.0 * np.pi * dl**2)


def luminosity_from_flux(flux, z, t, cosmo, *, r500_share=1.0):
    dl = cosmo.luminosity_distance(z).to_value(u.Mpc) * _MPC_CM
    return np.asarray(flux) * r500_share * 4.0 * np.pi * dl**2 / k_correction(z, t)


def scatter_covariance(rel: ScalingRelations) -> np.ndarray:
    """Covariance of (ε_lnT|M, ε_lnL|M, ε_ln x_c)."""
    st, sl, sx = rel.mt_scatter, rel.lm_scatter, rel.x_c_scatter
    c = rel.lm_mt_correlation * st * sl
    return np.array([[st * st, c, 0.0], [c, sl * sl, 0.0], [0.0, 0.0, sx * sx]])


def _cholesky(cov):
    """Lower factor of a covariance that may have zero rows (no scatter in a dimension)."""
    keep = np.diag(cov) > 0
    low = np.zeros_like(cov)
    if keep.any():
        low[np.ix_(keep, keep)] = np.linalg.cholesky(cov[np.ix_(keep, keep)])
    return low


def draw_properties(m500, z, cosmo, rel: ScalingRelations, rng: np.random.Generator, *,
                    beta: float, truncation: float, mf_slope=None) -> dict:
    """T, L(<R500), x_c, θ_c and flux of halos (M500c in M☉, z), with correlated scatter;
    ``mf_slope``: the mass function's local slope at each halo (:func:`temperature_from_mass`).

    Returns a dict of arrays: ``temperature`` (keV), ``luminosity`` (erg/s, rest band, R500),
    ``x_c``, ``core_radius`` (arcsec), ``flux`` (erg/s/cm², observed 0.5–2 keV, whole model).
    """
    m500 = np.asarray(m500, float)
    z = np.asarray(z, float)
    n = m500.size
    eps = rng.standard_normal((3, n))
    e_t, e_l, e_x = _cholesky(scatter_covariance(rel)) @ eps
    t = temperature_from_mass(m500, z, cosmo, rel, mf_slope=mf_slope) * np.exp(e_t)
    lum = luminosity_from_mass(m500, z, cosmo, rel) * np.exp(e_l)
    x_c = rel.x_c * np.exp(e_x)
    rc = core_radius_arcsec(m500, z, cosmo, x_c)
    flux = flux_from_luminosity(lum, z, t, cosmo, r500_share=r500_fraction(x_c, beta, truncation))
    return dict(temperature=t, luminosity=lum, x_c=x_c, core_radius=rc, flux=flux)


def scatter_nodes(rel: ScalingRelations, n_nodes: int):
    """Gauss–Hermite nodes of the scatter: (ε array of shape (3, K), weights (K,)).

    A dimension with zero scatter gets one node; the nodes of correlated dimensions are the
    product grid of standard normals mapped through the Cholesky factor, so ∑ w f(ε) is the
    expectation of f over the joint normal, exact for polynomials of degree 2n − 1.
    """
    cov = scatter_covariance(rel)
    low = _cholesky(cov)
    x, w = np.polynomial.hermite_e.hermegauss(int(n_nodes))
    w = w / np.sqrt(2.0 * np.pi)
    axes = [(x, w) if cov[i, i] > 0 else (np.zeros(1), np.ones(1)) for i in range(3)]
    g = np.meshgrid(*[a[0] for a in axes], indexing="ij")
    gw = np.meshgrid(*[a[1] for a in axes], indexing="ij")
    std = np.stack([a.ravel() for a in g])
    weight = gw[0].ravel() * gw[1].ravel() * gw[2].ravel()
    return low @ std, weight
