"""Benchmark of the selection package: fit time for 10⁵ objects and evaluation rate.

    .venv/bin/python scripts/bench/selection.py [--objects 100000] [--points 1000000]

Targets (selection issue): fit of 10⁵ objects under 60 s; ≥ 10⁶ evaluations per second.
Prints one line per measurement; evaluation rates are the median of five repeats.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from selfunc.selection.fitting import ConvergenceWarning, fit
from selfunc.selection.function import SelectionFunction
from selfunc.selection.models import completeness_model
from selfunc.rules import Selection

TRUTH = {"mu0": 0.05, "mu_core_radius": 0.45, "mu_exposure": -0.55, "mu_offaxis": 0.3,
         "lnw0": math.log(0.15), "lnw_core_radius": 0.3, "lnw_exposure": 0.0,
         "lnw_offaxis": 0.1, "amax": 0.93}


def clusters(n: int, rng: np.random.Generator) -> dict:
    return {"flux": 10 ** rng.uniform(math.log10(5e-15), math.log10(2e-13), n),
            "core_radius": 10 ** rng.uniform(math.log10(5.0), math.log10(120.0), n),
            "exposure": rng.choice([1e4, 2e4], n),
            "offaxis": 13.0 * np.sqrt(rng.random(n))}


def rate(fn, n_points: int, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return n_points / float(np.median(times))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--objects", type=int, default=100_000)
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    model = completeness_model()
    theta = np.array([TRUTH[n] for n in model.parameter_names])
    vals = clusters(args.objects, rng)
    y = model.simulate(theta, vals, rng)

    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        post = fit(model, vals, y, rng=rng)
    t_fit = time.perf_counter() - t0
    d = post.diagnostics
    print(f"fit: {args.objects} objects, {model.ndim} parameters: {t_fit:.1f} s "
          f"({d['nwalkers']} walkers × {d['n_steps']} steps, max τ = {max(d['tau']):.1f}, "
          f"converged = {d['converged']}; target < 60 s)")
    for w in caught:
        print(f"  warning: {w.message}")
    lo, hi = post.interval()
    cover = np.mean((theta >= lo) & (theta <= hi))
    print(f"  truth inside the 68 % interval for {cover:.0%} of the parameters")

    t0 = time.perf_counter()
    sf = SelectionFunction.from_posterior(post, values=vals, selection=Selection("C1"))
    print(f"grid table {sf.grid.median.shape} from 400 draws: {time.perf_counter() - t0:.2f} s")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sf.h5"
        t0 = time.perf_counter()
        sf.save(path)
        back = SelectionFunction.load(path)
        t_io = time.perf_counter() - t0
        same = (np.array_equal(back.samples, sf.samples)
                and all(np.array_equal(getattr(back.grid, t), getattr(sf.grid, t))
                        for t in ("median", "q16", "q84")))
        print(f"save + load: {t_io:.3f} s ({path.stat().st_size / 1e6:.1f} MB), "
              f"bit-for-bit: {same}")

    n = args.points
    x = clusters(n, rng)
    r_an = rate(lambda: sf(**x), n)
    r_grid = rate(lambda: sf(**x, grid=True), n)
    small = {k: v[: n // 100] for k, v in x.items()}
    r_draws = rate(lambda: sf(**small, draws=100), n)
    print(f"evaluate, posterior-median parameters: {r_an:.3g} points/s (target ≥ 1e6)")
    print(f"evaluate, gridded table (median):     {r_grid:.3g} points/s")
    print(f"evaluate, 100 posterior draws:        {r_draws:.3g} point-draws/s")
    ok = t_fit < 60 and min(r_an, r_grid) >= 1e6
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
