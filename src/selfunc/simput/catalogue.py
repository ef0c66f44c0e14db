"""A pointing's truth as a SIMPUT catalogue (Schmid, Smith & Wilms 2013, HEASARC memo
2013-12-18, HDUVERS 1.1.0), readable by SIXTE and SOXS.

One FITS file holds:

* ``SRC_CAT`` (``HDUCLASS = 'HEASARC/SIMPUT'``, ``HDUCLAS1 = 'SRC_CAT'``): one row per
  emitting truth row, columns SRC_ID, SRC_NAME, RA, DEC (deg), IMGROTA (deg), IMGSCAL,
  E_MIN, E_MAX (keV), FLUX (erg/s/cm**2 in [E_MIN, E_MAX]), SPECTRUM, IMAGE, TIMING
  (references ``file[EXTNAME,EXTVER]`` or NULL), plus selfunc's TRUTH_ID and KIND;
* ``SPECTRUM`` extensions (``HDUCLAS1 = 'SPECTRUM'``), one row each: ENERGY (keV) and
  FLUXDENSITY (photon/s/cm**2/keV) shapes (:mod:`selfunc.simput.spectra`); all AGN share
  one, all stars one, each cluster has its own (its kT and z);
* ``IMAGE`` extensions (``HDUCLAS1 = 'IMAGE'``) for extended sources, with a TAN WCS
  centred on the source (:mod:`selfunc.simput.images`); point sources have IMAGE = NULL.

References carry the catalogue's own file name (SIXTE and SOXS resolve it next to the
catalogue): keep the file's name when moving it, or re-export.

The FLUX of an analytic β-model is the truth flux (inside its truncation radius, where
its image ends). A 3-D cluster's image is its pyxsim photon list, which reaches beyond
the truncation radius; its FLUX is the flux of everything in the image (the truth flux is
the part inside the truncation radius, as for the analytic route).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.table import Table

from selfunc.errors import SelfuncError
from selfunc.io import atomic_path
from selfunc.simput import images, spectra

__all__ = ["build", "write", "read", "HDUVERS"]

HDUVERS = "1.1.0"
_AGN_KINDS = ("agn", "double", "central_agn")
NEARBY_GALAXY_KT = 1.0  # keV: hot gas of an early-type galaxy [A]


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _spectrum_hdu(energy, fluxdensity, name: str, extver: int) -> fits.BinTableHDU:
    cols = [fits.Column("ENERGY", "1PE()", unit="keV",
                        array=np.array([np.asarray(energy, np.float32)], dtype=object)),
            fits.Column("FLUXDENSITY", "1PE()", unit="photon/s/cm**2/keV",
                        array=np.array([np.asarray(fluxdensity, np.float32)], dtype=object)),
            fits.Column("NAME", "48A", array=[name])]
    hdu = fits.BinTableHDU.from_columns(cols)
    h = hdu.header
    h["EXTNAME"] = "SPECTRUM"
    h["EXTVER"] = extver
    h["HDUCLASS"] = "HEASARC/SIMPUT"
    h["HDUCLAS1"] = "SPECTRUM"
    h["HDUVERS"] = HDUVERS
    return hdu


def build(truth: Table, *, filename: str, band=(0.5, 2.0), metallicity: float = 0.3,
          truncation: float = 10.0, photons_of=None) -> fits.HDUList:
    """The SIMPUT HDU list of ``truth`` (see the module docstring).

    ``filename``: the catalogue's file name, used in the references. ``photons_of(k)``:
    for a truth row k with ``route == "pyxsim"``, its :class:`~selfunc.gas.photons.PhotonList`
    (the caller runs the pyxsim route); needed only when such rows exist.
    """
    base = Path(filename).name
    rows = []
    hdus: list = []
    spectrum_refs: dict[str, str] = {}
    n_images = 0
    route = (np.array([_text(r) for r in truth["route"]]) if "route" in truth.colnames
             else np.full(len(truth), "analytic"))

    def spectrum_ref(key, make):
        if key not in spectrum_refs:
            energy, shape = make()
            extver = len(spectrum_refs) + 1
            hdus.append(_spectrum_hdu(energy, shape, key, extver))
            spectrum_refs[key] = f"{base}[SPECTRUM,{extver}]"
        return spectrum_refs[key]

    for k, row in enumerate(truth):
        flux = float(row["flux"])
        if not flux > 0:
            continue
        kind = _text(row["kind"])
        spectrum = _text(row["spectrum"])
        tid = int(row["id"])
        if spectrum == "agn":
            spec = spectrum_ref("agn_powerlaw_1.7",
                                lambda: (spectra.ENERGY, spectra.power_law()))
        elif spectrum == "star":
            spec = spectrum_ref("star_thermal_0.5keV", lambda: (
                spectra.ENERGY, spectra.thermal(spectra.STAR_KT, 0.0, metallicity)))
        else:
            kt = NEARBY_GALAXY_KT if kind == "nearby_galaxy" else float(row["temperature"])
            z = float(row["redshift"])
            if not (np.isfinite(kt) and kt > 0 and np.isfinite(z)):
                raise SelfuncError(f"truth row {tid} ({kind}): a thermal spectrum needs a "
                                   f"temperature and a redshift, got kT={kt}, z={z}")
            spec = spectrum_ref(f"thermal_{kind}_{tid}",
                                lambda: (spectra.ENERGY, spectra.thermal(kt, z, metallicity)))
        rc = float(row["core_radius"])
        image = "NULL"
        ra, dec = float(row["ra"]), float(row["dec"])
        if route[k] == "pyxsim":
            if photons_of is None:
                raise ValueError("truth has 3-D clusters: pass photons_of")
            ph = photons_of(k)
            radius = float(np.max(np.hypot(ph.xi, ph.eta)))
            img, pixel = images.photon_image(ph.xi, ph.eta, ph.flux, rc, radius)
            flux = float(ph.flux.sum())
        elif np.isfinite(rc):
            img, pixel = images.beta_image(rc, float(row["beta"]), truncation)
        if route[k] == "pyxsim" or np.isfinite(rc):
            n_images += 1
            hdus.append(images.image_hdu(img, pixel, ra, dec, n_images))
            image = f"{base}[IMAGE,{n_images}]"
        rows.append((tid + 1, f"{kind}_{tid}", ra, dec, flux, spec, image, tid, kind))

    if not rows:
        raise SelfuncError("the truth table has no emitting source (flux > 0) to export")
    src_id, name, ra, dec, flux, spec, image, tid, kind = map(list, zip(*rows))
    n = len(rows)
    cols = [fits.Column("SRC_ID", "J", array=np.array(src_id, np.int32)),
            fits.Column("SRC_NAME", "32A", array=name),
            fits.Column("RA", "D", unit="deg", array=ra),
            fits.Column("DEC", "D", unit="deg", array=dec),
            fits.Column("IMGROTA", "E", unit="deg", array=np.zeros(n)),
            fits.Column("IMGSCAL", "E", array=np.ones(n)),
            fits.Column("E_MIN", "E", unit="keV", array=np.full(n, band[0])),
            fits.Column("E_MAX", "E", unit="keV", array=np.full(n, band[1])),
            fits.Column("FLUX", "D", unit="erg/s/cm**2", array=flux),
            fits.Column("SPECTRUM", f"{max(len(s) for s in spec)}A", array=spec),
            fits.Column("IMAGE", f"{max(len(s) for s in image)}A", array=image),
            fits.Column("TIMING", "4A", array=["NULL"] * n),
            fits.Column("TRUTH_ID", "K", array=np.array(tid, np.int64)),
            fits.Column("KIND", "16A", array=kind)]
    cat = fits.BinTableHDU.from_columns(cols)
    h = cat.header
    h["EXTNAME"] = "SRC_CAT"
    h["HDUCLASS"] = "HEASARC/SIMPUT"
    h["HDUCLAS1"] = "SRC_CAT"
    h["HDUVERS"] = HDUVERS
    h["RADESYS"] = "FK5"
    h["EQUINOX"] = 2000.0
    primary = fits.PrimaryHDU()
    primary.header["ORIGIN"] = "selfunc"
    for key in ("POINTING", "SEED", "RA_PNT", "DEC_PNT"):
        if key in truth.meta:
            primary.header[key] = truth.meta[key]
    return fits.HDUList([primary, cat, *hdus])


def write(hdul: fits.HDUList, path: str | Path) -> Path:
    """Write atomically (the references name ``path``'s file name: build with it)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        hdul.writeto(tmp)
    return path


def _resolve(ref: str, path: Path):
    """(file, extname, extver) of a ``file[EXT,VER]`` reference relative to ``path``."""
    ref = ref.strip()
    if "[" not in ref:
        raise SelfuncError(f"{path}: reference '{ref}' has no [EXTNAME,EXTVER] part")
    name, rest = ref.split("[", 1)
    ext = rest.split("]", 1)[0].split(",")
    target = path if name == "" else (path.parent / name)
    extver = int(ext[1]) if len(ext) > 1 else 1
    return target, ext[0].strip().upper(), extver


def read(path: str | Path) -> Table:
    """The catalogue back as a table: SRC_CAT columns plus the spectrum (energy,
    fluxdensity arrays), and the image (array) and its HDU header where there is one."""
    path = Path(path)
    with fits.open(path) as hdul:
        cat = Table(hdul["SRC_CAT"].data)
    for col in cat.colnames:
        if cat[col].dtype.kind in "SU":
            cat[col] = [_text(v).strip() for v in cat[col]]
    energy, density, image, header = [], [], [], []
    for row in cat:
        f, ext, ver = _resolve(row["SPECTRUM"], path)
        with fits.open(f) as h:
            d = h[ext, ver].data
            energy.append(np.asarray(d["ENERGY"][0], float))
            density.append(np.asarray(d["FLUXDENSITY"][0], float))
        if row["IMAGE"].upper() == "NULL":
            image.append(None)
            header.append(None)
        else:
            f, ext, ver = _resolve(row["IMAGE"], path)
            with fits.open(f) as h:
                image.append(np.asarray(h[ext, ver].data, float))
                header.append(h[ext, ver].header.copy())
    for name, values in (("energy", energy), ("fluxdensity", density), ("image", image),
                         ("image_header", header)):
        column = np.empty(len(values), dtype=object)  # one array (or None) per source
        for i, v in enumerate(values):
            column[i] = v
        cat[name] = column
    return cat
