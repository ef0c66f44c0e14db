"""Rebuild the package data of :mod:`selfunc.spectra` from their public sources.

Not run by the simulator: the files it writes are shipped in ``selfunc/spectra/data``. Run
``python -m selfunc.spectra.build ARF_PN ARF_MOS1 ARF_MOS2 RMF_PN NN_APEC_H5`` to
regenerate them (the sources are listed in ``docs/physics.md`` §5):

* ``epic_area.csv``: on-axis effective area of each camera (SAS ``arfgen`` ARFs) on a
  log-spaced grid, and the pn redistribution into the channel bands of the 4XMM/Mateos
  et al. 2009 ECFs (integrated rows of the pn canned RMF);
* ``apec_nn.npz``: rest-frame thermal spectra (continuum + lines) on a (kT, E) grid, as
  the two terms of N(E) = N₀(E; T) + Z N₁(E; T), fitted by least squares to spectra of the
  ``nnapec`` APEC emulator (Burgess 2023; PyPI ``nnapec`` 0.1.1, GPL) evaluated here in
  numpy from its published weights. Only these fitted spectra are shipped, not the
  emulator or its weights; building needs ``nn_apec.h5`` from that package.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

__all__ = ["area_table", "pn_band_fractions", "nnapec_spectra", "main"]

DATA = Path(__file__).with_name("data")
AREA_GRID = np.geomspace(0.15, 12.0, 700)     # keV
CHANNEL_EDGES = (0.2, 0.5, 1.0, 2.0, 4.5, 12.0)  # keV: the 4XMM bands 1-5
APEC_T = np.geomspace(0.2, 32.0, 45)            # keV (nnapec covers 0.08-64)
APEC_E = (0.1, 40.0)                            # keV, rest frame
APEC_FIT_Z = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0])


def _arf(path):
    from astropy.io import fits

    with fits.open(path) as f:
        d = f["SPECRESP"].data
        return 0.5 * (d["ENERG_LO"] + d["ENERG_HI"]).astype(float), d["SPECRESP"].astype(float)


def area_table(arf_pn, arf_mos1, arf_mos2) -> dict[str, np.ndarray]:
    out = {"energy": AREA_GRID}
    for cam, path in (("pn", arf_pn), ("mos1", arf_mos1), ("mos2", arf_mos2)):
        e, a = _arf(path)
        out[cam] = np.interp(AREA_GRID, e, a)
    return out


def pn_band_fractions(rmf) -> np.ndarray:
    """(len(CHANNEL_EDGES) − 1, len(AREA_GRID)): fraction of photons of energy E whose
    PI channel energy falls in each band."""
    from astropy.io import fits

    with fits.open(rmf) as f:
        m = f["MATRIX"].data
        eb = f["EBOUNDS"].data
        ch_e = 0.5 * (eb["E_MIN"] + eb["E_MAX"]).astype(float)
        ch0 = int(eb["CHANNEL"][0])
        e_in = 0.5 * (m["ENERG_LO"] + m["ENERG_HI"]).astype(float)
        band = np.digitize(ch_e, CHANNEL_EDGES) - 1          # −1 / len: outside
        frac = np.zeros((len(CHANNEL_EDGES) - 1, len(m)))
        for i, row in enumerate(m):
            vals = np.asarray(row["MATRIX"], float)
            pos = 0
            for fc, nc in zip(np.atleast_1d(row["F_CHAN"])[: row["N_GRP"]],
                              np.atleast_1d(row["N_CHAN"])[: row["N_GRP"]]):
                b = band[int(fc) - ch0: int(fc) - ch0 + int(nc)]
                ok = (b >= 0) & (b < frac.shape[0])
                np.add.at(frac[:, i], b[ok], vals[pos: pos + int(nc)][ok])
                pos += int(nc)
    return np.array([np.interp(AREA_GRID, e_in, f) for f in frac])


def _gelu(x):
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


def _nnapec(h5):
    """Photon spectra N(E) of the emulator's mean output (network: 6×512 GELU MLP on
    standardised (abund, kT); output log10 N standardised per energy)."""
    import h5py

    with h5py.File(h5, "r") as f:
        sd, tr = f["state_dict"], f["transformer"]
        layers = sorted({int(k.split(".")[2]) for k in sd.keys()})
        weights = [(sd[f"layers.layers.{i}.weight"][()].astype(float),
                    sd[f"layers.layers.{i}.bias"][()].astype(float)) for i in layers]
        energy = tr["energies"][()]
        p_shift, p_scale = tr["param_shift"][()], tr["param_scale"][()]
        v_shift, v_scale = tr["value_shift"][()], tr["value_scale"][()]

    def spectrum(abund, kt):
        x = (np.column_stack([abund, kt]) - p_shift) / p_scale
        for k, (w, b) in enumerate(weights):
            x = x @ w.T + b
            if k < len(weights) - 1:
                x = _gelu(x)
        return 10.0 ** (x[:, : len(energy)] * v_scale + v_shift)

    return energy, spectrum


def nnapec_spectra(h5) -> dict[str, np.ndarray]:
    energy, spectrum = _nnapec(h5)
    keep = (energy >= APEC_E[0]) & (energy <= APEC_E[1])
    n0 = np.empty((len(APEC_T), keep.sum()))
    n1 = np.empty_like(n0)
    design = np.column_stack([np.ones_like(APEC_FIT_Z), APEC_FIT_Z])
    for k, t in enumerate(APEC_T):
        s = spectrum(APEC_FIT_Z, np.full(len(APEC_FIT_Z), t))[:, keep]
        (a, b), *_ = np.linalg.lstsq(design, s, rcond=None)
        n0[k] = np.maximum(a, 0.0)     # the H/He continuum cannot be negative
        n1[k] = np.maximum(b, 0.0)
    return {"kt": APEC_T, "energy": energy[keep], "n0": n0.astype(np.float32),
            "n1": n1.astype(np.float32)}


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 5:
        raise SystemExit(__doc__)
    arf_pn, arf_m1, arf_m2, rmf_pn, h5 = argv
    tab = area_table(arf_pn, arf_m1, arf_m2)
    frac = pn_band_fractions(rmf_pn)
    cols = ["energy", "pn", "mos1", "mos2"] + [
        f"pn_frac_{lo:g}_{hi:g}" for lo, hi in zip(CHANNEL_EDGES[:-1], CHANNEL_EDGES[1:])]
    data = np.column_stack([tab["energy"], tab["pn"], tab["mos1"], tab["mos2"], *frac])
    header = (
        "On-axis EPIC effective areas (cm2) from SAS arfgen 1.98.3 ARFs (xmmsas 17.0/18.0) as\n"
        "shipped in github.com/renecotyfanboy/jaxspec tests/data/ogip (PN.arf @67ae5f7,\n"
        "MOS1.arf/MOS2.arf @e91b60f); pn_frac_*: fraction of photons of energy E detected in\n"
        "that PI channel band, from the EPIC-pn canned RMF shipped in domeckert/xmm_simulator\n"
        "xmm_simulator/rmfs/PN.rmf @8421106. Built by selfunc.spectra.build; see docs/physics.md 5.\n"
        + ",".join(cols))
    np.savetxt(DATA / "epic_area.csv", data, delimiter=",", header=header, fmt="%.6g")
    np.savez_compressed(DATA / "apec_nn.npz", **nnapec_spectra(h5))


if __name__ == "__main__":
    main()
