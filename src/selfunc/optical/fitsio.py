"""FITS files of optical plates, written like STScI DSS cutouts.

Layout of a file from :func:`write_field` or :func:`write_cutout`:

===============  ====================================================================
``PRIMARY``      the plate: int16 scan units (BITPIX = 16, as DSS), TAN WCS, plate keywords
``INTENSITY``    float32 intensity before the characteristic curve (sky = 1), RICE
                 tile-compressed, quantised to σ/16 (σ the grain noise) with a fixed dither
``SOURCES``      the optical catalogue (fields only, with ``sources=True``)
===============  ====================================================================

Plate keywords (``BAND``, ``EMULSION``, ``FILTER``, ``MAGLIM``, ``SKYMAG``, ``SEEING``,
``SKYSIGMA``, ``FOGLEVEL``, ``SKYLEVEL``, ``SATLEVEL``, ``PLTGAMMA``, ``PLATESCL``,
``SCANSTEP``; not DSS's ``PLTSCALE``/``XPIXELSZ``, which make astropy look for a DSS plate
solution) carry what is needed to turn scan units back into magnitudes
(:func:`selfunc.optical.plate.intensity_from_density`). :func:`read_plate` reads these and
real DSS files (whose plate solutions astropy's WCS understands).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

from selfunc import __version__
from selfunc.io import atomic_path
from selfunc.optical.observe import OpticalCutout, OpticalField

__all__ = ["write_field", "write_cutout", "read_plate", "PLATE_SCALE"]

#: Oschin / UK Schmidt plate scale, arcsec per mm (xmm_facts §8; the real DSS header
#: in shared/data/real has PLTSCALE = 67.2) [A].
PLATE_SCALE = 67.2
_EMULSION = {"red": ("R_F", "IIIaF", "RG610"), "blue": ("B_J", "IIIaJ", "GG385")}


def _header(wcs: WCS, cfg, phot, spec, kind: str) -> fits.Header:
    band, emulsion, filt = _EMULSION[cfg.band]
    h = wcs.to_header()
    h["TELESCOP"] = ("Palomar 48-inch Schmidt", "simulated POSS-II-like plate")
    h["ORIGIN"] = f"selfunc {__version__} (simulated)"
    h["OBJECT"] = f"selfunc pointing {spec.id} {kind}"
    h["POINTING"] = spec.id
    h["SEED"] = spec.seed
    h["RA_PNT"] = (spec.ra, "[deg] pointing RA")
    h["DEC_PNT"] = (spec.dec, "[deg] pointing Dec")
    h["BAND"] = (band, "photographic band")
    h["EMULSION"] = emulsion
    h["FILTER"] = filt
    h["BUNIT"] = ("scan units", "digitised photographic density")
    h["MAGLIM"] = (cfg.limiting_magnitude, "[mag] 5 sigma point-source limit")
    h["SKYMAG"] = (cfg.sky_brightness, "[mag/arcsec2] sky surface brightness")
    h["SEEING"] = (cfg.seeing_fwhm, "[arcsec] Moffat FWHM")
    h["MOFFBETA"] = (cfg.moffat_beta, "Moffat beta")
    h["SKYSIGMA"] = (phot.sky_sigma, "grain noise per pixel, sky units")
    h["FOGLEVEL"] = (phot.fog, "characteristic curve: D at zero exposure")
    h["SKYLEVEL"] = (phot.sky, "characteristic curve: D at the sky")
    h["SATLEVEL"] = (phot.saturation, "characteristic curve: saturation D")
    h["PLTGAMMA"] = (phot.gamma, "characteristic curve: slope in ln E")
    # Not PLTSCALE / XPIXELSZ: with those keywords astropy's WCS expects a full DSS plate
    # solution (AMDX…) instead of the TAN header.
    h["PLATESCL"] = (PLATE_SCALE, "[arcsec/mm] plate scale")
    h["SCANSTEP"] = (cfg.pixel_size / PLATE_SCALE * 1000.0, "[um] scan step (pixel size)")
    return h


def _hdus(image, intensity, wcs, cfg, phot, spec, kind):
    h = _header(wcs, cfg, phot, spec, kind)
    h["DATAMIN"] = int(image.min())
    h["DATAMAX"] = int(image.max())
    primary = fits.PrimaryHDU(image.astype(np.int16), header=h)
    hi = wcs.to_header()
    hi["EXTNAME"] = "INTENSITY"
    hi["BUNIT"] = ("sky", "intensity in units of the mean sky per pixel")
    step = phot.sky_sigma / 16.0
    inten = fits.CompImageHDU(intensity.astype(np.float32), header=hi, compression_type="RICE_1",
                              quantize_level=-step, quantize_method=2, dither_seed=1)
    return [primary, inten]


def write_field(field: OpticalField, path: str | Path, *, sources: bool = True) -> Path:
    """Write a full plate atomically (temporary file, then rename).

    Parameters
    ----------
    field : OpticalField
    path : str or Path
    sources : bool
        Also write the optical catalogue as the ``SOURCES`` table (default True).

    Returns
    -------
    Path
    """
    sc = field.scene
    hdus = _hdus(field.image, field.intensity, field.wcs, sc.cfg, sc.phot, sc.spec, "field")
    if sources:
        hdus.append(fits.BinTableHDU(sc.sources_table(), name="SOURCES"))
    path = Path(path)
    with atomic_path(path) as tmp:
        fits.HDUList(hdus).writeto(tmp)
    return path


def write_cutout(cut: OpticalCutout, path: str | Path) -> Path:
    """Write a cutout atomically (PRIMARY + INTENSITY)."""
    from selfunc.optical.plate import photometry

    hdus = _hdus(cut.image, cut.intensity, cut.wcs, cut.cfg, photometry(cut.cfg), cut.spec,
                 f"cutout {cut.ra:.5f} {cut.dec:+.5f}")
    path = Path(path)
    with atomic_path(path) as tmp:
        fits.HDUList(hdus).writeto(tmp)
    return path


def read_plate(path: str | Path) -> tuple[np.ndarray, WCS, fits.Header]:
    """Read a plate: ours or a real DSS file (astropy understands DSS plate solutions).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    image : numpy.ndarray
        The primary image as float.
    wcs : astropy.wcs.WCS
        Its celestial WCS.
    header : astropy.io.fits.Header

    Raises
    ------
    ValueError
        The primary HDU holds no 2-D image or has no celestial WCS.
    """
    path = Path(path)
    with fits.open(path) as hdul:
        header = hdul[0].header.copy()
        data = hdul[0].data
        if data is None or data.ndim != 2:
            raise ValueError(f"{path}: primary HDU is not a 2-D image")
        image = np.asarray(data, dtype=float)
    wcs = WCS(header, naxis=2)
    if not wcs.has_celestial:
        raise ValueError(f"{path}: primary header has no celestial WCS")
    return image, wcs, header
