"""Helpers shared by the tests (import as ``from helpers import ...``)."""

import datetime as dt
from pathlib import Path

from selfunc.config.models import (AgnConfig, ClusterGrid, InstrumentConfig,
                                   NearbyGalaxyConfig, PairConfig, PopulationConfig, StarConfig)
from selfunc.pointing import PointingSpec

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared").resolve()
REAL = SHARED / "data" / "real"


def missing_real_data(reason: str) -> None:
    """Skip a real-data test whose folder is absent, or fail it where the real data must be
    there (``SELFUNC_REQUIRE_REAL=1``, set by ``.ci/run``): a CI run that lost ``../shared``
    would otherwise pass with those tests silently skipped."""
    import os

    import pytest

    if os.environ.get("SELFUNC_REQUIRE_REAL") == "1":
        pytest.fail(f"{reason}; SELFUNC_REQUIRE_REAL=1 requires the real data")
    pytest.skip(reason)


def empty_population(**kw) -> PopulationConfig:
    """A population with nothing in it (add what a test needs)."""
    base = dict(grid=ClusterGrid(n_per_pointing=0), agn=AgnConfig(flux_min=1e-15),
                stars=StarConfig(density_at_pole=0.0),
                nearby_galaxies=NearbyGalaxyConfig(per_pointing=0.0),
                pairs=PairConfig(per_pointing=0.0))
    base.update(kw)
    pop = PopulationConfig(**base)
    return pop


def truth_of(*rows):
    """A truth table with the columns the observer reads; rows are dicts with kind,
    spectrum, xi, eta (arcsec), flux and optionally core_radius, beta, redshift, group."""
    import numpy as np
    from astropy.table import Table

    cols = dict(id=[], kind=[], group=[], spectrum=[], xi=[], eta=[], flux=[],
                core_radius=[], beta=[], redshift=[])
    for k, r in enumerate(rows):
        cols["id"].append(k)
        cols["group"].append(r.get("group", k))
        for key in ("kind", "spectrum", "xi", "eta", "flux"):
            cols[key].append(r[key])
        for key in ("core_radius", "beta", "redshift"):
            cols[key].append(r.get(key, np.nan))
    return Table(cols)


def spec(**kw) -> PointingSpec:
    base = dict(id=0, seed=1, ra=150.0, dec=2.0, glat=45.0, roll=0.0, exposure=10_000.0,
                date=dt.date(2003, 1, 1))
    base.update(kw)
    return PointingSpec(**base)
