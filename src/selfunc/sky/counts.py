"""Cluster number counts of a population over a survey area, before any detection.

``survey_clusters(population, area_deg2, rng)`` draws the clusters of ``area_deg2`` of sky
with exactly the code a pointing uses (:func:`selfunc.sky.draw.clusters`), in chunks, and
adds the flux inside a 1′ aperture of each β-model, F60 — the quantity on which the
XXL-100-GC is selected (Pacaud et al. 2016, XXL II: F60 > 3×10⁻¹⁴ erg s⁻¹ cm⁻² in
0.5–2 keV). Truth only, no images: 200 deg² take seconds.
"""

from __future__ import annotations

import numpy as np
import astropy.units as u
from astropy.table import Table, vstack

from selfunc.config.models import PopulationConfig
from selfunc.profiles import betamodel
from selfunc.sky.draw import clusters

__all__ = ["aperture_flux", "survey_clusters", "n_greater", "redshift_histogram"]


def aperture_flux(flux, core_radius, beta, truncation, radius=60.0):
    """Flux of a truncated β-model inside a projected ``radius`` (arcsec), as F60 is
    defined for XXL (the model, not the PSF-convolved image)."""
    return np.asarray(flux) * betamodel.enclosed_fraction(radius, core_radius, beta, truncation)


def survey_clusters(pop: PopulationConfig, area_deg2: float, rng: np.random.Generator,
                    chunk_deg2: float = 10.0) -> Table:
    """The mass-function clusters of ``area_deg2`` of sky, with F60 (column ``flux_60``)."""
    if pop.mode != "mass_function":
        raise ValueError("survey_clusters needs population.mode = 'mass_function'")
    n_chunks = max(1, int(np.ceil(area_deg2 / chunk_deg2)))
    parts = []
    for _ in range(n_chunks):
        cl = clusters(pop, rng, area_deg2 / n_chunks)
        parts.append(Table(cl))
    t = vstack(parts) if parts else Table()
    t["flux_60"] = aperture_flux(t["flux"], t["core_radius"], pop.beta, pop.truncation)
    for name, unit in (("flux", u.erg / u.s / u.cm**2), ("flux_60", u.erg / u.s / u.cm**2),
                       ("core_radius", u.arcsec), ("mass", u.Msun), ("temperature", u.keV),
                       ("luminosity", u.erg / u.s)):
        t[name].unit = unit
    t.meta["AREA"] = (float(area_deg2), "deg2 of sky drawn")
    return t


def n_greater(flux, thresholds, area_deg2):
    """N(>S) per deg² and its Poisson error at each threshold."""
    flux = np.asarray(flux)
    n = np.array([(flux > s).sum() for s in np.atleast_1d(thresholds)], float)
    return n / area_deg2, np.sqrt(n) / area_deg2


def redshift_histogram(z, edges):
    """Counts per redshift bin."""
    return np.histogram(np.asarray(z), bins=edges)[0]
