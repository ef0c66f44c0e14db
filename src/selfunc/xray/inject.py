"""Inject simulated sources into real XMM images (the approach of the XCS survey).

The real counts image keeps its own sources and background; simulated clusters are added
as Poisson counts drawn from their model, which is rendered with our PSF on the image's
own grid (pixel size from its WCS, off-axis angle from its optical axis). The real
exposure map (which already holds vignetting, chip gaps and the field edge) multiplies
the sky emission, so that for each camera c the expected counts are F · ECF_c · E(x) per
unit normalised profile, with E the (ECF-weighted, for a combined image) exposure map and
ECF_c each source's own (:mod:`selfunc.xray.rates`, with the field's Galactic ``nh``).
Photons are placed with the PSF after the exposure is applied — an approximation at chip
gaps, where a real mirror would lose the part of the PSF that falls in the gap.
"""

from __future__ import annotations

import numpy as np
from astropy.table import Table

from selfunc.angles import arcsec_to_arcmin
from selfunc.config.models import InstrumentConfig
from selfunc.xray import rates
from selfunc.xray.render import ImageGrid, SourceList, render_camera

__all__ = ["inject_sources"]


def inject_sources(truth: Table, counts: np.ndarray, exposure: np.ndarray, *, cameras,
                   pixel: float, axis, instrument: InstrumentConfig, truncation: float,
                   rng: np.random.Generator, nh: float = 3e20):
    """Add the sources of ``truth`` (columns x, y in image pixels, flux, core_radius, beta,
    spectrum) to ``counts``; returns (new counts, source model, expected counts per row).
    ``nh``: the field's Galactic column (cm⁻²) for spectral ECFs."""
    ny, nx = counts.shape
    n = max(ny, nx)
    expo = np.zeros((n, n))
    expo[:ny, :nx] = exposure
    grid = ImageGrid(n, pixel)
    x = np.asarray(truth["x"], float)
    y = np.asarray(truth["y"], float)
    theta = arcsec_to_arcmin(np.hypot(x - axis[0], y - axis[1]) * pixel)
    flux = np.asarray(truth["flux"], float)
    rc = np.asarray(truth["core_radius"], float)
    extended = np.isfinite(rc)
    ix = np.clip(np.round(x).astype(int), 0, nx - 1)
    iy = np.clip(np.round(y).astype(int), 0, ny - 1)
    model = np.zeros((n, n))
    expected = np.zeros(len(truth))
    for cam in cameras:
        rate = flux * rates.source_ecf(truth, cam, instrument, nh)
        # Extended sources carry E(x) per pixel (as vignetting does in the simulator).
        n_render = np.where(extended, rate, rate * exposure[iy, ix])
        src = SourceList(x=x, y=y, theta=theta, counts=n_render, core_radius=rc,
                         beta=np.asarray(truth["beta"], float), truncation=truncation)
        model += render_camera(src, grid, cam, instrument.effective_energy,
                               instrument.psf_core_radius, instrument.psf_theta_step,
                               lambda ya, yb, xa, xb: expo[ya:yb, xa:xb])
        expected += rate * exposure[iy, ix]
    model = model[:ny, :nx] * (exposure > 0)
    return counts + rng.poisson(model), model, expected
