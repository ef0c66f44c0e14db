"""Benchmark: detection time for one simulated 10 ks pointing, split per step.

Simulates N pointings of the quickstart population at 10 ks (one warm-up first, which
calibrates the wavelet thresholds, compiles the kernels and fills caches) and prints the
median time of each step of ``selfunc.detect.run``, and the CPU time of the whole (on a
shared machine wall time also counts the others' load; CPU time much less so). Floor
(issue 14): 1.7 s per pointing, the detection's time before the issue's fixes.

    python scripts/bench/detect.py [N]
"""

from __future__ import annotations

import sys
import time

import numpy as np

from selfunc.campaign.simulate import simulate_pointing
from selfunc.config import SurveyConfig, configs_dir, load_campaign
from selfunc.detect import run
from selfunc.detect.inputs import from_observation
from selfunc.pointing import draw_pointings


FLOOR = 1.7  # s per 10 ks pointing (issue 14: at most 10 % slower)


def main(n: int = 10) -> None:
    cfg = load_campaign(configs_dir() / "campaign" / "quickstart.toml")
    survey = SurveyConfig.model_validate(
        {**cfg.survey.model_dump(), "exposures": [10_000.0], "exposure_weights": [1.0]})
    cfg = cfg.model_copy(update={"survey": survey})
    rows = []
    for k, spec in enumerate(draw_pointings(cfg.survey, n + 1, seed=77)):
        _, obs = simulate_pointing(spec, cfg)
        images, psf = from_observation(obs, cfg.instrument)
        tm: dict = {}
        t0, c0 = time.perf_counter(), time.process_time()
        cat = run(images, psf, cfg.detection, timings=tm)
        tm["total"] = time.perf_counter() - t0
        tm["cpu"] = time.process_time() - c0
        tm["n_candidates"] = len(cat)
        if k == 0:
            print(f"warm-up (wavelet threshold calibration, caches): {tm['total']:.2f} s")
            continue
        rows.append(tm)
    print(f"{n} pointings of 10 ks, {cfg.instrument.npix}^2 pixels, detection within "
          f"{cfg.detection.max_offaxis}'")
    for key in ("filter", "extract", "fit", "classify", "total", "cpu"):
        v = np.array([r[key] for r in rows])
        print(f"  {key:9s} median {np.median(v):.3f} s  (max {v.max():.3f} s)")
    print(f"  extracted {np.median([r['n_extracted'] for r in rows]):.0f}, kept "
          f"{np.median([r['n_candidates'] for r in rows]):.0f} candidates (medians)")
    med = np.median([r["total"] for r in rows])
    cpu = np.median([r["cpu"] for r in rows])
    print(f"median detection time {med:.2f} s wall, {cpu:.2f} s CPU per pointing; "
          f"ratio to the 1.7 s floor {med / FLOOR:.2f} (wall), {cpu / FLOOR:.2f} (CPU)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
