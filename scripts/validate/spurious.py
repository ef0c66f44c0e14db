"""Spurious detections on pure-background 10 ks pointings (no sources at all).

Every detection is spurious here. Prints, over N pointings (default 100), the mean number
per pointing above several DET_ML cuts, and of C2 / C1 sources, with Poisson errors.

    python scripts/validate/spurious.py [N]
"""

from __future__ import annotations

import sys
import time

import numpy as np

from selfunc.config.models import AgnConfig, ClusterGrid, DetectionConfig, InstrumentConfig
from selfunc.config.models import NearbyGalaxyConfig, PairConfig, PopulationConfig, StarConfig
from selfunc.detect import run
from selfunc.detect.inputs import from_observation
from selfunc.pointing import PointingSpec, rng_for
from selfunc.xray import observe
from astropy.table import Table
import datetime as dt


def main(n: int) -> None:
    inst, cfg = InstrumentConfig(), DetectionConfig()
    pop = PopulationConfig(grid=ClusterGrid(n_per_pointing=0), stars=StarConfig(density_at_pole=0),
                           nearby_galaxies=NearbyGalaxyConfig(per_pointing=0),
                           pairs=PairConfig(per_pointing=0), agn=AgnConfig())
    empty = Table(dict(id=[], kind=[], group=[], spectrum=[], xi=[], eta=[], flux=[],
                       core_radius=[], beta=[], redshift=[]))
    cats = []
    t0 = time.perf_counter()
    for k in range(n):
        spec = PointingSpec(id=k, seed=99, ra=150.0, dec=2.0, glat=50.0, roll=360.0 * k / n,
                            exposure=10_000.0, date=dt.date(2010, 1, 1))
        obs = observe(spec, empty, inst, pop, rng_for(99, k, "xray"))
        cats.append(run(*from_observation(obs, inst), cfg))
    dt_s = time.perf_counter() - t0
    print(f"{n} pure-background pointings of 10 ks ({dt_s / n:.2f} s each), default background "
          f"{inst.background.level} cts/s/arcmin2, detections within {cfg.max_offaxis}'")
    for cut in (cfg.keep_det_ml, 10, 15, 20, 30):
        per = np.array([np.sum(c["det_ml"] >= cut) for c in cats])
        print(f"  DET_ML >= {cut:4.0f}: {per.mean():6.2f} ± {np.sqrt(per.sum()) / n:.2f} per pointing")
    for name in ("C2", "C1", "P1", "double", "AC"):
        per = np.array([int(c[name].sum()) for c in cats])
        print(f"  {name:6s}: {per.mean():6.3f} ± {np.sqrt(max(per.sum(), 1)) / n:.3f} per pointing "
              f"({per.sum()} in all)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
