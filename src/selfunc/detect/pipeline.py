"""The XAmin-like detection stage: filter, extract, characterise, classify.

``run(images, psf, cfg)`` works on any image with counts, exposure and background maps
(simulated or real XMM products) and returns the candidate catalogue as an
:class:`astropy.table.Table` (columns in ``docs/catalogues.md``).
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import sep
from threadpoolctl import threadpool_limits
from astropy.table import Table
from astropy.wcs import WCS

from selfunc.config.models import DetectionConfig
from selfunc.detect import wavelet
from selfunc.detect.bright import bright_masks
from selfunc.detect.characterise import Candidate, characterise
from selfunc.detect.classes import classify
from selfunc.detect.psfmodel import PsfModel
from selfunc.angles import arcsec_to_arcmin

__all__ = ["DetectionImages", "run", "extract", "OFFAXIS_MARGIN"]

#: arcmin beyond ``max_offaxis`` within which extracted candidates are still fitted.
OFFAXIS_MARGIN = 1.0


@dataclasses.dataclass(frozen=True, eq=False)
class DetectionImages:
    counts: np.ndarray
    exposure: np.ndarray  # s
    background: np.ndarray  # expected background counts per pixel
    wcs: WCS | None = None

    def __post_init__(self):
        shapes = {self.counts.shape, self.exposure.shape, self.background.shape}
        if len(shapes) != 1:
            raise ValueError(f"counts, exposure and background differ in shape: {shapes}")


def extract(filtered: np.ndarray, background: np.ndarray, cfg: DetectionConfig,
            valid: np.ndarray | None = None) -> np.ndarray:
    """sep (SExtractor as a library) on the wavelet-filtered image.

    The threshold is ``extract_threshold`` times the local background counts per pixel
    (the background map smoothed over ~8 pixels, floored at a tenth of its median so
    that chip edges do not open holes). A fixed threshold in counts lets every source's
    footprint grow in proportion to the exposure: at 100 ks the footprints of a deep
    field touch and sep returns a few large blends, capping the catalogue at ~100
    sources whatever the depth. Relative to the background, the footprint of a source of
    given flux is the same at every depth. Objects with a non-finite centroid (sep
    returns those for degenerate footprints) are dropped here, not silently by a later
    comparison.
    """
    data = np.ascontiguousarray(filtered, dtype=np.float64)
    b = wavelet.smooth(wavelet.smooth(np.asarray(background, float), 0), 1)
    ok = b[valid] if valid is not None and valid.any() else b.ravel()
    floor = 0.1 * float(np.median(ok)) if ok.size and np.median(ok) > 0 else 1e-6
    err = np.ascontiguousarray(np.maximum(b, floor))
    sep.set_extract_pixstack(2_000_000)
    objs = sep.extract(data, cfg.extract_threshold, err=err, minarea=cfg.sep_minarea,
                       deblend_nthresh=cfg.deblend_nthresh, deblend_cont=cfg.deblend_cont,
                       filter_kernel=None, clean=False)
    return objs[np.isfinite(objs["x"]) & np.isfinite(objs["y"])]


def run(images: DetectionImages, psf: PsfModel, cfg: DetectionConfig = DetectionConfig(),
        timings: dict | None = None) -> Table:
    """Detect, characterise and classify; see the module docstring."""
    # The fits multiply many tiny matrices: BLAS threads only fight over them (measured
    # 100x slower with two threads on two busy cores), so the stage runs single-threaded.
    with threadpool_limits(limits=1, user_api="blas"):
        return _run(images, psf, cfg, timings)


def _run(images, psf, cfg, timings):
    t0 = time.perf_counter()
    valid = images.exposure > 0
    filtered = wavelet.filter_image(images.counts, images.background, n_scales=cfg.n_scales,
                                    first_scale=cfg.first_scale,
                                    epsilon=cfg.false_detection_rate,
                                    iterations=cfg.iterations, valid=valid,
                                    method=cfg.threshold_method)
    t1 = time.perf_counter()
    objs = extract(filtered, images.background, cfg, valid)
    theta = psf.offaxis(objs["x"], objs["y"]) if len(objs) else np.array([])
    # Candidates a little beyond the cut are fitted too (as neighbours of those inside, and
    # because the fit moves positions); the cut itself is applied to the fitted positions
    # (in _table): a cut on extraction centroids let a C1 out at 13.9' with max_offaxis 13'.
    objs = objs[theta <= cfg.max_offaxis + OFFAXIS_MARGIN]
    cands = [Candidate(x=float(o["x"]), y=float(o["y"]), flux=float(o["flux"]),
                       size=float(np.sqrt(max(o["a"] * o["b"], 0.0))), angle=float(o["theta"]))
             for o in objs]
    t2 = time.perf_counter()
    cands = characterise(images, cands, psf, cfg)
    t3 = time.perf_counter()
    table = _table(images, [c for c in cands if c.row is not None], psf, cfg)
    if timings is not None:
        timings.update(filter=t1 - t0, extract=t2 - t1, fit=t3 - t2,
                       classify=time.perf_counter() - t3, n_extracted=len(cands))
    return table


_COLUMNS = ("x", "y", "x_err", "y_err", "det_ml", "ext", "ext_err", "ext_ml", "ext_det_ml",
            "dbl_ml", "pe_ext", "pe_ext_err", "pe_counts_ext", "pe_counts_ext_err",
            "pe_ext_ml", "pe_pnt_ml", "counts_point", "counts_point_err", "counts_ext",
            "counts_ext_err", "e_ref", "characterised", "converged")


def _table(images, cands, psf: PsfModel, cfg: DetectionConfig) -> Table:
    rows = [c.row for c in cands if c.row["det_ml"] >= cfg.keep_det_ml
            and psf.offaxis(c.row["x"], c.row["y"]) <= cfg.max_offaxis]
    t = Table({k: np.array([r[k] for r in rows], dtype=bool if k in ("characterised", "converged") else float)
               for k in _COLUMNS})
    t.add_column(np.arange(len(t), dtype=np.int64), name="cand_id", index=0)
    ix = np.clip(np.round(t["x"]).astype(int), 0, images.counts.shape[1] - 1)
    iy = np.clip(np.round(t["y"]).astype(int), 0, images.counts.shape[0] - 1)
    t["offaxis"] = psf.offaxis(t["x"], t["y"])
    t["exposure"] = images.exposure[iy, ix]
    t["background"] = images.background[iy, ix] / arcsec_to_arcmin(psf.pixel) ** 2 / np.maximum(t["exposure"], 1e-9)
    e_ref = np.maximum(np.asarray(t["e_ref"]), 1e-9)
    t["rate_point"] = t["counts_point"] / e_ref
    t["rate_point_err"] = t["counts_point_err"] / e_ref
    t["rate_ext"] = t["counts_ext"] / e_ref
    t["rate_ext_err"] = t["counts_ext_err"] / e_ref
    flags = classify(t, cfg)
    # Bright point sources (the fitted ones just outside the analysis radius included)
    # mask the wings where their PSF model is not good enough (detect/bright.py).
    bright = [c.row for c in cands if c.row["det_ml"] >= cfg.keep_det_ml
              and not (c.row["ext"] > cfg.c2_ext and c.row["ext_ml"] > cfg.c2_ext_ml)]
    bx = np.array([r["x"] for r in bright])
    by = np.array([r["y"] for r in bright])
    bix = np.clip(np.round(bx).astype(int), 0, images.counts.shape[1] - 1)
    biy = np.clip(np.round(by).astype(int), 0, images.counts.shape[0] - 1)
    valid = (images.exposure > 0) & (psf.offaxis(*np.meshgrid(
        np.arange(images.counts.shape[1]), np.arange(images.counts.shape[0]))) <= cfg.max_offaxis)
    discs, mask = bright_masks(bx, by, [r["counts_point"] for r in bright],
                               images.background[biy, bix] if len(bright) else [], psf,
                               cfg.bright_mask_level, images.counts.shape, valid)
    masked = np.zeros(len(t), bool)
    for xd, yd, rd in discs:
        d = np.hypot(np.asarray(t["x"]) - xd, np.asarray(t["y"]) - yd)
        masked |= (d <= rd) & (d > 0.5)  # not the source itself
    t["near_bright"] = masked
    for name in ("C1", "C2", "AC"):
        flags[name] = flags[name] & ~masked
    t.meta["MASKAREA"] = float(mask.sum() * arcsec_to_arcmin(psf.pixel) ** 2)
    t.meta["NUNCONV"] = int(np.sum(~np.asarray(t["converged"], bool)))
    for name, values in flags.items():
        t[name] = values
    # The cluster's own parameters: those of the β-model, or, where a central point
    # source is detected (AC), of the extended component of the point+extended fit — a
    # β-model alone absorbs the point source (rate 1.5x, r_c 0.2x the truth for bright
    # central AGN, issue 14).
    ac = flags["AC"]
    t["rate_cluster"] = np.where(ac, t["pe_counts_ext"] / e_ref, t["rate_ext"])
    t["rate_cluster_err"] = np.where(ac, t["pe_counts_ext_err"] / e_ref, t["rate_ext_err"])
    t["rc_cluster"] = np.where(ac, t["pe_ext"], t["ext"])
    t["rc_cluster_err"] = np.where(ac, t["pe_ext_err"], t["ext_err"])
    extended = flags["C1"] | flags["C2"]
    t["rate"] = np.where(extended, t["rate_cluster"], t["rate_point"])
    t["rate_err"] = np.where(extended, t["rate_cluster_err"], t["rate_point_err"])
    if images.wcs is not None and len(t):
        ra, dec = images.wcs.celestial.pixel_to_world_values(t["x"], t["y"])
        t["ra"], t["dec"] = ra, dec
    else:
        t["ra"] = np.full(len(t), np.nan)
        t["dec"] = np.full(len(t), np.nan)
    for col, unit in (("ext", "arcsec"), ("ext_err", "arcsec"), ("pe_ext", "arcsec"),
                      ("pe_ext_err", "arcsec"), ("rc_cluster", "arcsec"), ("rc_cluster_err", "arcsec"),
                      ("rate_cluster", "1/s"), ("rate_cluster_err", "1/s"),
                      ("offaxis", "arcmin"), ("exposure", "s"), ("rate", "1/s"),
                      ("rate_err", "1/s"), ("rate_point", "1/s"), ("rate_ext", "1/s"),
                      ("rate_point_err", "1/s"), ("rate_ext_err", "1/s"),
                      ("background", "1/(s arcmin2)"), ("ra", "deg"), ("dec", "deg")):
        t[col].unit = unit
    t.remove_column("e_ref")
    return t
