"""The halo mass function: expected counts in a field, halo draws and its local slope.

dN/(dlnM dz) = n(M, z) · dV_c/(dz dΩ) · Ω with n = dn/dlnM of the chosen colossus model
(default Tinker et al. 2008) for M500c. The table is computed once per (config, field
area) and sampled per pointing.

The local logarithmic slope α(M, z) = −d ln n / d ln M is what turns a relation measured as
"mean mass at fixed temperature" into "mean temperature at fixed mass" (the Eddington shift of
a scattered relation on a steep mass function, :func:`selfunc.scaling.temperature_from_mass`).
A neutral module (not inside ``sky``): the simulator, ``selection.massz`` and ``cosmology``
all use it.
"""

from __future__ import annotations

import functools

import numpy as np
import astropy.units as u

from selfunc.config.models import ClusterMassFunction
from selfunc.scaling import astropy_cosmology

__all__ = ["counts_table", "sample_halos", "log_slope"]

_DEG2_SR = (np.pi / 180.0) ** 2


@functools.lru_cache(maxsize=8)
def counts_table(cfg: ClusterMassFunction, area_deg2: float, n_mass: int = 60, n_z: int = 60):
    """Expected numbers per (log10 M, z) cell: returns (log10M edges, z edges, N[i, j])."""
    from colossus.cosmology import cosmology as ccosmo
    from colossus.lss import mass_function

    c = cfg.cosmology
    ccosmo.setCosmology("selfunc", dict(flat=True, H0=c.H0, Om0=c.Om0, Ob0=c.Ob0,
                                        sigma8=c.sigma8, ns=c.ns))
    h = c.H0 / 100.0
    lm_edges = np.linspace(cfg.log10_mass.min, cfg.log10_mass.max, n_mass + 1)
    z_edges = np.linspace(cfg.redshift.min, cfg.redshift.max, n_z + 1)
    lm = 0.5 * (lm_edges[1:] + lm_edges[:-1])
    zc = 0.5 * (z_edges[1:] + z_edges[:-1])
    cosmo = astropy_cosmology(c)
    dvdz = cosmo.differential_comoving_volume(zc).to_value(u.Mpc**3 / u.sr) * area_deg2 * _DEG2_SR
    counts = np.empty((n_mass, n_z))
    for j, z in enumerate(zc):
        dndlnm = mass_function.massFunction(10**lm * h, z, mdef="500c", model=cfg.model,
                                            q_out="dndlnM") * h**3
        counts[:, j] = dndlnm * np.log(10.0) * np.diff(lm_edges) * dvdz[j] * np.diff(z_edges)[j]
    return lm_edges, z_edges, counts


def sample_halos(cfg: ClusterMassFunction, area_deg2: float, rng: np.random.Generator):
    """Poisson-draw halos in the field: arrays (M500 in M☉, z)."""
    lm_edges, z_edges, counts = counts_table(cfg, float(area_deg2))
    n = rng.poisson(counts.sum())
    p = (counts / counts.sum()).ravel()
    cell = rng.choice(p.size, size=n, p=p)
    i, j = np.unravel_index(cell, counts.shape)
    lm = rng.uniform(lm_edges[i], lm_edges[i + 1])
    z = rng.uniform(z_edges[j], z_edges[j + 1])
    return 10**lm, z


@functools.lru_cache(maxsize=8)
def _slope_table(cfg: ClusterMassFunction):
    """α = −∂ ln n/∂ ln M on a (log10 M, z) grid of cell centres, from the counts table (its
    volume and bin-width factors do not depend on M, so they drop out of the derivative)."""
    from scipy.interpolate import RegularGridInterpolator

    lm_edges, z_edges, counts = counts_table(cfg, 1.0, n_mass=120, n_z=60)
    lm = 0.5 * (lm_edges[1:] + lm_edges[:-1])
    zc = 0.5 * (z_edges[1:] + z_edges[:-1])
    alpha = -np.gradient(np.log(counts), lm * np.log(10.0), axis=0)
    return RegularGridInterpolator((lm, zc), alpha, bounds_error=False, fill_value=None), lm, zc


def log_slope(cfg: ClusterMassFunction, m500, z) -> np.ndarray:
    """Local slope α = −d ln(dn/dlnM)/d ln M of the mass function at M500c (M☉) and z.

    Outside the configured mass and redshift ranges the slope of the nearest edge is used
    (grid-mode bookkeeping can reach masses the mass function does not cover) [A]."""
    interp, lm, zc = _slope_table(cfg)
    m500, z = np.broadcast_arrays(np.asarray(m500, float), np.asarray(z, float))
    pts = np.stack([np.clip(np.log10(m500), lm[0], lm[-1]).ravel(),
                    np.clip(z, zc[0], zc[-1]).ravel()], axis=-1)
    return interp(pts).reshape(m500.shape)
