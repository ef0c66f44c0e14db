"""Benchmark: DSS2-like optical plates, per 7'x7' cutout and per full 32' field (one core).

For N pointings of the quickstart campaign (grid clusters, AGN, stars, nearby galaxies) it
draws the truth (sky stage), builds the optical scene, renders cutouts about every cluster,
nearby galaxy and X-ray star and the 10 brightest AGN inside 13' (rendering only the sources
that touch each cutout), renders the full field, and writes it to FITS. One warm-up
pointing fills the PSF-template cache first. Target (optical issue): < 0.2 s per cutout.

    python scripts/bench/optical.py [N] [--band red|blue]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core: galsim/FFTW and BLAS single-threaded

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from selfunc import optical
from selfunc.campaign.simulate import field_radius
from selfunc.config import configs_dir, load_campaign
from selfunc.pointing import draw_pointings, rng_for
from selfunc.sky.draw import draw


def _targets(truth, n_agn=10):
    r = np.hypot(truth["xi"], truth["eta"])
    inside = r < 13 * 60
    kind = np.asarray(truth["kind"])
    rows = list(np.nonzero(inside & np.isin(kind, ("cluster", "nearby_galaxy", "star")))[0])
    agn = np.nonzero(inside & (kind == "agn"))[0]
    rows += list(agn[np.argsort(-np.asarray(truth["flux"])[agn])][:n_agn])
    return rows


def main(n: int = 10, band: str = "red") -> None:
    cfg = load_campaign(configs_dir() / "campaign" / "quickstart.toml")
    ocfg = optical.load_optical_config(f"dss2_{band}")
    specs = draw_pointings(cfg.survey, n + 1, seed=321)
    t_scene, t_cut, t_field, t_write, n_src = [], [], [], [], []
    per_kind: dict[str, list] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for k, spec in enumerate(specs):
            truth = draw(spec, cfg.population, field_radius(cfg), rng_for(spec.seed, spec.id, "sky"))
            t0 = time.perf_counter()
            sc = optical.scene(spec, truth, ocfg, rng_for(spec.seed, spec.id, "optical"))
            t1 = time.perf_counter()
            if k == 0:
                c = optical.cutout(sc, spec.ra, spec.dec)
                field = optical.observe(spec, truth, ocfg, rng_for(spec.seed, spec.id, "optical"))
                print(f"warm-up pointing (fills PSF templates): {time.perf_counter() - t0:.2f} s")
                continue
            t_scene.append(t1 - t0)
            n_src.append(int(np.sum(sc.plan.method != "skip")))
            for row in _targets(truth):
                t2 = time.perf_counter()
                optical.cutout(sc, truth["ra"][row], truth["dec"][row], 7.0)
                dt = time.perf_counter() - t2
                t_cut.append(dt)
                per_kind.setdefault(str(truth["kind"][row]), []).append(dt)
            t3 = time.perf_counter()
            field = optical.observe(spec, truth, ocfg, rng_for(spec.seed, spec.id, "optical"))
            t4 = time.perf_counter()
            optical.write_field(field, Path(tmp) / f"{k}.fits")
            t5 = time.perf_counter()
            t_field.append(t4 - t3)
            t_write.append(t5 - t4)

    def line(name, v):
        v = np.asarray(v)
        print(f"  {name:24s} median {np.median(v):.3f} s   (16-84 %: {np.percentile(v, 16):.3f}-"
              f"{np.percentile(v, 84):.3f} s, max {v.max():.3f} s, n = {len(v)})")

    npix = int(round(ocfg.field_size * 60 / ocfg.pixel_size))
    print(f"{n} pointings, {band} plate, {npix}^2 pixels of {ocfg.pixel_size}\", median "
          f"{int(np.median(n_src))} sources drawn per field")
    line("scene (catalogue)", t_scene)
    line("7'x7' cutout (420^2)", t_cut)
    for kind, v in sorted(per_kind.items()):
        line(f"  cutout on {kind}", v)
    line("full field (incl. scene)", t_field)
    line("write field FITS", t_write)
    # worst case: rich clusters at low redshift (hundreds of members, many drawn by galsim)
    spec = specs[1]
    for z, mass in ((0.05, 1e15), (0.1, 5e14), (0.2, 5e14)):
        truth = draw(spec, cfg.population, field_radius(cfg), rng_for(spec.seed, spec.id, "sky"))
        row = int(np.nonzero(np.asarray(truth["kind"]) == "cluster")[0][0])
        truth["redshift"][row], truth["mass"][row] = z, mass
        sc = optical.scene(spec, truth, ocfg, rng_for(spec.seed, spec.id, "optical"))
        ts = []
        for _ in range(3):
            t0 = time.perf_counter()
            optical.cutout(sc, truth["ra"][row], truth["dec"][row], 7.0)
            ts.append(time.perf_counter() - t0)
        print(f"  cutout on a z = {z} cluster of M500 = {mass:.0e} (lambda = "
              f"{sc.truth['richness'][row]:.0f}, {sc.truth['n_members'][row]} members): "
              f"{np.median(ts):.3f} s")
    med = np.median(t_cut)
    print(f"cutout median {med:.3f} s -> target 0.2 s: {'met' if med < 0.2 else 'NOT met'}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=10, help="pointings (after one warm-up)")
    ap.add_argument("--band", choices=("red", "blue"), default="red")
    args = ap.parse_args()
    main(args.n, args.band)
