"""Merging vs spherical 3-D clusters of equal flux: how the detected extent and class change.

Each realisation observes one cluster of the ``grid_3d`` preset's ``merger`` model and its
``spherical`` counterpart (the same flux inside the truncation radius, core radius,
temperature, redshift and position), both through the pyxsim route, plus the analytic
β-model as a reference, on a 320² (13′) XAmin-grid image with the default background,
10 ks, pn+MOS, 1′ off axis, and runs the XAmin-like detection stage on each. The merger's
orientation on the sky is random. For each case it prints over N realisations (default
60): the fraction detected (a source within 40″ of the main halo's centre), EXT (median
and 16–84 %), EXT_ML, the C1 and C2 fractions, and the mean number of sources within the
truncation radius (fragmentation).

    python scripts/validate/merger_extent.py [N] [FLUX] [CORE_RADIUS]
"""

from __future__ import annotations

import datetime as dt
import sys
import time

import numpy as np

from selfunc.config import validate
from selfunc.config.load import configs_dir, load_toml
from selfunc.config.models import (AgnConfig, ClusterGrid, DetectionConfig, InstrumentConfig,
                                   NearbyGalaxyConfig, PairConfig, PopulationConfig, StarConfig)
from selfunc.detect import run
from selfunc.detect.inputs import from_observation
from selfunc.pointing import PointingSpec, rng_for
from selfunc.xray import observe
from astropy.table import Table

CASES = ("analytic", "spherical", "merger")


def truth_row(case, flux, rc, angle):
    t = Table(dict(id=[0], kind=["cluster"], group=[0], spectrum=["cluster"], xi=[60.0],
                   eta=[0.0], flux=[flux], core_radius=[rc], beta=[2 / 3], redshift=[0.3],
                   temperature=[4.0]))
    t["route"] = ["analytic" if case == "analytic" else "pyxsim"]
    t["gas_model"] = ["" if case == "analytic" else case]
    t["position_angle"] = [angle]
    return t


def main(n: int, flux: float, rc: float) -> None:
    path = configs_dir() / "population" / "grid_3d.toml"
    base = validate(PopulationConfig, load_toml(path), [path])
    pop = base.model_copy(update=dict(
        grid=ClusterGrid(n_per_pointing=0), stars=StarConfig(density_at_pole=0),
        nearby_galaxies=NearbyGalaxyConfig(per_pointing=0), pairs=PairConfig(per_pointing=0),
        agn=AgnConfig()))
    inst = InstrumentConfig(npix=320)
    det = DetectionConfig()
    sub = next(m for m in pop.gas.models if m.name == "merger").substructure
    rows = {c: [] for c in CASES}
    t0 = time.perf_counter()
    for k in range(n):
        angle = float(np.random.default_rng([42, k]).uniform(0, 360))
        spec = PointingSpec(id=k, seed=42, ra=150.0, dec=2.0, glat=50.0, roll=0.0,
                            exposure=10_000.0, date=dt.date(2010, 1, 1))
        for case in CASES:
            obs = observe(spec, truth_row(case, flux, rc, angle), inst, pop,
                          rng_for(42, k, "xray"))
            cat = run(*from_observation(obs, inst), det)
            x0, y0 = obs.truth["x"][0], obs.truth["y"][0]
            d = np.hypot(cat["x"] - x0, cat["y"] - y0) * inst.pixel_size
            near = d < 40.0
            within = int(np.sum(d < pop.truncation * rc))
            if near.any():
                j = int(np.argmin(np.where(near, d, np.inf)))
                c = cat[j]
                rows[case].append((1, float(c["ext"]), float(c["ext_ml"]), bool(c["C1"]),
                                   bool(c["C2"]), within))
            else:
                rows[case].append((0, np.nan, np.nan, False, False, within))
        if (k + 1) % 10 == 0:
            print(f"  {k + 1}/{n} realisations, {time.perf_counter() - t0:.0f} s", flush=True)
    print(f"\n{n} realisations: flux {flux:.1e} erg/s/cm2 (inside R_t = 10 r_c), r_c = {rc:g}\", "
          f"kT = 4 keV, z = 0.3, 10 ks, 1' off axis; merger clump at {sub.offset:g} r_c, "
          f"r_c,sub = {sub.core_radius:g} r_c, n_sub/n_0 = {sub.density_ratio:g}, random PA")
    print(f"{'case':10s} {'detected':>9s} {'EXT med':>8s} {'EXT 16-84 %':>14s} {'EXT_ML med':>10s} "
          f"{'C1':>12s} {'C2':>12s} {'C1|C2':>12s} {'n within R_t':>12s}")
    for case in CASES:
        a = np.array(rows[case], dtype=float)
        detected = a[:, 0] == 1
        ext = a[detected, 1]
        c1, c2 = a[:, 3], a[:, 4]

        def frac(x):
            p = x.mean()
            return f"{p:.2f}±{np.sqrt(p * (1 - p) / len(x)):.2f}"

        q = np.percentile(ext, [16, 84]) if ext.size else (np.nan, np.nan)
        print(f"{case:10s} {detected.mean():9.2f} {np.median(ext):8.1f} "
              f"{q[0]:6.1f}-{q[1]:6.1f} {np.nanmedian(a[:, 2]):10.1f} {frac(c1):>12s} "
              f"{frac(c2):>12s} {frac(np.maximum(c1, c2)):>12s} {a[:, 5].mean():12.2f}")
    sph = np.array(rows["spherical"], float)
    mer = np.array(rows["merger"], float)
    both = (sph[:, 0] == 1) & (mer[:, 0] == 1)
    ratio = mer[both, 1] / sph[both, 1]
    print(f"\nmerger / spherical EXT, paired realisations ({both.sum()}): median "
          f"{np.median(ratio):.2f} (16-84 %: {np.percentile(ratio, 16):.2f}-"
          f"{np.percentile(ratio, 84):.2f})")
    print(f"total {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60,
         float(sys.argv[2]) if len(sys.argv) > 2 else 5e-14,
         float(sys.argv[3]) if len(sys.argv) > 3 else 20.0)
