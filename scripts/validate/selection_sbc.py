"""Simulation-based calibration of the completeness fit (acceptance test of the selection issue).

Draws the true parameters of the default completeness model from a prior of plausible
values, simulates detection outcomes of ``--objects`` clusters spread like the quickstart
grid population (log-uniform flux 5e-15–2e-13, core radius 5–120″, 10 or 20 ks, uniform
over a 13′ disc), fits them with emcee, and reports how often the central 68 % interval
covers the truth, per parameter and pooled, with the rank-uniformity KS p-values.
Acceptance: coverage 68 ± 7 % over ≥ 100 replicas.

    .venv/bin/python scripts/validate/selection_sbc.py --replicas 200 --objects 2000 --seed 1

Runs in one process (a few seconds per replica).
"""

from __future__ import annotations

import argparse
import math
import sys
import time

import numpy as np

from selfunc.selection.calibration import calibrate
from selfunc.selection.models import Prior, completeness_model

#: Prior for the truths *and* the fits: the plausible region for an XMM survey.
SBC_PRIORS = {
    "mu0": Prior("normal", 0.0, 0.3),
    "mu_core_radius": Prior("normal", 0.4, 0.2),
    "mu_exposure": Prior("normal", -0.5, 0.2),
    "mu_offaxis": Prior("normal", 0.3, 0.1),
    "lnw0": Prior("normal", math.log(0.15), 0.3),
    "lnw_core_radius": Prior("normal", 0.0, 0.3),
    "lnw_exposure": Prior("normal", 0.0, 0.3),
    "lnw_offaxis": Prior("normal", 0.0, 0.3),
    "amax": Prior("uniform", 0.8, 1.0),
}


def sbc_model():
    return completeness_model(priors=SBC_PRIORS)


def quickstart_like(n: int):
    """Covariate sampler: a new set of n clusters per replica."""
    def draw(rng: np.random.Generator) -> dict:
        return {
            "flux": 10 ** rng.uniform(math.log10(5e-15), math.log10(2e-13), n),
            "core_radius": 10 ** rng.uniform(math.log10(5.0), math.log10(120.0), n),
            "exposure": rng.choice([1e4, 2e4], n),
            "offaxis": 13.0 * np.sqrt(rng.random(n)),
        }
    return draw


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicas", type=int, default=200)
    ap.add_argument("--objects", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-steps", type=int, default=20000)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()

    def progress(i, cov):
        if i % 10 == 0 or i == args.replicas:
            print(f"  {i:4d} replicas, pooled coverage so far {cov:.3f} "
                  f"({time.perf_counter() - t0:.0f} s)", flush=True)

    res = calibrate(sbc_model(), quickstart_like(args.objects), n_replicas=args.replicas,
                    rng=np.random.default_rng(args.seed),
                    fit_kwargs={"max_steps": args.max_steps}, progress=progress)
    print(res.report())
    # The 1e-9 keeps a coverage of exactly 61 % or 75 % (a whole number of replicas) inside.
    ok = np.all(np.abs(res.coverage - 0.68) <= 0.07 + 1e-9)
    pooled_ok = abs(res.pooled_coverage - 0.68) <= 0.07 + 1e-9
    print(f"acceptance (68 ± 7 %): per parameter {'PASS' if ok else 'FAIL'}, "
          f"pooled {'PASS' if pooled_ok else 'FAIL'}")
    return 0 if pooled_ok else 1


if __name__ == "__main__":
    sys.exit(main())
