"""Photometry of the plate: magnitudes to pixel intensities, sky noise, and the
photographic response (intensity → scan density and back).

Intensities are in units of the mean sky per pixel, so the sky is exactly 1. An object of
magnitude m has total intensity (sky-pixel units)

    F(m) = A_pix 10^{−0.4 (m − μ_sky)},

A_pix the pixel area in arcsec² and μ_sky the sky surface brightness (mag arcsec⁻²).
The plate limit m_lim is the 5σ detection of a point source in a PSF-weighted aperture:
with white noise σ per pixel the S/N is F / (σ √NEA), NEA = 1 / Σ p_i² the PSF's
noise-equivalent area (pixels), hence

    σ = F(m_lim) / (5 √NEA).

The response is the logistic characteristic curve of :class:`~selfunc.optical.config.PlateResponse`,

    D(E) = D_fog + (D_sat − D_fog) E^γ / (E^γ + K),   K = (D_sat − D_fog)/(D_sky − D_fog) − 1,

which is invertible below saturation: E = [K (D − D_fog) / (D_sat − D)]^{1/γ}.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from selfunc.optical.config import OpticalConfig
from selfunc.optical.psf import noise_equivalent_area

__all__ = ["Photometry", "photometry", "density_from_intensity", "intensity_from_density"]


@dataclasses.dataclass(frozen=True)
class Photometry:
    """Numbers that turn magnitudes into pixel values on one plate.

    ``sky_sigma``: grain noise per pixel (sky units); ``nea``: PSF noise-equivalent area
    (pixels); ``fog``, ``sky``, ``saturation``, ``gamma``, ``k``: response parameters.
    """

    band: str
    pixel_size: float
    sky_brightness: float
    limiting_magnitude: float
    nea: float
    sky_sigma: float
    fog: float
    sky: float
    saturation: float
    gamma: float
    k: float

    def flux(self, mag):
        """Total intensity F(m) in sky-pixel units (see module notes)."""
        return self.pixel_size**2 * 10.0 ** (-0.4 * (np.asarray(mag, float) - self.sky_brightness))

    def magnitude(self, flux):
        """Inverse of :meth:`flux`."""
        return self.sky_brightness - 2.5 * np.log10(np.asarray(flux, float) / self.pixel_size**2)

    @property
    def density_slope(self) -> float:
        """dD/dE at the sky (scan units per sky unit): turns σ_E into the scan noise."""
        r = self.saturation - self.fog
        return r * self.gamma * self.k / (1.0 + self.k) ** 2


def photometry(cfg: OpticalConfig) -> Photometry:
    nea = noise_equivalent_area(cfg.seeing_fwhm, cfg.moffat_beta, cfg.pixel_size, cfg.halo)
    p = cfg.plate
    f_lim = cfg.pixel_size**2 * 10.0 ** (-0.4 * (cfg.limiting_magnitude - cfg.sky_brightness))
    k = (p.saturation_level - p.fog_level) / (p.sky_level - p.fog_level) - 1.0
    return Photometry(band=cfg.band, pixel_size=cfg.pixel_size, sky_brightness=cfg.sky_brightness,
                      limiting_magnitude=cfg.limiting_magnitude, nea=nea,
                      sky_sigma=f_lim / (5.0 * np.sqrt(nea)), fog=p.fog_level, sky=p.sky_level,
                      saturation=p.saturation_level, gamma=p.gamma, k=k)


def density_from_intensity(e, phot: Photometry):
    """D(E) of the characteristic curve (float; E ≤ 0 gives the fog level)."""
    e = np.maximum(np.asarray(e, float), 0.0)
    eg = e**phot.gamma
    return phot.fog + (phot.saturation - phot.fog) * eg / (eg + phot.k)


def intensity_from_density(d, phot: Photometry):
    """Inverse of :func:`density_from_intensity`; NaN at or above saturation, 0 at or
    below the fog."""
    d = np.asarray(d, float)
    num = phot.k * (d - phot.fog)
    den = phot.saturation - d
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.where(den > 0, np.maximum(num, 0.0) / den, np.nan) ** (1.0 / phot.gamma)
    return e
