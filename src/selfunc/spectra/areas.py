"""On-axis effective areas of the EPIC cameras (thin filter) and their band responses.

``data/epic_area.csv`` holds, on a log grid from 0.15 to 12 keV (provenance in its header
and in ``docs/physics.md`` §5):

* the on-axis ARFs (cm²) of pn, MOS1 and MOS2 written by SAS ``arfgen`` (mirror area ×
  filter transmission × CCD quantum efficiency [× RGA transmission for MOS]);
* for pn, the fraction of photons of energy E whose PI channel falls in each of the
  4XMM bands 0.2–0.5, 0.5–1, 1–2, 2–4.5, 4.5–12 keV (rows of the pn canned RMF summed
  over channels): pn redistributes a sizeable part of the 0.5–0.7 keV photons below
  0.5 keV, which lowers its 0.5–1 keV ECF by ~10 %.

MOS redistribution is taken as diagonal (a count of energy E lands in the channel band
that contains E): MOS's response is narrow above 0.5 keV, and the MOS band-2/band-3 ECF
ratio then matches Mateos et al. 2009 to 1 % (``tests/spectra``).

The MOS ARFs shipped are of a point source in a finite aperture (their normalisation is
not the on-axis total): each is scaled by ``MOS_NORMALISATION`` so that a Γ = 1.7,
N_H = 3×10²⁰ cm⁻² power law gives the thin-filter 1–2 keV ECF of the 3XMM/4XMM catalogues
(Rosen et al. 2016: 2.04×10¹¹ for MOS1 and MOS2, per observed flux). That is the only
number fitted; the pn curve is used as it is.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

__all__ = ["CAMERAS", "CHANNEL_EDGES", "MOS_NORMALISATION", "area", "band_response",
           "energy_grid"]

CAMERAS = ("pn", "mos1", "mos2")
CHANNEL_EDGES = (0.2, 0.5, 1.0, 2.0, 4.5, 12.0)
#: Factors on the shipped MOS ARFs [D]: Γ=1.7, N_H=3e20 → Rosen+16 thin 1–2 keV ECF 2.04e11.
MOS_NORMALISATION = {"mos1": 1.17956, "mos2": 1.15546}
_FILE = Path(__file__).with_name("data") / "epic_area.csv"


@functools.lru_cache(maxsize=1)
def _table() -> dict[str, np.ndarray]:
    data = np.loadtxt(_FILE, delimiter=",")
    with open(_FILE) as f:
        names = [ln for ln in f if ln.startswith("#")][-1].lstrip("# ").strip().split(",")
    return {n: data[:, k] for k, n in enumerate(names)}


def energy_grid() -> np.ndarray:
    """The energies (keV) of the area table: the grid on which spectra are folded."""
    return _table()["energy"]


def _camera(camera: str) -> str:
    if camera not in CAMERAS:
        raise ValueError(f"camera must be one of {', '.join(CAMERAS)}, got {camera!r}")
    return camera


def area(camera: str) -> np.ndarray:
    """On-axis thin-filter effective area (cm²) on :func:`energy_grid`."""
    camera = _camera(camera)
    return _table()[camera] * MOS_NORMALISATION.get(camera, 1.0)


@functools.lru_cache(maxsize=32)
def band_response(camera: str, band: tuple[float, float]) -> np.ndarray:
    """A(E) × P(channel in ``band`` | E), cm², on :func:`energy_grid`: the area that turns
    a photon spectrum into counts in the channel band ``band`` (keV)."""
    camera = _camera(camera)
    lo, hi = float(band[0]), float(band[1])
    if not lo < hi:
        raise ValueError(f"band must be (low, high) keV with low < high, got {band}")
    e = energy_grid()
    if camera != "pn":
        return area(camera) * ((e >= lo) & (e < hi))
    edges = np.asarray(CHANNEL_EDGES)
    i, j = np.flatnonzero(np.isclose(edges, lo)), np.flatnonzero(np.isclose(edges, hi))
    if i.size == 0 or j.size == 0:
        raise ValueError(f"pn band {band} keV: its edges must be among {CHANNEL_EDGES} "
                         "(the channel bands of the shipped pn redistribution)")
    tab = _table()
    frac = sum(tab[f"pn_frac_{a:g}_{b:g}"] for a, b in zip(edges[i[0]:j[0]], edges[i[0] + 1:j[0] + 1]))
    return area("pn") * frac
