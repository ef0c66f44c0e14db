"""Energy conversion factor of each truth row, per camera: where flux becomes count rate.

With ``instrument.ecf.model = "spectral"`` the ECF of a row comes from its spectrum
(:mod:`selfunc.spectra`) seen through the pointing's Galactic column ``nh``; with
``"constant"`` it is the camera's table value for the row's ``spectrum`` class, as before
spectral ECFs (so old campaigns reproduce bit for bit). See :class:`selfunc.config.models.EcfConfig`
for the columns read and their defaults.
"""

from __future__ import annotations

import numpy as np
from astropy.table import Table

from selfunc.config.models import InstrumentConfig

__all__ = ["source_ecf", "agn_ecf_default"]


def _column(truth: Table, name: str, rows: np.ndarray, default: float) -> np.ndarray:
    """Values of ``name`` on ``rows`` where present and finite, else ``default``."""
    if name not in truth.colnames:
        return np.full(int(rows.sum()), float(default))
    v = np.asarray(truth[name], float)[rows]
    return np.where(np.isfinite(v), v, float(default))


def source_ecf(truth: Table, camera: str, instrument: InstrumentConfig, nh: float,
               *, band=None) -> np.ndarray:
    """ECF (counts s⁻¹ per erg s⁻¹ cm⁻², on axis) of every row of ``truth`` for ``camera``.

    ``band``: the channel band of the counts (keV; default ``instrument.band``), always per
    unit flux in ``instrument.band`` (the truth flux): the sub-band images of
    :mod:`selfunc.xray.bands`. Rows whose ``spectrum`` is none of cluster/agn/star get 0
    (they emit nothing)."""
    cfg = instrument.ecf
    spectrum = np.asarray(truth["spectrum"]).astype(str)
    if cfg.model == "constant":
        tab = cfg[camera]
        return np.select([spectrum == "cluster", spectrum == "agn", spectrum == "star"],
                         [tab.cluster, tab.agn, tab.star])
    from selfunc.spectra import agn_ecf, cluster_ecf
    from selfunc.spectra.thermal import KT_RANGE

    fband = tuple(float(b) for b in instrument.band)
    band = fband if band is None else tuple(float(b) for b in band)
    out = np.zeros(len(truth))
    cl = spectrum == "cluster"
    if cl.any():
        t = _column(truth, "temperature", cl, cfg.cluster_temperature)
        bad = (t < KT_RANGE[0]) | (t > KT_RANGE[1])
        if bad.any():
            k = int(np.flatnonzero(cl)[np.argmax(bad)])
            raise ValueError(f"truth row {k}: temperature {t[np.argmax(bad)]:g} keV is outside "
                             f"the thermal table's {KT_RANGE[0]:g}-{KT_RANGE[1]:g} keV "
                             "(selfunc.spectra); or set instrument.ecf.model = 'constant'")
        out[cl] = cluster_ecf(camera, t, _column(truth, "metallicity", cl, cfg.metallicity),
                              _column(truth, "redshift", cl, cfg.cluster_redshift), nh,
                              band=band, flux=cfg.flux, flux_band=fband)
    agn = spectrum == "agn"
    if agn.any():
        out[agn] = agn_ecf(camera, _column(truth, "gamma", agn, cfg.agn_gamma), nh,
                           nh_intrinsic=_column(truth, "nh_intrinsic", agn, 0.0),
                           redshift=_column(truth, "redshift", agn, 0.0),
                           band=band, flux=cfg.flux, flux_band=fband)
    star = spectrum == "star"
    if star.any():
        out[star] = cluster_ecf(camera, cfg.star_temperature, cfg.star_metallicity, 0.0, nh,
                                band=band, flux=cfg.flux, flux_band=fband)
    return out


def agn_ecf_default(instrument: InstrumentConfig, camera: str, nh: float) -> float:
    """ECF of the unresolved AGN (the CXB below the draw limit): the table's ``agn`` value,
    or the default AGN spectrum folded through the area with ``nh``."""
    cfg = instrument.ecf
    if cfg.model == "constant":
        return cfg[camera].agn
    from selfunc.spectra import agn_ecf

    return float(agn_ecf(camera, cfg.agn_gamma, nh, band=tuple(float(b) for b in instrument.band),
                         flux=cfg.flux))
