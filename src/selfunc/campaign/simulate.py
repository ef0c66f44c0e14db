"""The work of one pointing (a pure function of its spec and the config) and the merge of
all pointings into campaign catalogues. Scheduling lives in :mod:`selfunc.campaign.engine`.

Folder layout::

    DIR/campaign.toml                 resolved config + provenance
    DIR/pointings/00000/xray.fits     images (see selfunc.xray.fitsio), per [outputs] images:
                                      none, combined only, or all cameras
    DIR/pointings/00000/truth.fits    truth table with units (and its match to candidates)
    DIR/pointings/00000/candidates.fits   detected candidates, labelled by the match
                                      (+ p_cluster and class probabilities: stage cnn)
    DIR/pointings/00000/stamps.h5     stamps of the screened candidates (stage stamps,
                                      unless [outputs] stamps = false)
    DIR/pointings/00000/done.json     completion record, written last
    DIR/catalogues/truth.h5, candidates.h5, pointings.h5

A pointing with a completion record is not redone, so re-running a command resumes it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from astropy.table import Table

from selfunc.campaign.provenance import check_same_config, write_campaign_toml
from selfunc.campaign.screening import pointing_stamps, score_stamps
from selfunc.config.campaign import CampaignConfig
from selfunc.detect import run as detect_run
from selfunc.detect.inputs import band_inputs, from_observation
from selfunc.detect.photometry import forced_photometry
from selfunc.io import atomic_path
from selfunc.match import crossmatch
from selfunc.pointing import PointingSpec, draw_pointings, pointing_table, rng_for
from selfunc.sky.draw import draw
from selfunc.stamps.dataset import write_dataset
from selfunc.xray import observe
from selfunc.xray.fitsio import write_observation, write_truth
from selfunc.angles import arcsec_to_arcmin

__all__ = ["simulate_pointing", "detect_pointing", "run_pointing", "field_radius", "unconverged",
           "pointing_dir", "merge", "is_done", "spec_rows", "optical_scene"]


def field_radius(cfg: CampaignConfig) -> float:
    """Radius (arcmin) of the sky disc drawn for a pointing: the image's half-diagonal."""
    inst = cfg.instrument
    return arcsec_to_arcmin(inst.npix * inst.pixel_size) / np.sqrt(2.0)


def pointing_dir(out: Path, pid: int) -> Path:
    return out / "pointings" / f"{pid:05d}"


def simulate_pointing(spec: PointingSpec, cfg: CampaignConfig):
    """The pure function of a pointing: (spec, config) → (truth, observation)."""
    truth = draw(spec, cfg.population, field_radius(cfg), rng_for(spec.seed, spec.id, "sky"))
    obs = observe(spec, truth, cfg.instrument, cfg.population, rng_for(spec.seed, spec.id, "xray"))
    return obs.truth, obs


def detect_pointing(obs, truth, cfg: CampaignConfig):
    """Detection on the combined images (with ``instrument.bands``, forced photometry in the
    sub-bands: :mod:`selfunc.detect.photometry`), then the match with the truth."""
    images, psf = from_observation(obs, cfg.instrument)
    cand = detect_run(images, psf, cfg.detection)
    if getattr(obs, "bands", None):  # instrument.bands: rates in the sub-bands and HR at the detected shapes
        cand = forced_photometry(cand, band_inputs(obs, cfg.instrument), cfg.detection)
    return crossmatch(cand, truth, obs.pixel, cfg.match)


def optical_scene(spec: PointingSpec, truth, cfg: CampaignConfig):
    """The pointing's DSS2-like plate as a scene: its ``truth`` has the optical quantities
    added, and cutouts of it render only what a stamp needs."""
    from selfunc import optical

    mf = cfg.population.mass_function
    return optical.scene(spec, truth, cfg.optical, rng_for(spec.seed, spec.id, "optical"),
                         cosmology=mf.cosmology, relations=mf.scaling)


