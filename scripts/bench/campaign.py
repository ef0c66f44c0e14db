"""Benchmark: campaign throughput with 1 and 2 Dask workers, scaling efficiency, stage split.

Runs the same small campaign (N pointings of 10 ks, quickstart population, its per-pointing
stages: sky, xray, optical, detect, stamps, cnn; the campaign-level fit and report are left
out) twice in fresh folders, with 1 and with 2 local workers, and prints pointings per
minute, the scaling efficiency rate(2) / (2 · rate(1)) (target ≥ 80 %), and the time per
stage summed over the pointings. Worker start-up (and each worker's first TensorFlow import)
is included, as a user sees it. Run it on an otherwise idle machine.

    python scripts/bench/campaign.py [N]
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from pathlib import Path

from selfunc.campaign import run_campaign
from selfunc.config import SurveyConfig, configs_dir, load_campaign


def main(n: int = 24) -> None:
    cfg = load_campaign(configs_dir() / "campaign" / "quickstart.toml")
    survey = SurveyConfig.model_validate(
        {**cfg.survey.model_dump(), "exposures": [10_000.0], "exposure_weights": [1.0]})
    stages = tuple(st for st in cfg.campaign.stages if st not in ("fit", "report"))
    cfg = cfg.model_copy(update={"survey": survey, "campaign": cfg.campaign.model_copy(
        update={"n_pointings": n, "stages": stages})})
    rates = {}
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            summary = run_campaign(cfg, Path(tmp) / "c", workers=workers, stream=io.StringIO())
            wall = time.perf_counter() - t0
        rates[workers] = n / wall * 60.0
        split = summary["seconds"]
        total = sum(split.values())
        parts = ", ".join(f"{k} {v / n:.2f} s ({100 * v / total:.0f} %)" for k, v in split.items())
        print(f"{workers} worker(s): {n} pointings in {wall:.1f} s -> {rates[workers]:.1f} "
              f"pointings/min; per pointing: {parts}")
    eff = rates[2] / (2 * rates[1])
    print(f"scaling efficiency 1 -> 2 workers: {100 * eff:.0f} % (target >= 80 %: "
          f"{'met' if eff >= 0.8 else 'NOT met'})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 24)
