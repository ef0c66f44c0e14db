"""One pointing: the unit of work. A pointing is a pure function of its spec and configs.

Random numbers for a pointing come from ``rng_for(seed, pointing_id, stream)``: a
:class:`numpy.random.Generator` seeded from (campaign seed, pointing id, stream id), so that
each stage has its own independent stream and adding a stage never changes another's; the
names and ids are the registry :mod:`selfunc.streams`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import astropy.units as u
import numpy as np
from astropy.coordinates import SkyCoord

from selfunc.config.models import SurveyConfig
from selfunc.streams import pointing_rng

__all__ = ["PointingSpec", "POINTING_UNITS", "rng_for", "draw_pointings", "pointing_table"]

#: Units of the columns of a pointing table (``catalogues/pointings.h5``); the others
#: (``pointing``, ``seed``, ``date``, ``background_scale``) have none.
POINTING_UNITS = {"ra": "deg", "dec": "deg", "glat": "deg", "roll": "deg", "exposure": "s",
                  "nh": "1/cm2"}


@dataclasses.dataclass(frozen=True)
class PointingSpec:
    """Where and how one XMM pointing looks.

    ``ra``, ``dec``, ``glat`` in degrees (ICRS; Galactic latitude), ``roll`` the position
    angle of the detector y axis east of north in degrees, ``exposure`` in s (clipped, as
    X-CLASS), ``background_scale`` multiplies the particle background (X-CLASS ``b``).
    """

    id: int
    seed: int
    ra: float
    dec: float
    glat: float
    roll: float
    exposure: float
    date: dt.date
    background_scale: float = 1.0
    nh: float = 3e20

    def as_row(self) -> dict:
        row = dataclasses.asdict(self)
        row["date"] = self.date.isoformat()
        return row


def rng_for(seed: int, pointing_id: int, stream: str) -> np.random.Generator:
    """The random stream of one stage of one pointing (:data:`selfunc.streams.POINTING_STREAMS`)."""
    return pointing_rng(seed, pointing_id, stream)


def _uniform(rng, lo, hi, log):
    if lo == hi:
        return lo
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi)))) if log else float(rng.uniform(lo, hi))


def draw_pointings(survey: SurveyConfig, n: int, seed: int) -> list[PointingSpec]:
    """Draw ``n`` pointings isotropically on the sky above the survey's |b| limit.

    Pointing ``i`` depends only on (seed, i): extending a campaign keeps earlier pointings.
    """
    specs = []
    weights = np.asarray(survey.exposure_weights, float)
    weights = weights / weights.sum()
    d0 = survey.dates[0].toordinal()
    d1 = survey.dates[1].toordinal()
    sin_bmin = np.sin(np.radians(survey.min_abs_galactic_latitude))
    for i in range(n):
        rng = rng_for(seed, i, "pointings")
        sinb = rng.uniform(sin_bmin, 1.0) * rng.choice([-1.0, 1.0])
        glat = float(np.degrees(np.arcsin(sinb)))
        glon = rng.uniform(0.0, 360.0)
        exposure = float(rng.choice(np.asarray(survey.exposures), p=weights))
        date = dt.date.fromordinal(int(rng.integers(d0, d1 + 1)))
        roll = float(rng.uniform(0.0, 360.0))
        bs = survey.background_scale
        scale = _uniform(rng, bs.min, bs.max, bs.distribution == "loguniform")
        c = SkyCoord(l=glon * u.deg, b=glat * u.deg, frame="galactic").icrs
        specs.append(PointingSpec(id=i, seed=seed, ra=float(c.ra.deg), dec=float(c.dec.deg),
                                  glat=glat, roll=roll, exposure=exposure, date=date,
                                  background_scale=scale, nh=survey.nh))
    return specs


def pointing_table(rows: list[dict]):
    """The pointing table of a campaign (one row per pointing, as :meth:`PointingSpec.as_row`
    with ``id`` named ``pointing``), its columns with :data:`POINTING_UNITS`."""
    from astropy.table import Table

    table = Table(rows=rows)
    for name, unit in POINTING_UNITS.items():
        if name in table.colnames:
            table[name].unit = unit
    return table