def unconverged(cand) -> int:
    """Candidates whose fit did not converge (the detection's ``NUNCONV``, else its
    ``converged`` column; 0 for a catalogue with neither)."""
    if "NUNCONV" in cand.meta:
        return int(cand.meta["NUNCONV"])
    if "converged" in cand.colnames:
        return int(np.sum(~np.asarray(cand["converged"], bool)))
    return 0


def is_done(out: Path, pid: int) -> bool:
    return (pointing_dir(out, pid) / "done.json").is_file()


def run_pointing(spec: PointingSpec, cfg: CampaignConfig, out) -> dict:
    """Simulate, detect and write one pointing; the completion record is written last."""
    out = Path(out)
    folder = pointing_dir(out, spec.id)
    t0 = time.perf_counter()
    truth = draw(spec, cfg.population, field_radius(cfg), rng_for(spec.seed, spec.id, "sky"))
    t1 = time.perf_counter()
    seconds = {"sky": t1 - t0}
    obs = observe(spec, truth, cfg.instrument, cfg.population, rng_for(spec.seed, spec.id, "xray"))
    truth = obs.truth  # what simulate_pointing returns, timed per stage
    seconds["xray"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    stages = cfg.campaign.stages
    scene = None
    if "optical" in stages:
        # The plate's catalogue only (richness, BCG, visible members join the truth); the
        # pixels of a cutout are rendered from it when a stamp is needed.
        scene = optical_scene(spec, truth, cfg)
        truth = scene.truth
        seconds["optical"] = time.perf_counter() - t1
        t1 = time.perf_counter()
    n_cand = n_unconv = None
    if "detect" in stages:
        cand, truth = detect_pointing(obs, truth, cfg)
        seconds["detect"] = time.perf_counter() - t1
        n_cand, n_unconv = len(cand), unconverged(cand)
        if "stamps" in stages or "cnn" in stages:
            t1 = time.perf_counter()
            ds = pointing_stamps(cand, obs, scene, cfg, spec.id)
            if cfg.outputs.stamps:
                write_dataset(ds, folder / "stamps.h5")
            seconds["stamps"] = time.perf_counter() - t1
            if "cnn" in stages:
                t1 = time.perf_counter()
                cand = score_stamps(cand, ds, cfg)
                seconds["cnn"] = time.perf_counter() - t1
        with atomic_path(folder / "candidates.fits") as tmp:
            cand.write(tmp, format="fits")
    t2 = time.perf_counter()
    if cfg.outputs.images != "none":
        write_observation(obs, folder / "xray.fits", per_camera=cfg.outputs.images == "all")
    write_truth(truth, folder / "truth.fits")
    seconds["write"] = time.perf_counter() - t2
    record = {"pointing": spec.id, "spec": spec.as_row(), "n_truth": len(truth),
              "n_candidates": n_cand, "n_unconverged": n_unconv, "seconds": seconds}
    with atomic_path(folder / "done.json") as tmp:
        tmp.write_text(json.dumps(record, indent=1))
    return record


def spec_rows(specs: list[PointingSpec]) -> list[dict]:
    rows = []
    for s in specs:
        row = s.as_row()
        row["pointing"] = row.pop("id")
        rows.append(row)
    return rows


def merge(out: Path, rows: list[dict], detected: bool = True, meta: dict | None = None) -> None:
    """Merge per-pointing tables and the pointing table (one dict per pointing, with the
    key ``pointing``) into campaign catalogues, streamed in bounded memory
    (:mod:`selfunc.campaign.merge`); ``meta`` (provenance) goes into each one."""
    from selfunc.campaign.merge import merge_table

    cat = out / "catalogues"
    names = ["truth", "candidates"] if detected else ["truth"]
    for name in names:
        merge_table(out, rows, name, cat / f"{name}.h5", folder=pointing_dir, meta=meta)
    pointings = pointing_table(rows)
    pointings.meta.update(meta or {})
    with atomic_path(cat / "pointings.h5") as tmp:
        pointings.write(tmp, path="pointings", format="hdf5", serialize_meta=True)
