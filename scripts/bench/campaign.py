"""Benchmark: a survey campaign's pointings inside Dask workers (issue 16).

Runs N pointings of sims/xclass.toml (10 ks only, realistic population, every per-pointing
stage through ``cnn``, catalogue mode as that file defines it; the campaign-level fit and
report left out) on a local cluster of 1 and of 2 single-threaded workers, each with the
worker environment selfunc uses (MALLOC_TRIM_THRESHOLD_ unset) and with distributed's default
(MALLOC_TRIM_THRESHOLD_=65536), in interleaved rounds. Prints, per run:

* the time per pointing inside a worker (median and mean of the stage times each pointing
  records; a worker's first pointing pays TensorFlow's import and the model load, the median
  leaves it out), its CPU time, and the split per stage (medians);
* pointings/min from the wall time, which includes worker start-up, the scheduler's
  per-task cost (wall x workers - the pointings' own time, per pointing) and the scaling
  efficiency rate(2) / (2 rate(1));
* bytes written per pointing and the workers' peak RSS;

then the projection for an X-CLASS-size campaign (sims/xclass_full.toml: 4,176 x 10
pointings) on this machine and on a 100-worker dask-jobqueue cluster.

    python scripts/bench/campaign.py [N] [--rounds R] [--workers 1,2]

On a shared machine the numbers are noisy: run it when the machine is otherwise idle, and
read the interleaved rounds side by side.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import dask.config

from selfunc.campaign.engine import WORKER_ENVIRON, _restore_malloc_environ
from selfunc.campaign.simulate import run_pointing
from selfunc.config import SurveyConfig, load_campaign
from selfunc.pointing import draw_pointings

SIMS = Path(__file__).resolve().parents[2] / "sims"
DISTRIBUTED_DEFAULT = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": 65536}
FULL = 4176 * 10


def campaign_config(n: int):
    cfg = load_campaign(SIMS / "xclass.toml")
    survey = SurveyConfig.model_validate(
        {**cfg.survey.model_dump(), "exposures": [10_000.0], "exposure_weights": [1.0]})
    stages = tuple(st for st in cfg.campaign.stages if st not in ("fit", "report"))
    return cfg.model_copy(update={"survey": survey, "campaign": cfg.campaign.model_copy(
        update={"n_pointings": n, "stages": stages})})


def timed_pointing(spec, cfg, out) -> dict:
    """run_pointing, and the CPU seconds it took in the worker: on a machine shared with
    others, CPU time shows the pointing's own cost where wall time shows the contention."""
    t0 = time.process_time()
    rec = run_pointing(spec, cfg, out)
    return {**rec, "cpu": time.process_time() - t0}


def _peak_rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run(cfg, workers: int, environ: dict) -> dict:
    from distributed import Client, LocalCluster, wait

    specs = draw_pointings(cfg.survey, cfg.campaign.n_pointings, cfg.campaign.seed)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        _restore_malloc_environ()  # a previous run's nannies left theirs in os.environ
        with dask.config.set(environ):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
        client = Client(cluster)
        try:
            env = client.run(lambda: __import__("os").environ.get("MALLOC_TRIM_THRESHOLD_"))
            futures = [client.submit(timed_pointing, s, cfg, tmp, key=f"p-{s.id}", pure=False)
                       for s in specs]
            wait(futures)
            records = [f.result() for f in futures]
            wall = time.perf_counter() - t0
            rss = client.run(_peak_rss_mib)
        finally:
            client.close()
            cluster.close()
        sizes = [sum(f.stat().st_size for f in (Path(tmp) / "pointings" / f"{s.id:05d}").iterdir())
                 for s in specs]
    per = [sum(r["seconds"].values()) for r in records]
    cpu = [r["cpu"] for r in records]
    stages = {}
    for r in records:
        for k, v in r["seconds"].items():
            stages.setdefault(k, []).append(v)
    return {"workers": workers, "env": sorted(set(env.values()), key=str), "wall": wall,
            "rate": len(specs) / wall * 60.0, "median": statistics.median(per),
            "mean": statistics.fmean(per), "cpu_median": statistics.median(cpu),
            "stages": {k: statistics.median(v) for k, v in stages.items()},
            "overhead": (wall * workers - sum(per)) / len(specs),
            "bytes": statistics.fmean(sizes), "rss_mib": max(rss.values()),
            "unconverged": sum(r.get("n_unconverged") or 0 for r in records),
            "candidates": sum(r.get("n_candidates") or 0 for r in records)}


def show(res: dict) -> None:
    split = ", ".join(f"{k} {v:.2f}" for k, v in res["stages"].items())
    print(f"{res['workers']} worker(s), MALLOC_TRIM_THRESHOLD_={res['env']}: "
          f"{res['rate']:.1f} pointings/min (wall {res['wall']:.0f} s); per pointing in a "
          f"worker: median {res['median']:.2f} s, mean {res['mean']:.2f} s, CPU median "
          f"{res['cpu_median']:.2f} s [{split}]; "
          f"scheduler + start-up {res['overhead']:.2f} s/pointing; {res['bytes'] / 1e3:.0f} kB "
          f"a pointing; peak RSS {res['rss_mib']:.0f} MiB a worker; "
          f"{res['unconverged']}/{res['candidates']} fits not converged", flush=True)


def projection(best: dict, eff: float) -> None:
    t, b, rss = best["median"], best["bytes"], best["rss_mib"]
    print(f"\nprojection, {FULL} pointings (sims/xclass_full.toml), from {t:.2f} s a pointing "
          f"in one worker, {b / 1e3:.0f} kB a pointing, {rss:.0f} MiB a worker:")
    for where, n, e in (("this machine, 2 workers", 2, eff), ("100 dask-jobqueue workers", 100, 0.9)):
        hours = FULL * t / (n * e) / 3600
        print(f"  {where}: {hours:.1f} h (scaling efficiency {100 * e:.0f} %), "
              f"{n * rss / 1024:.1f} GiB of worker memory, {FULL * b / 1e9:.1f} GB on disk")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", nargs="?", type=int, default=12)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--both-environ", action="store_true",
                    help="also run with distributed's MALLOC_TRIM_THRESHOLD_=65536")
    args = ap.parse_args()
    cfg = campaign_config(args.n)
    envs = [WORKER_ENVIRON] + ([DISTRIBUTED_DEFAULT] if args.both_environ else [])
    results = []
    for _ in range(args.rounds):
        for workers in map(int, args.workers.split(",")):
            for environ in envs:
                res = run(cfg, workers, environ)
                show(res)
                results.append(res)
    ours = [r for r in results if r["env"] == [None]]
    one = [r for r in ours if r["workers"] == 1]
    two = [r for r in ours if r["workers"] == 2]
    eff = 1.0
    if one and two:
        eff = statistics.fmean(r["rate"] for r in two) / (2 * statistics.fmean(r["rate"] for r in one))
        print(f"scaling efficiency 1 -> 2 workers (wall rates): {100 * eff:.0f} % (target >= 85 %)")
    if one:
        projection(min(one, key=lambda r: r["median"]), min(eff, 1.0))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
