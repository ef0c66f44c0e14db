"""Helpers for the optical tests: hand-made truth tables and pointings."""

import datetime as dt

import numpy as np
from astropy.table import Table

from selfunc.pointing import PointingSpec
from selfunc.sky.tangent import offsets_to_radec

COLUMNS = ("id", "kind", "group", "spectrum", "xi", "eta", "ra", "dec", "flux", "core_radius",
           "beta", "redshift", "mass", "temperature", "luminosity", "mag_r", "optical_radius")


def spec(**kw) -> PointingSpec:
    base = dict(id=0, seed=1, ra=150.0, dec=2.0, glat=60.0, roll=0.0, exposure=10_000.0,
                date=dt.date(2003, 1, 1))
    base.update(kw)
    return PointingSpec(**base)


def truth(sp: PointingSpec, *rows) -> Table:
    """A truth table with the sky stage's columns; rows are dicts with kind, xi, eta and
    any of the other columns (NaN where absent)."""
    cols = {k: [] for k in COLUMNS}
    for k, r in enumerate(rows):
        r = dict(r)
        ra, dec = offsets_to_radec(sp.ra, sp.dec, r["xi"], r["eta"])
        r.update(id=k, group=r.get("group", k), ra=float(ra), dec=float(dec))
        r.setdefault("spectrum", {"cluster": "cluster", "nearby_galaxy": "cluster",
                                  "star": "star"}.get(r["kind"], "agn"))
        for key in COLUMNS:
            cols[key].append(r.get(key, np.nan))
    dtypes = {"id": np.int64, "group": np.int64, "kind": "U13", "spectrum": "U7"}
    return Table({k: np.asarray(v, dtype=dtypes.get(k, float)) for k, v in cols.items()})


def blank(sp: PointingSpec) -> Table:
    return truth(sp)
