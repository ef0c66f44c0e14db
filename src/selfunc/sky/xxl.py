"""Published XXL cluster counts that the simulated sky is checked against.

XXL-100-GC (Pacaud et al. 2016, XXL II, A&A 592, A2, abstract [V]): the 100 brightest XXL
clusters, F60 (0.5–2 keV flux inside a 1′ aperture) > 3×10⁻¹⁴ erg s⁻¹ cm⁻², over the 50 deg²
of the two XXL fields; 97 with spectroscopic redshifts; M500 7×10¹³–3×10¹⁴ M☉, mostly at
z = 0.1–0.5. Errors: Poisson ⊕ sample variance of 10 % for the two fields together [D: colossus
Tinker bias × linear σ over two 25 deg² fields, docs/physics.md §2].

The abstract also says how the density compares with two cosmologies: "slightly below the
predictions from the WMAP9 model, and significantly below the predictions from the Planck 2015
cosmology" [V]. ``REFERENCE_COSMOLOGIES`` holds those two parameter sets, taken from astropy's
realisations (``astropy.cosmology.WMAP9``: Hinshaw et al. 2013, Table 4, WMAP+eCMB+BAO+H0;
``Planck15``: Planck 2015 XIII, Table 4, TT,TE,EE+lowP+lensing+ext) with their σ8 and n_s
[V]; XXL II's own parameter choice inside each was not read [A].

The redshift histogram is binned from a transcription of the XXL-100-GC table of Eckert et al.
2016 (XXL XIII) with 105 rows [A: secondary copy, not checked against the CDS table; five rows
more than the paper's 100]. N(>F60) at 1×10⁻¹⁴ and 1×10⁻¹³ was not reachable in a primary
source (XXL II's logN–logS figure, XXL XX): those references are NaN, so a comparison says
"no reference" instead of inventing one.
"""

from __future__ import annotations

import numpy as np

from selfunc.config.models import Cosmology

__all__ = ["F60_LIMIT", "N_CLUSTERS", "AREA_DEG2", "COSMIC_VARIANCE", "THRESHOLDS",
           "Z_EDGES", "Z_COUNTS", "MEDIAN_Z", "N_HOT", "reference_counts", "redshift_counts",
           "hot_density", "reference_cosmology", "REFERENCE_COSMOLOGIES"]

F60_LIMIT = 3e-14          # erg/s/cm², 0.5–2 keV inside 1′ [V]
N_CLUSTERS = 100           # [V]
AREA_DEG2 = 50.0           # [V] "total area of 50 square degrees"; the effective area is not read
COSMIC_VARIANCE = 0.10     # fractional, both fields together [D]
THRESHOLDS = (1e-14, 3e-14, 1e-13)

Z_EDGES = np.round(np.arange(0.0, 1.21, 0.1), 2)
# 105 transcribed rows binned in Δz = 0.1 [A]; median z 0.332, 83 % at z < 0.6.
Z_COUNTS = np.array([9, 22, 17, 19, 15, 5, 4, 4, 6, 2, 2, 0])
MEDIAN_Z = 0.332
# Of the same 105 rows, 34 have T300kpc > 3 keV and z < 0.6 (Eckert et al. 2016 temperatures)
# [A: secondary copy]. Above 3 keV and below z = 0.6 the F60 cut keeps ~90 % of the simulated
# clusters, so this density tests mass function × M–T more than L–M.
N_HOT = 34
HOT_T, HOT_ZMAX = 3.0, 0.6

REFERENCE_COSMOLOGIES = ("WMAP9", "Planck15")


def reference_cosmology(name: str) -> Cosmology:
    """The WMAP9 or Planck15 parameters as a :class:`~selfunc.config.models.Cosmology`."""
    import astropy.cosmology as ac

    if name not in REFERENCE_COSMOLOGIES:
        raise ValueError(f"reference cosmology {name!r}: expected one of {REFERENCE_COSMOLOGIES}")
    c = getattr(ac, name)
    return Cosmology(H0=c.H0.value, Om0=c.Om0, Ob0=c.Ob0, sigma8=c.meta["sigma8"],
                     ns=c.meta["n"])


def reference_counts() -> dict:
    """{threshold: (N(>F60) per deg², 1σ)} with NaN where no primary value was reachable."""
    out = {s: (np.nan, np.nan) for s in THRESHOLDS}
    n = N_CLUSTERS / AREA_DEG2
    out[F60_LIMIT] = (n, n * np.hypot(1 / np.sqrt(N_CLUSTERS), COSMIC_VARIANCE))
    return out


def redshift_counts() -> np.ndarray:
    """XXL-100-GC clusters per Z_EDGES bin, scaled to 100 clusters (the table has 105)."""
    return np.round(Z_COUNTS * N_CLUSTERS / Z_COUNTS.sum()).astype(int)


def hot_density() -> tuple[float, float]:
    """XXL-100-GC clusters with T > 3 keV at z < 0.6 per deg², Poisson ⊕ sample variance,
    scaled from the 105-row table to 100 clusters."""
    n = N_HOT * N_CLUSTERS / Z_COUNTS.sum()
    d = n / AREA_DEG2
    return d, d * np.hypot(1 / np.sqrt(N_HOT), COSMIC_VARIANCE)
