"""Scheduling a campaign's pointings on Dask.

* Local by default: a :class:`distributed.LocalCluster` of ``workers`` single-threaded
  processes (default: one per core), or any running scheduler given by its address
  (``tcp://HOST:PORT``), e.g. one started by dask-jobqueue on an HPC batch system.
* Each task is :func:`selfunc.campaign.simulate.run_pointing`, a pure function of (spec,
  config) that writes its files atomically and its completion record last. Re-running the
  same command finishes only what is missing; stale temporary files of a killed run are
  removed first, and a finished pointing is never read before its record exists.
* Outputs do not depend on the number of workers or the order of completion: every random
  number of a pointing comes from (campaign seed, pointing id, stage).
* Progress (done/total, rate, ETA) goes to the terminal, and every event to
  ``DIR/campaign.log``.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import sys
import shutil
import time
import warnings
from pathlib import Path

from selfunc.campaign.provenance import (check_same_config, resolved_config, stored_config,
                                        write_campaign_toml)
from selfunc.campaign.inject import injection_rows, run_injection
from selfunc.campaign.lock import FolderLock
from selfunc.campaign.screening import stamp_config
from selfunc.rules import Selection
from selfunc.campaign.simulate import is_done, merge, pointing_dir, run_pointing, spec_rows
from selfunc.config.campaign import CampaignConfig
from selfunc.errors import SelfuncError
from selfunc.io import TMP_SUFFIX, atomic_path
from selfunc.pointing import draw_pointings

__all__ = ["run_campaign", "Progress"]


class Progress:
    """A one-line progress bar with rate and ETA (plain lines when not on a terminal)."""

    def __init__(self, total: int, stream=None, width: int = 30):
        self.total, self.stream, self.width = total, stream or sys.stdout, width
        self.done = 0
        self.t0 = time.perf_counter()
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def update(self, message: str = "") -> None:
        self.done += 1
        elapsed = time.perf_counter() - self.t0
        rate = self.done / elapsed * 60.0 if elapsed > 0 else 0.0
        eta = (self.total - self.done) / (rate / 60.0) if rate > 0 else float("inf")
        filled = int(self.width * self.done / max(self.total, 1))
        bar = "#" * filled + "-" * (self.width - filled)
        line = (f"[{bar}] {self.done}/{self.total}  {rate:.1f} pointings/min  "
                f"ETA {_duration(eta)}  {message}")
        if self.tty:
            self.stream.write("\r" + line.ljust(110))
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def _duration(seconds: float) -> str:
    if seconds == float("inf"):
        return "?"
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{s:02d}s"


class _QuietFileHandler(logging.FileHandler):
    """A log line that cannot be written (full disk) is dropped, not printed as a
    traceback: the fault surfaces as one line through the writes that matter."""

    def handleError(self, record):  # noqa: N802 — logging's name
        pass


def _logger(out: Path) -> logging.Logger:
    log = logging.getLogger(f"selfunc.campaign.{out.resolve()}")
    log.setLevel(logging.INFO)
    log.propagate = False
    if not log.handlers:
        h = _QuietFileHandler(out / "campaign.log")
        h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        log.addHandler(h)
    return log


def _remove_stale_temporaries(out: Path) -> int:
    n = 0
    for p in out.rglob(f"*{TMP_SUFFIX}"):
        if p.name.startswith("."):
            p.unlink(missing_ok=True)
            n += 1
    return n


def _client(workers: int | None, scheduler: str | None):
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - a dependency
        raise SelfuncError(f"the campaign engine needs dask.distributed ({exc})") from None
    if scheduler:
        try:
            return Client(scheduler, timeout="20s"), None
        except OSError as exc:
            raise SelfuncError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    n = workers or os.cpu_count() or 1
    import dask.config

    # CRITICAL: a failed pointing is logged once, to campaign.log, and summed up in one
    # line; the workers' own "Compute Failed" tracebacks would bury that line.
    _restore_malloc_environ()
    # The scheduler's HTTP server (health routes, even without a dashboard) moves off port
    # 8787 when another cluster holds it, and says so in a warning that is not ours to print.
    with dask.config.set(WORKER_ENVIRON), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Port .* is already in use")
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.CRITICAL)
    return Client(cluster), cluster


#: The environment of local workers. distributed sets MALLOC_TRIM_THRESHOLD_=65536 in every
#: worker it spawns (``distributed.nanny.pre-spawn-environ``); setting any M_TRIM/M_MMAP
#: variable turns off glibc's dynamic mmap threshold, so every image-sized array of a
#: pointing is mmapped and unmapped afresh, page faults and zeroing included: a 10 ks
#: pointing took 1.65x as long in a worker as in a plain process (issue 16). ``None``
#: leaves the variable unset (glibc's defaults, as in a plain process); the BLAS variables
#: stay at one thread per worker. A variable the user exports is still passed on.
WORKER_ENVIRON = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}

#: The variable as the user started the process (a nanny writes its pre-spawn variables
#: into this process's own environment, which every later worker would inherit).
_USER_MALLOC = os.environ.get("MALLOC_TRIM_THRESHOLD_")


def _restore_malloc_environ() -> None:
    """Undo what an earlier cluster's nannies left in ``os.environ`` (tests and benchmarks
    start several clusters in one process)."""
    if _USER_MALLOC is None:
        os.environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    else:
        os.environ["MALLOC_TRIM_THRESHOLD_"] = _USER_MALLOC


#: errno values of a fault of the place written to, not of one pointing: every other
#: pointing would fail the same way, so the workers are stopped.
_ENVIRONMENT = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM)


def _environment_fault(exc: BaseException, folder: Path) -> str | None:
    """One line for a full disk / read-only / permission error raised in a worker while
    writing into ``folder``."""
    if isinstance(exc, OSError) and exc.errno in _ENVIRONMENT:
        where = exc.filename if exc.filename is not None else folder
        return f"{where}: {exc.strerror}"
    text = str(exc)
    for marker in ("No space left on device", "Not enough space on disk",
                   "Disk quota exceeded", "Read-only file system"):
        if marker in text:  # h5py and astropy wrap the OSError in their own messages
            return f"{folder}: {marker} ({text.splitlines()[0][:200]})"
    return None


def _any_done(out: Path) -> bool:
    return any((out / "pointings").glob("*/done.json"))


def check_stages(cfg: CampaignConfig) -> None:
    """Refuse, before any work, stages that cannot run together."""
    if "fit" in cfg.campaign.stages:  # a bad rule fails here, not after every pointing
        try:
            Selection.from_string(cfg.campaign.selection)
        except SelfuncError as exc:
            raise SelfuncError(f"campaign.selection = {cfg.campaign.selection!r}: {exc}") from None
    if cfg.inject is not None:  # injection campaigns detect only (selfunc.campaign.inject)
        if "volunteers" in cfg.campaign.stages:
            raise SelfuncError("key 'campaign.stages': stage 'volunteers' screens a campaign's "
                               "own candidates; an injection campaign ([inject]) has none to show")
        return
    stages = cfg.campaign.stages
    for stage in ("stamps", "cnn", "volunteers"):
        if stage in stages and "detect" not in stages:
            raise SelfuncError(f"key 'campaign.stages': stage '{stage}' needs the 'detect' "
                               "stage (it screens candidates)")
    if "volunteers" in stages:  # the screen rule picks the subjects: a bad one fails here
        Selection.from_string(cfg.cnn.screen)
    if "stamps" in stages or "cnn" in stages:
        Selection.from_string(cfg.cnn.screen)  # a bad rule fails here, not in every pointing
        if "cnn" not in stages and not cfg.outputs.stamps:
            raise SelfuncError("key 'outputs.stamps' = false: the 'stamps' stage without "
                               "'cnn' would make stamps that nothing keeps or scores")
        scfg = stamp_config(cfg)  # with 'cnn': the model exists and its stamps are ours
        if "optical" in scfg.bands and "optical" not in stages:
            raise SelfuncError(f"key 'campaign.stages': stamps of kind '{scfg.kind}' need "
                               "the 'optical' stage")


def _rules(cfg: CampaignConfig) -> list[tuple[str, str]]:
    """(config key, rule) of every selection rule the campaign applies to candidates."""
    rules = []
    if "fit" in cfg.campaign.stages:
        rules.append(("campaign.selection", cfg.campaign.selection))
    if cfg.inject is None and ("stamps" in cfg.campaign.stages or "cnn" in cfg.campaign.stages):
        rules.append(("cnn.screen", cfg.cnn.screen))
    return rules


def check_rule_columns(cfg: CampaignConfig, candidates: Path) -> None:
    """Refuse a rule naming a column that a pointing's candidate table lacks: checked on the
    first pointing that finishes (the columns depend on the stages and the CNN model), so a
    typo costs one pointing, not the campaign."""
    from astropy.io import fits

    with fits.open(candidates, memmap=False) as hdul:
        have = set(hdul[1].columns.names)
    # the merged catalogue that the fit reads adds 'pointing', and the volunteers' columns
    # where that stage runs (after the merge, so no pointing has them)
    merged = {"pointing"}
    if cfg.inject is None and "volunteers" in cfg.campaign.stages:
        from selfunc.crowd.volunteers import VOLUNTEER_COLUMNS

        merged |= set(VOLUNTEER_COLUMNS)
    for key, rule in _rules(cfg):
        have_here = have | merged if key == "campaign.selection" else have
        missing = [c for c in Selection.from_string(rule).columns if c not in have_here]
        if missing:
            raise SelfuncError(
                f"key '{key}' = {rule!r}: no candidate column '{missing[0]}' (the candidates "
                f"of this campaign have {', '.join(sorted(have))})")


def run_campaign(cfg: CampaignConfig, out, *, workers: int | None = None,
                 scheduler: str | None = None, force: bool = False, stream=None) -> dict:
    """Run every pointing not yet done, then merge the catalogues. Returns a summary."""
    stream = stream or sys.stdout
    out = Path(out)
    check_stages(cfg)
    if out.exists() and not out.is_dir():
        raise SelfuncError(f"{out}: exists and is a file, expected a campaign folder")
    created = [p for p in (out, *out.parents) if not p.exists()]
    before = {n for n in ("campaign.toml", "campaign.log") if (out / n).exists()}
    out.mkdir(parents=True, exist_ok=True)
    try:
        lock = FolderLock(out).acquire()  # refused: another run's folder, left untouched
    except BaseException:
        _remove_folders(created)
        raise
    failure = None
    try:
        return _run_locked(cfg, out, workers, scheduler, force, stream)
    except BaseException as exc:
        failure = exc
        raise
    finally:
        lock.release()
        if failure is not None and not _any_done(out):  # a failed start leaves it as it was
            _remove_stale_temporaries(out)  # of pointings stopped part-way
            keep = set(before)
            if "campaign.log" in str(failure):  # the message sends the user there
                keep.add("campaign.log")
            for name in ("campaign.toml", "campaign.log"):
                if name not in keep:
                    (out / name).unlink(missing_ok=True)
            for d in sorted((out / "pointings").glob("*"), reverse=True):
                if d.is_dir() and not any(d.iterdir()):
                    d.rmdir()
            if (out / "pointings").is_dir() and not any((out / "pointings").iterdir()):
                (out / "pointings").rmdir()
            _remove_folders(created)


def _remove_folders(created: list[Path]) -> None:
    for p in created:  # innermost first; only the folders this run made, if empty
        try:
            p.rmdir()
        except OSError:
            break


#: The campaign's own completion record, written last: what the merge, fit and report
#: were made of. A re-run that finds it matching, with no pointing to do, changes no file.
DONE = "done.json"


def _fingerprint(cfg: CampaignConfig) -> dict:
    config = json.dumps(resolved_config(cfg), sort_keys=True)
    return {"n_pointings": cfg.campaign.n_pointings,
            "config_sha256": hashlib.sha256(config.encode()).hexdigest()}


def _finished(out: Path, cfg: CampaignConfig) -> bool:
    try:
        return json.loads((out / DONE).read_text()) == _fingerprint(cfg)
    except (OSError, ValueError):
        return False


def _check_growth(cfg: CampaignConfig, out: Path) -> None:
    """A campaign grows (more pointings: only the new ones run); it never shrinks, since the
    folder would then hold pointings that its catalogues leave out."""
    n = cfg.campaign.n_pointings
    extra = sorted(int(p.parent.name) for p in (out / "pointings").glob("*/done.json")
                   if p.parent.name.isdigit() and int(p.parent.name) >= n)
    if extra:
        raise SelfuncError(f"key 'campaign.n_pointings' = {n}: {out} holds finished pointings "
                           f"up to {extra[-1]} (a campaign grows, it does not shrink); use "
                           "another --out, or --force")


def _catalogue_meta(cfg: CampaignConfig) -> dict:
    """Provenance carried by each merged catalogue (campaign.toml holds the whole config)."""
    from selfunc import __version__
    from selfunc.campaign.provenance import git_revision

    # of the config without [outputs], which changes no number: the catalogues of the image
    # and of the catalogue mode are the same bytes
    config = {k: v for k, v in resolved_config(cfg).items() if k != "outputs"}
    digest = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()
    return {"CAMPAIGN": cfg.campaign.name, "SEED": cfg.campaign.seed,
            "NPOINTINGS": cfg.campaign.n_pointings, "SELFUNC": __version__,
            "GITREV": git_revision(), "CONFIG_SHA256": digest}


def _run_locked(cfg, out, workers, scheduler, force, stream) -> dict:
    # Nothing finished yet: a corrected config replaces the one of a failed start.
    fresh = force or not _any_done(out)
    changed = check_same_config(cfg, out, fresh)  # [] or the growth keys
    if not fresh:
        _check_growth(cfg, out)
    if force or changed or stored_config(out) is None:  # a resumed run keeps its provenance
        write_campaign_toml(cfg, out)
    log = _logger(out)
    stale = _remove_stale_temporaries(out)
    if stale:
        log.info("removed %d temporary files of an interrupted run", stale)
    if cfg.inject is None:
        n = cfg.campaign.n_pointings
        if n > 5000:  # ~2 ms a pointing: say so rather than look hung
            stream.write(f"drawing {n} pointings (about {n * 0.002:.0f} s)\n")
            stream.flush()
        specs = draw_pointings(cfg.survey, n, cfg.campaign.seed)
        tasks = {s.id: (run_pointing, s) for s in specs}
        rows = spec_rows(specs)
    else:
        ids = list(range(cfg.campaign.n_pointings))
        tasks = {i: (run_injection, i) for i in ids}
        rows = injection_rows(cfg)
    specs = list(tasks)
    had_done = _any_done(out)
    todo = [i for i in specs if force or not is_done(out, i)]
    if not todo and not force and not stale and _finished(out, cfg):
        # Nothing to do: not a byte changes (no log line, no merge, fit or report).
        stream.write(f"{len(specs)} of {len(specs)} pointings already done in {out}; "
                     "nothing to do\n")
        return {"total": len(specs), "run": 0, "failed": [], "seconds": {}, "wall": 0.0}
    (out / DONE).unlink(missing_ok=True)  # written again once all is merged
    log.info("campaign %s: %d pointings, %d to do", cfg.campaign.name, len(specs), len(todo))
    summary = {"total": len(specs), "run": len(todo), "failed": [], "seconds": {},
               "candidates": 0, "unconverged": 0}
    t0 = time.perf_counter()
    if todo:
        from distributed import as_completed

        client, cluster = _client(workers, scheduler)
        discard = False  # set when the first pointing shows a rule naming a missing column
        try:
            n_workers = len(client.scheduler_info()["workers"])
            stream.write(f"{len(todo)} of {len(specs)} pointings to run on {n_workers} Dask "
                         f"worker(s) ({scheduler or 'local cluster'})\n")
            futures = {client.submit(tasks[i][0], tasks[i][1], cfg, str(out),
                                     key=f"pointing-{i}", pure=False): i for i in todo}
            bar = Progress(len(todo), stream)
            checked = False
            for fut in as_completed(futures):
                pid = futures[fut]
                try:
                    rec = fut.result()
                except Exception as exc:  # a failed pointing must not stop the others
                    fault = _environment_fault(exc, pointing_dir(out, pid))
                    log.error("pointing %d failed: %r", pid, exc)
                    if fault is not None:  # ...unless every other one would fail alike
                        client.cancel(list(futures))
                        raise SelfuncError(
                            f"{fault}; stopped the workers; free space or fix the "
                            "permissions, then run the same command again to resume "
                            "(finished pointings are kept)") from None
                    summary["failed"].append(pid)
                    summary.setdefault("first_error", f"pointing {pid}: {exc!r}"[:300])
                    bar.update(f"pointing {pid} FAILED")
                    continue
                cand_file = pointing_dir(out, pid) / "candidates.fits"
                if not checked and cand_file.is_file():
                    checked = True
                    try:
                        check_rule_columns(cfg, cand_file)
                    except SelfuncError:
                        client.cancel(list(futures))
                        discard = not had_done  # a failed start: keep nothing of this run
                        raise
                for k, v in rec["seconds"].items():
                    summary["seconds"][k] = summary["seconds"].get(k, 0.0) + v
                summary["candidates"] += rec.get("n_candidates") or 0
                summary["unconverged"] += rec.get("n_unconverged") or 0
                log.info("pointing %d done in %.2f s: %s; %s candidates, %s fits not converged",
                         pid, sum(rec["seconds"].values()), rec["seconds"],
                         rec.get("n_candidates"), rec.get("n_unconverged"))
                bar.update(f"pointing {pid}")
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
            if discard:  # the workers are gone: nothing writes any more
                for i in todo:
                    shutil.rmtree(pointing_dir(out, i), ignore_errors=True)
    summary["wall"] = time.perf_counter() - t0
    if summary["candidates"]:
        # the detection's budget of model evaluations ran out on these (NUNCONV)
        log.info("%d of %d candidates of the %d pointings run now: fit not converged",
                 summary["unconverged"], summary["candidates"], len(todo))
    if summary["failed"]:
        raise SelfuncError(f"{len(summary['failed'])} pointing(s) failed "
                           f"({', '.join(map(str, summary['failed'][:10]))}; first "
                           f"{summary['first_error']}); see {out / 'campaign.log'}; run the "
                           "same command again to retry them")
    detected = cfg.inject is not None or "detect" in cfg.campaign.stages
    merge(out, rows, detected=detected, meta=_catalogue_meta(cfg))
    log.info("merged catalogues of %d pointings", len(specs))
    if detected and cfg.inject is None and "volunteers" in cfg.campaign.stages:
        # One volunteer pool for the whole campaign, as in a real project: it runs on the
        # merged candidates, so a campaign that grows draws its volunteers afresh.
        from selfunc.campaign.volunteers import campaign_volunteers, summary_line

        table, screening = campaign_volunteers(out, screen=cfg.cnn.screen, seed=cfg.campaign.seed,
                                               allow_empty=True)
        line = summary_line(table, screening)
        stream.write(f"volunteers: {line}\n")
        log.info("volunteers: %s", line)
    fitted = None
    if detected and "fit" in cfg.campaign.stages:
        from selfunc.selection.campaign import FitOptions, fit_campaign

        stream.write(f"fitting the selection function of [{cfg.campaign.selection}]\n")
        fitted = fit_campaign(out, out / "selection.h5",
                              FitOptions(selection=cfg.campaign.selection,
                                         plots=str(out / "plots"), overwrite=True),
                              echo=lambda msg: log.info("fit: %s", msg))
        log.info("selection function written to %s", out / "selection.h5")
    if "report" in cfg.campaign.stages:
        from selfunc.campaign.report import write_report

        path = write_report(out, selection_summary=fitted)
        stream.write(f"report: {path}\n")
    with atomic_path(out / DONE) as tmp:
        tmp.write_text(json.dumps(_fingerprint(cfg)))
    return summary


