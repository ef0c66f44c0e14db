"""Benchmark: time to simulate one 10 ks pointing (all cameras, default X-CLASS population).

Prints the median and spread of the CPU time per stage (sky draw, X-ray observation, FITS
writing) over N pointings after one warm-up pointing (which loads the compiled kernels and
fills the PSF template caches; its cost is printed too), and the peak resident memory. CPU
time (time.process_time) rather than wall time: on a shared machine the others' load
inflates wall time. Target (issue 2): < 0.5 s per pointing on one core.

    python scripts/bench/simulate.py [N]
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from selfunc.config import SurveyConfig, configs_dir, load_campaign
from selfunc.pointing import draw_pointings, rng_for
from selfunc.sky.draw import draw
from selfunc.xray import observe
from selfunc.xray.fitsio import write_observation, write_truth
from selfunc.campaign.simulate import field_radius


def main(n: int = 20) -> None:
    cfg = load_campaign(configs_dir() / "campaign" / "quickstart.toml")
    survey = SurveyConfig.model_validate(
        {**cfg.survey.model_dump(), "exposures": [10_000.0], "exposure_weights": [1.0]})
    cfg = cfg.model_copy(update={"survey": survey})
    specs = draw_pointings(cfg.survey, n + 1, seed=123)
    times = {"sky": [], "xray": [], "write": [], "total": []}
    n_src = []
    with tempfile.TemporaryDirectory() as tmp:
        for k, spec in enumerate(specs):
            t0 = time.process_time()
            truth = draw(spec, cfg.population, field_radius(cfg), rng_for(spec.seed, spec.id, "sky"))
            t1 = time.process_time()
            obs = observe(spec, truth, cfg.instrument, cfg.population, rng_for(spec.seed, spec.id, "xray"))
            t2 = time.process_time()
            write_observation(obs, Path(tmp) / f"{k}.fits")
            write_truth(obs.truth, Path(tmp) / f"{k}_truth.fits")
            t3 = time.process_time()
            if k == 0:
                print(f"warm-up pointing (compiled kernels, PSF caches): sky + xray {t2 - t0:.2f} s CPU")
                continue
            for key, dt in (("sky", t1 - t0), ("xray", t2 - t1), ("write", t3 - t2), ("total", t3 - t0)):
                times[key].append(dt)
            n_src.append(len(truth))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{n} pointings of 10 ks, {cfg.instrument.npix}^2 pixels x {len(cfg.instrument.cameras)} "
          f"cameras, median {int(np.median(n_src))} sources each")
    for key, vals in times.items():
        v = np.array(vals)
        print(f"  {key:6s} median {np.median(v):.3f} s CPU  (16-84 %: {np.percentile(v, 16):.3f}-"
              f"{np.percentile(v, 84):.3f} s)")
    sim = np.median(np.array(times["sky"]) + np.array(times["xray"]))
    print(f"simulate (sky + xray) per pointing: {sim:.3f} s CPU  -> target 0.5 s: "
          f"{'met' if sim < 0.5 else 'NOT met'} (ratio {sim / 0.5:.2f})")
    print(f"peak resident memory: {peak:.0f} MiB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
