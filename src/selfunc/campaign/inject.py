"""Injection campaigns: simulated clusters in real images, detected and matched.

Realisation ``i`` of a campaign with an ``[inject]`` section draws its clusters from the
population's grid ranges with ``rng_for(seed, i, "sky")``, places them in the well-exposed
part of the real image, adds their Poisson counts (``rng_for(seed, i, "xray")``), runs the
detection on the result with the real exposure and background maps, and matches the
candidates with the injected truth only (real sources are not in the truth, so a
candidate that is not an injected cluster is labelled ``other``: purity has no meaning
here, completeness does).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from astropy.table import Table

from selfunc.campaign.simulate import pointing_dir, unconverged
from selfunc.config.campaign import CampaignConfig
from selfunc.detect import run as detect_run
from selfunc.detect.inputs import read_images
from selfunc.io import atomic_path
from selfunc.match import crossmatch
from selfunc.pointing import rng_for
from selfunc.sky.draw import TRUTH_UNITS, clusters
from selfunc.xray.inject import inject_sources

__all__ = ["run_injection", "injection_rows"]


def _positions(images, psf, cfg, rng, n):
    inj = cfg.inject
    e = images.exposure
    ok = (e >= inj.min_exposure_fraction * e.max()) & (
        psf.offaxis(*np.meshgrid(np.arange(e.shape[1]), np.arange(e.shape[0]))) <= inj.max_offaxis)
    ys, xs = np.nonzero(ok)
    if len(xs) == 0:
        raise ValueError("no pixel of the exposure map is well exposed enough to inject into")
    taken, out = [], []
    sep_pix = inj.min_separation / psf.pixel
    for _ in range(n):
        for _attempt in range(1000):
            k = rng.integers(len(xs))
            p = (xs[k] + rng.uniform(-0.5, 0.5), ys[k] + rng.uniform(-0.5, 0.5))
            if all(np.hypot(p[0] - q[0], p[1] - q[1]) >= sep_pix for q in taken):
                break
        else:
            raise ValueError(f"cannot place {n} clusters {inj.min_separation}\" apart")
        taken.append(p)
        out.append(p)
    return np.array(out)


def run_injection(index: int, cfg: CampaignConfig, out) -> dict:
    out = Path(out)
    inj = cfg.inject
    t0 = time.perf_counter()
    images, psf = read_images(inj.counts, inj.exposure, inj.background, camera=inj.camera,
                              energy=cfg.instrument.effective_energy,
                              instrument=cfg.instrument)
    rng_sky = rng_for(cfg.campaign.seed, index, "sky")
    grid = cfg.population.grid.model_copy(update={"n_per_pointing": inj.n_clusters})
    pop = cfg.population.model_copy(update={"grid": grid, "mode": "grid"})
    cl = clusters(pop, rng_sky, 0.0)
    xy = _positions(images, psf, cfg, rng_sky, inj.n_clusters)
    ra, dec = images.wcs.celestial.pixel_to_world_values(xy[:, 0], xy[:, 1])
    truth = Table(dict(id=np.arange(inj.n_clusters), kind=np.full(inj.n_clusters, "cluster"),
                       group=np.arange(inj.n_clusters), spectrum=np.full(inj.n_clusters, "cluster"),
                       ra=ra, dec=dec, x=xy[:, 0], y=xy[:, 1],
                       flux=cl["flux"], core_radius=cl["core_radius"],
                       beta=np.full(inj.n_clusters, pop.beta), redshift=cl["redshift"],
                       mass=cl["mass"], temperature=cl["temperature"],
                       luminosity=cl["luminosity"]))
    truth["offaxis"] = psf.offaxis(truth["x"], truth["y"])
    counts, _, expected = inject_sources(truth, images.counts, images.exposure,
                                         cameras=psf.cameras, pixel=psf.pixel, axis=psf.axis,
                                         instrument=cfg.instrument, truncation=pop.truncation,
                                         rng=rng_for(cfg.campaign.seed, index, "xray"))
    truth["counts_expected"] = expected
    for name in ("ra", "dec", "flux", "core_radius", "mass", "temperature", "luminosity"):
        truth[name].unit = TRUTH_UNITS[name]
    t1 = time.perf_counter()
    injected = type(images)(counts, images.exposure, images.background, images.wcs)
    cand = detect_run(injected, psf, cfg.detection)
    cand, truth = crossmatch(cand, truth, psf.pixel, cfg.match)
    t2 = time.perf_counter()
    folder = pointing_dir(out, index)
    with atomic_path(folder / "candidates.fits") as tmp:
        cand.write(tmp, format="fits")
    with atomic_path(folder / "truth.fits") as tmp:
        truth.write(tmp, format="fits")
    record = {"pointing": index, "image": inj.counts, "n_truth": len(truth),
              "n_candidates": len(cand), "n_unconverged": unconverged(cand),
              "seconds": {"inject": t1 - t0, "detect": t2 - t1, "write": time.perf_counter() - t2}}
    with atomic_path(folder / "done.json") as tmp:
        tmp.write_text(json.dumps(record, indent=1))
    return record


def injection_rows(cfg: CampaignConfig) -> list[dict]:
    """The pointing table of an injection campaign: one row per realisation."""
    from astropy.io import fits

    h = fits.getheader(cfg.inject.counts, 0)
    return [{"pointing": i, "image": cfg.inject.counts, "exposure": float(h.get("EXPOSURE", np.nan)),
             "date": str(h.get("DATE-OBS", "")), "n_injected": cfg.inject.n_clusters}
            for i in range(cfg.campaign.n_pointings)]
