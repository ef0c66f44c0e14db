"""Benchmark: time per 3-D cluster through the pyxsim route at the default resolution.

For each built-in model of the ``grid_3d`` population preset (spherical, cool core,
merger) at a faint and a bright flux, times the steps of one cluster: the yt dataset on
nested grids (32³ × 5 levels by default), the band flux with pyxsim's emission model,
``make_photons`` + ``project_photons``, and the EPIC observation of the photon list
(thinning, vignetting, PSF, chips) on the full 768² XAmin grid, 20 ks, 3 cameras.
Prints the median over N repeats after one warm-up (which builds the thermal table).

    python scripts/bench/pyxsim.py [N]
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

# This file is named like the package it benchmarks: drop its folder from the import path
# so that ``import pyxsim`` finds the package, not this script.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import numpy as np  # noqa: E402

from selfunc.config import validate  # noqa: E402
from selfunc.config.load import configs_dir, load_toml  # noqa: E402
from selfunc.config.models import InstrumentConfig, PopulationConfig  # noqa: E402
from selfunc.gas.photons import cluster_photons  # noqa: E402
from selfunc.gas.tables import selfunc_table  # noqa: E402
from selfunc.xray.observe import exposure_maps, vignetting_tables  # noqa: E402
from selfunc.xray.photons import observe_photons  # noqa: E402
from selfunc.xray.render import ImageGrid  # noqa: E402
from selfunc.pointing import PointingSpec  # noqa: E402


def main(n: int = 3) -> None:
    path = configs_dir() / "population" / "grid_3d.toml"
    pop = validate(PopulationConfig, load_toml(path), [path])
    gas = pop.gas
    inst = InstrumentConfig()
    s = PointingSpec(id=0, seed=0, ra=150.0, dec=2.0, glat=45.0, roll=0.0, exposure=20_000.0,
                     date=dt.date(2003, 1, 1))
    grid = ImageGrid(inst.npix, inst.pixel_size)
    vig = vignetting_tables(inst)
    cover, _ = exposure_maps(s, inst, grid, vig)
    ecf = {c: inst.ecf[c].cluster for c in inst.cameras}
    vig_of = {c: (lambda th, c=c: vig[c](inst.effective_energy, th)) for c in inst.cameras}
    t0 = time.perf_counter()
    selfunc_table()
    print(f"thermal table (built or found in the cache): {time.perf_counter() - t0:.2f} s")
    print(f"grid {gas.cells}^3 x {gas.levels} levels, extent {gas.extent} R_t, "
          f"{gas.photons_per_count:g} photons per count, {gas.spectral_bins} spectral bins; "
          f"r_c = 20\", kT = 4 keV, z = 0.3, 20 ks, 3 cameras, {inst.npix}^2 pixels")
    print(f"{'model':10s} {'flux':>8s} {'photons':>8s} {'counts':>7s} {'pyxsim s':>9s} "
          f"{'observe s':>9s} {'total s':>8s}")
    max_flux = 1.0 / (gas.photons_per_count * sum(ecf.values()) * s.exposure)
    for model in gas.models:
        for flux in (3e-14, 3e-13):
            t_gas, t_obs, n_ph, n_ct = [], [], 0, 0
            for k in range(n + 1):
                rng = np.random.default_rng([k, 11])
                t0 = time.perf_counter()
                ph = cluster_photons(model, flux=flux, redshift=0.3, core_radius=20.0, kt=4.0,
                                     beta=pop.beta, truncation=pop.truncation,
                                     position_angle=30.0, gas_cfg=gas, band=inst.band,
                                     cosmology_cfg=pop.mass_function.cosmology,
                                     max_photon_flux=max_flux, rng=rng)
                t1 = time.perf_counter()
                counts, _, _ = observe_photons(ph.xi + 120.0, ph.eta, ph.flux,
                                               cameras=inst.cameras, ecf=ecf,
                                               exposure=s.exposure, vignetting_of=vig_of,
                                               energy=inst.effective_energy, grid=grid,
                                               coverage=cover, rng=rng)
                t2 = time.perf_counter()
                if k == 0:
                    continue  # warm-up: imports, yt field set-up
                t_gas.append(t1 - t0)
                t_obs.append(t2 - t1)
                n_ph, n_ct = ph.xi.size, sum(int(c.sum()) for c in counts.values())
            g, o = np.median(t_gas), np.median(t_obs)
            print(f"{model.name:10s} {flux:8.0e} {n_ph:8d} {n_ct:7d} {g:9.2f} {o:9.2f} "
                  f"{g + o:8.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
