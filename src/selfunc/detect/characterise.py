"""Maximum-likelihood characterisation of candidates (the second stage of XAmin).

Every candidate is first fitted as a point source on a stamp of radius ``point_radius``;
candidates with DET_ML ≥ ``characterise_det_ml`` are then fitted, on a stamp of radius
``extended_radius`` (up to 3 r_c + point radius), with the point and extended models of
:mod:`selfunc.detect.likelihood`, and those with EXT_ML ≥ ``secondary_ext_ml`` also with
the double and point+extended models (a source that one point describes well cannot be a
pair or an AC cluster; their statistics are 0 otherwise). Brighter neighbours enter the background of a stamp as
fixed models (their best fit so far), so each candidate is fitted "together" with its
neighbours in the simplest sense.

Statistics (all Cash differences C_a − C_b = 2·ln(L_b/L_a), on the same stamp):

=============  ========================================  ================================
column         definition                                Faccioli+18 Table 8 name
=============  ========================================  ================================
``det_ml``     C_background − C_point                    PNT_DET_STAT
``ext_det_ml`` C_background − C_extended                 EXT_DET_STAT
``ext_ml``     max(C_point − C_extended, 0)              EXT_STAT
``dbl_ml``     max(C_point − C_double, 0)                DBL_STAT
``pe_ext_ml``  max(C_point − C_point+extended, 0)        EXT_STAT_EXT
``pe_pnt_ml``  max(C_extended − C_point+extended, 0)     EXT_STAT_PNT
``ext``        β-model core radius (″) if ext_ml > 0     EXT
``pe_ext``     core radius of the point+extended fit     EPN_EXT
=============  ========================================  ================================

XAmin's own statistics are likelihood ratios of the same models (Pacaud et al. 2006), so
the Table-8 thresholds are applied to these columns; with 1 (point → extended) or 3
(point → double) extra parameters, EXT_STAT > 33 is a ≈6σ preference for extent.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from selfunc.config.models import DetectionConfig
from selfunc.detect import likelihood as lk
from selfunc.profiles.mge import beta_mge
from selfunc.detect.psfmodel import PsfModel
from selfunc.detect.stamps import mixture_image

__all__ = ["Candidate", "characterise"]


@dataclasses.dataclass
class Candidate:
    x: float
    y: float
    flux: float  # counts in the filtered image (start value)
    size: float  # pixels, sqrt(a·b) of the filtered-image blob
    angle: float  # radians, blob orientation
    row: dict = dataclasses.field(default_factory=dict)
    model: np.ndarray | None = None  # best-fit source counts on its stamp
    origin: tuple[int, int] = (0, 0)


def _cut(image, x0, y0, half):
    ny, nx = image.shape
    xa, ya = max(int(round(x0)) - half, 0), max(int(round(y0)) - half, 0)
    xb, yb = min(int(round(x0)) + half + 1, nx), min(int(round(y0)) + half + 1, ny)
    return image[ya:yb, xa:xb], xa, ya


class _Neighbours:
    """The current best models of all candidates, as one image."""

    def __init__(self, shape):
        self.image = np.zeros(shape)

    def remove(self, cand: Candidate):
        if cand.model is not None:
            self._add(cand.model, cand.origin, -1.0)
            cand.model = None

    def set(self, cand: Candidate, model, origin):
        if cand.model is not None:
            self._add(cand.model, cand.origin, -1.0)
        cand.model, cand.origin = model, origin
        self._add(model, origin, 1.0)

    def _add(self, model, origin, sign):
        xa, ya = origin
        self.image[ya:ya + model.shape[0], xa:xa + model.shape[1]] += sign * model

    def others(self, cand: Candidate, xa, ya, shape):
        out = self.image[ya:ya + shape[0], xa:xa + shape[1]].copy()
        if cand.model is not None:
            cx, cy = cand.origin
            h, w = cand.model.shape
            # Remove the candidate's own model where the two regions overlap.
            x0, y0 = max(xa, cx), max(ya, cy)
            x1, y1 = min(xa + shape[1], cx + w), min(ya + shape[0], cy + h)
            if x0 < x1 and y0 < y1:
                out[y0 - ya:y1 - ya, x0 - xa:x1 - xa] -= cand.model[y0 - cy:y1 - cy, x0 - cx:x1 - cx]
        return np.maximum(out, 0.0)


#: A neighbour's model is drawn out to where it falls below this fraction of the local
#: background per pixel (or to the image edge), not only on its fitting stamp.
WING_FRACTION = 0.01


def _wide_model(images, st, fit):
    """The fitted source's counts over the region where they matter, with its origin.

    The King wings are heavy (~10 % of a point source's counts beyond 1′, xray/psf.py):
    drawn on the 35″ fitting stamp alone, a bright source leaves its wings in the
    "background" of every fainter candidate around it, where they look like extended
    emission (35 spurious C1 around one 5×10⁻¹¹ star, issue 14). The model is therefore
    drawn, with the exposure map, out to the radius where it falls below WING_FRACTION
    of the local background.
    """
    if fit.model == "extended":
        w = st._ext_w
        sig = np.sqrt(st._ext_s_psf**2 + (fit["rc"] * st._ext_s_beta) ** 2)
    else:
        w, sig = st.psf.weights, st.psf.sigma
    a = fit["a"]
    x, y = fit["x"] + st.x0, fit["y"] + st.y0
    b = float(np.median(st.background[st.mask])) if st.mask.any() else 0.0
    ny, nx = images.counts.shape
    r = np.arange(0, max(nx, ny) + 1.0, 4.0)
    dens = a * np.sum(w / (2 * np.pi * sig**2) * np.exp(-0.5 * (r[:, None] / sig) ** 2), axis=1)
    below = np.nonzero(dens < WING_FRACTION * max(b, 1e-6))[0]
    half = int(r[below[0]]) if below.size else int(r[-1])
    half = max(half, max(st.counts.shape) // 2)
    xa, ya = max(int(round(x)) - half, 0), max(int(round(y)) - half, 0)
    xb, yb = min(int(round(x)) + half + 1, nx), min(int(round(y)) + half + 1, ny)
    if (xa, ya) == (st.x0, st.y0) and (yb - ya, xb - xa) == st.counts.shape:
        return fit.image, (st.x0, st.y0)
    erel = images.exposure[ya:yb, xa:xb] / st.e_ref
    img = a * erel * mixture_image(w, sig, x - xa, y - ya, (yb - ya, xb - xa))
    return img, (xa, ya)


#: DET_ML a point-like candidate inside the extent of an extended source must reach to be
#: kept. The wavelet thresholds are those of the background alone, so on a cluster the
#: fluctuations of its own photons are extracted as candidates; fitted against the
#: cluster's model they still reach DET_ML 6-11 (a free position picks the largest
#: fluctuation of the stamp), kept ~10 cluster counts each and left the cluster 25-30 %
#: too faint and compact [D]. 15 is the catalogue's "significant" level (DET_ML > 15,
#: scripts/validate/detection_fidelity.py).
FRAGMENT_DET_ML = 15.0


def _fragments(cands, k, ext, reach) -> list[int]:
    """The candidates, not themselves extended, below FRAGMENT_DET_ML within ``reach``
    pixels of the extended candidate k: pieces of its photons, to be given back to it."""
    c = cands[k]
    return [j for j, cj in enumerate(cands) if j not in ext and cj.row is not None
            and cj.row["det_ml"] < FRAGMENT_DET_ML and np.hypot(cj.x - c.x, cj.y - c.y) < reach]


def _is_extended(row, cfg) -> bool:
    return row is not None and row["ext_ml"] >= cfg.secondary_ext_ml and row["ext"] > cfg.c2_ext


def _extent_radius(images, c, psf, beta):
    """Radius (pixels) out to which the fitted β-model ⊗ PSF of ``c`` is brighter than the
    local background per pixel: the region whose photons are mostly the cluster's.

    Fragments of a cluster inside it are given back to the cluster before it is fitted
    again. A fixed 2 EXT was too small: fragments at 2-3 r_c kept ~10 cluster counts each
    as point models (DET_ML 6-10), and the cluster, fitted around them, came out 25-35 %
    too faint and 25 % too compact (pulls of −3 to −5 in realistic pointings) [D].
    """
    pm = psf.at(c.x, c.y)
    w = np.outer(pm.weights, beta.weights).ravel()
    rc = c.row["ext"] / psf.pixel
    sig = np.sqrt(np.repeat(pm.sigma, len(beta.weights)) ** 2
                  + (rc * np.tile(beta.sigma, len(pm.weights))) ** 2)
    ix = int(np.clip(round(c.x), 0, images.counts.shape[1] - 1))
    iy = int(np.clip(round(c.y), 0, images.counts.shape[0] - 1))
    b = max(float(images.background[iy, ix]), 1e-6)
    r = np.arange(0.0, 4.0 * beta.sigma.max() * max(rc, 1.0), 1.0)
    dens = c.row["counts_ext"] * np.sum(w / (2 * np.pi * sig**2)
                                        * np.exp(-0.5 * (r[:, None] / sig) ** 2), axis=1)
    above = np.nonzero(dens > b)[0]
    return float(r[above[-1]]) if above.size else 0.0


def _stamp(images, cand, half, neighbours, psf_mge, beta):
    counts, xa, ya = _cut(images.counts, cand.x, cand.y, half)
    shape = counts.shape
    sky = images.background[ya:ya + shape[0], xa:xa + shape[1]]
    bkg = sky + neighbours.others(cand, xa, ya, shape)
    expo = images.exposure[ya:ya + shape[0], xa:xa + shape[1]]
    return lk.Stamp(counts.astype(float), bkg, expo, psf_mge, beta, xa, ya, bmap=sky)


def characterise(images, cands: list[Candidate], psf: PsfModel, cfg: DetectionConfig):
    """Fit every candidate; returns the candidates with their ``row`` filled in."""
    pix = psf.pixel
    beta = beta_mge(cfg.beta, cfg.truncation)
    neighbours = _Neighbours(images.counts.shape)
    half_pt = max(int(np.ceil(cfg.point_radius / pix)), 4)
    rc_max = cfg.max_core_radius / pix
    order = sorted(range(len(cands)), key=lambda k: -cands[k].flux)

    # Pass 1: point fits, brightest first (brighter neighbours already modelled).
    for k in order:
        c = cands[k]
        pm = psf.at(c.x, c.y)
        st = _stamp(images, c, half_pt, neighbours, pm, beta)
        if not st.mask.any():
            c.row = None
            continue
        f = lk.fit_point(st, c.x - st.x0, c.y - st.y0, max(c.flux, 1.0))
        c.x, c.y = f["x"] + st.x0, f["y"] + st.y0
        neighbours.set(c, *_wide_model(images, st, f))
        c.row = dict(counts_point=f["a"])

    # Pass 2: point fits again with every neighbour modelled, then the other models for
    # significant candidates. A candidate found extended first takes back the photons of
    # the fainter candidates inside its extent (their pass-1 point models are removed and
    # it is fitted again): the extraction cuts a diffuse cluster into fragments, and with
    # the fragments' point models in its background the β-model would see only what they
    # leave. The fragments are fitted afterwards against the cluster's model; those that
    # are only cluster photons then explain nothing and are dropped below, while real
    # point sources keep their significance and the cluster is fitted once more with them.
    absorbed: set[int] = set()
    for rank, k in enumerate(order):
        c = cands[k]
        if c.row is None:
            continue
        _point_pass(images, c, psf, neighbours, beta, half_pt)
        if c.row["det_ml"] < cfg.characterise_det_ml:
            continue
        _full_fits(images, c, c.row, psf, cfg, neighbours, beta, half_pt, rc_max)
        if c.row["ext_ml"] >= cfg.secondary_ext_ml and c.row["ext"] > cfg.c2_ext:
            reach_k = max(_extent_radius(images, c, psf, beta), 2.0 * c.row["ext"] / pix,
                          half_pt)
            inside = [j for j in order[rank + 1:] if cands[j].row is not None
                      and cands[j].model is not None
                      and np.hypot(cands[j].x - c.x, cands[j].y - c.y) < reach_k]
            if inside:
                for j in inside:
                    neighbours.remove(cands[j])
                absorbed.add(k)
                _full_fits(images, c, c.row, psf, cfg, neighbours, beta, half_pt, rc_max)

    # Candidates that no longer explain anything once their neighbours are modelled (the
    # fragments of a cluster split by the extraction) are dropped; extended sources whose
    # neighbourhood changed are fitted once more.
    dropped = []

    def drop(c):
        neighbours.remove(c)
        dropped.append((c.x, c.y))
        c.row = None

    # Extended candidates whose extents (where each model beats the background) overlap
    # are one cluster cut into pieces by the extraction (β-models sharing its photons,
    # each 30-40 % short): the less significant is given back to the other, which is
    # fitted again at once (its extent grows with its counts) until no two overlap.
    def reach(k):
        return max(_extent_radius(images, cands[k], psf, beta), 2.0 * cands[k].row["ext"] / pix,
                   half_pt)

    ext = [k for k in order if _is_extended(cands[k].row, cfg)]
    reach_of = {k: reach(k) for k in ext}
    merged = True
    while merged:
        merged = False
        ext.sort(key=lambda k: -cands[k].row["ext_det_ml"])
        for i, k in enumerate(ext):
            c = cands[k]
            near = [j for j in ext[i + 1:] if np.hypot(cands[j].x - c.x, cands[j].y - c.y)
                    < reach_of[k] + reach_of[j]]
            if near:
                for j in near:
                    drop(cands[j])
                ext = [j for j in ext if cands[j].row is not None]
                _full_fits(images, c, c.row, psf, cfg, neighbours, beta, half_pt, rc_max)
                absorbed.add(k)
                if not _is_extended(c.row, cfg):
                    ext.remove(k)
                reach_of = {j: reach(j) for j in ext}
                merged = True
                break
    ext = [k for k in ext if cands[k].row is not None]
    fragments = {j for k in ext for j in _fragments(cands, k, ext, reach_of[k])}
    for k, c in enumerate(cands):
        if c.row is not None and (k in fragments or c.row["det_ml"] < cfg.keep_det_ml):
            drop(c)
    near = cfg.extended_radius / pix
    for k in order:
        c = cands[k]
        near_dropped = any(np.hypot(c.x - x, c.y - y) < near for x, y in dropped)
        if (c.row is not None and c.row["ext_ml"] >= cfg.secondary_ext_ml
                and (k in absorbed or near_dropped)):
            _full_fits(images, c, c.row, psf, cfg, neighbours, beta, half_pt, rc_max)
    if JOINT_POINTS or FREE_BACKGROUND:
        for k in ext:
            if cands[k].row is not None:
                _joint_fit(images, cands, k, ext, psf, cfg, neighbours, beta, half_pt, rc_max)
        # The final fit can widen a cluster's extent (with the sky level free its wings are
        # no longer cut by a fixed level): fragments below FRAGMENT_DET_ML that now fall
        # inside it are given back to it, and it is fitted once more.
        for k in ext:
            c = cands[k]
            if c.row is None:
                continue
            frag = _fragments(cands, k, ext, reach(k))
            if frag:
                for j in frag:
                    drop(cands[j])
                _joint_fit(images, cands, k, ext, psf, cfg, neighbours, beta, half_pt, rc_max)
    return cands


#: At most this many point sources (the brightest on the stamp) are fitted together with
#: an extended source; 0 switches the joint fit off.
JOINT_POINTS = 6

#: The final fit of each extended source also fits the local sky level (a relative change
#: of the background map on its stamp): undetected groups and AGN make the level near a
#: cluster uncertain, and a fixed level leaves that out of the core radius and rate errors.
FREE_BACKGROUND = True


def _ext_half(c, cfg, pix, half_pt, rc_max):
    """Half-size (pixels) of an extended fit's stamp: 3 r_c + the point radius, capped at
    ``extended_radius``, with r_c the larger of the extracted blob's size and the core
    radius already fitted. The blob of a faint, wide cluster is its brightest few pixels:
    a stamp sized on it alone held ~2 r_c, where a free sky level and a compact β-model
    explain the data as well as the true one (r_c 41″ fitted 6″ at 0.23 of the rate in a
    realistic pointing; pulls of −4 to −13, issue 14). Only a source whose extent is
    established (EXT_ML ≥ ``c1_ext_ml``) is given the wider stamp: for a marginal one on a
    bright star's wings, the fitted r_c is the wings' own gradient, and a stamp sized on it
    took in more of them (C2s at 170-240″ from a 5×10⁻¹¹ star, 5 in 30 discs against 0)."""
    rc0 = float(np.clip(c.size, 1.0, rc_max / 2))
    if c.row and c.row.get("ext", 0.0) > 0 and c.row.get("ext_ml", 0.0) >= cfg.c1_ext_ml:
        rc0 = max(rc0, min(c.row["ext"] / pix, rc_max / 2))
    return int(np.clip(3 * rc0 + half_pt, half_pt, np.ceil(cfg.extended_radius / pix)))


def _joint_fit(images, cands, k, ext, psf, cfg, neighbours, beta, half_pt, rc_max):
    """The extended source k fitted together with the point sources kept on its stamp.

    Fitted one after the other, each holds the other's best model fixed: the cluster's
    errors then ignore what the points may take from it and the reverse. In 60 realistic
    10 ks pointings the joint fit narrowed the C1 rate pulls from 1.52 to 1.41 (16-84 %
    half-width 1.33 to 1.08; 1.32 to 1.20 above 5e-14 erg/s/cm2); alternating fits had not
    changed them (docs/physics.md §7). With FREE_BACKGROUND the sky level is fitted too, and
    the fit is made even with no point on the stamp. Only the extended model's rate, core
    radius and errors, and the points' rates, positions and rate errors, are updated.
    """
    c = cands[k]
    pix = psf.pixel
    half = _ext_half(c, cfg, pix, half_pt, rc_max)
    pts = [j for j, cj in enumerate(cands) if j != k and j not in ext and cj.row is not None
           and cj.model is not None and cj.row["det_ml"] >= cfg.keep_det_ml
           and abs(cj.x - c.x) < half - 1 and abs(cj.y - c.y) < half - 1]
    if not pts and not FREE_BACKGROUND:
        return
    pts = sorted(pts, key=lambda j: -cands[j].row["counts_point"])[:JOINT_POINTS]
    saved = [(j, cands[j].model, cands[j].origin) for j in pts]
    for j in pts:
        neighbours.remove(cands[j])
    st = _stamp(images, c, half, neighbours, psf.at(c.x, c.y), beta)
    inside = [(cands[j].x - st.x0, cands[j].y - st.y0) for j in pts]
    if not all(0 <= x < st.counts.shape[1] and 0 <= y < st.counts.shape[0] for x, y in inside):
        for j, model, origin in saved:
            neighbours.set(cands[j], model, origin)
        return
    f = lk.fit_extended_points(
        st, (c.x - st.x0, c.y - st.y0, c.row["counts_ext"], max(c.row["ext"] / pix, 0.5)),
        [(x, y, cands[j].row["counts_point"]) for (x, y), j in zip(inside, pts)], rc_max,
        reach=0.5 * half_pt, free_background=FREE_BACKGROUND)
    if not (f.success and np.all(np.isfinite(f.errors))):
        for j, model, origin in saved:
            neighbours.set(cands[j], model, origin)
        return
    e = st.erel
    ext_img = f["a"] * e * st.extended_profile(f["x"], f["y"], f["rc"])
    ext_fit = lk.Fit("extended", f.params[:4], f.errors[:4], f.cstat, True,
                     ("x", "y", "a", "rc"), ext_img)
    # Counts are at the exposure of a stamp's centre pixel (likelihood.py); a row's counts
    # are at its own ``e_ref``. This stamp's centre may be another pixel (the centre moved,
    # or a point source's row), and near a chip gap the two exposures differ by up to 3x:
    # unconverted, a cluster's rate came out 2.6x its truth (issue 14).
    to_row = c.row["e_ref"] / st.e_ref
    c.row.update(counts_ext=f["a"] * to_row, counts_ext_err=f.error("a") * to_row)
    if c.row["ext_ml"] > 0:
        c.row.update(ext=f["rc"] * pix, ext_err=f.error("rc") * pix)
    neighbours.set(c, *_wide_model(images, st, ext_fit))
    for i, j in enumerate(pts, 1):
        p = f.params[4 + 3 * (i - 1): 7 + 3 * (i - 1)]
        err = f.errors[4 + 3 * (i - 1): 7 + 3 * (i - 1)]
        img = p[2] * e * st.point_profile(p[0], p[1])
        pt_fit = lk.Fit("point", p, err, f.cstat, True, ("x", "y", "a"), img)
        cj = cands[j]
        cj.x, cj.y = p[0] + st.x0, p[1] + st.y0
        to_row = cj.row["e_ref"] / st.e_ref
        cj.row.update(x=cj.x, y=cj.y, counts_point=p[2] * to_row,
                      counts_point_err=err[2] * to_row)
        neighbours.set(cj, *_wide_model(images, st, pt_fit))


def _point_pass(images, c, psf, neighbours, beta, half_pt):
    pm = psf.at(c.x, c.y)
    st = _stamp(images, c, half_pt, neighbours, pm, beta)
    f = lk.fit_point(st, c.x - st.x0, c.y - st.y0, max(c.row["counts_point"], 1.0))
    c.x, c.y = f["x"] + st.x0, f["y"] + st.y0
    neighbours.set(c, *_wide_model(images, st, f))
    c.row = _empty_row()
    c.row.update(det_ml=st.c_background - f.cstat, x=c.x, y=c.y, x_err=f.error("x"),
                 y_err=f.error("y"), counts_point=f["a"], counts_point_err=f.error("a"),
                 e_ref=st.e_ref, converged=f.success)


#: The statistics and parameters of the double and point+extended fits.
_SECONDARY = ("dbl_ml", "pe_ext", "pe_ext_err", "pe_counts_ext", "pe_counts_ext_err",
              "pe_ext_ml", "pe_pnt_ml")


def _empty_row():
    return dict.fromkeys(("ext", "ext_err", "ext_ml", "ext_det_ml", *_SECONDARY, "counts_ext",
                          "counts_ext_err"), 0.0) | {"characterised": False}


def _full_fits(images, c, row, psf, cfg, neighbours, beta, half_pt, rc_max):
    pix = psf.pixel
    pm = psf.at(c.x, c.y)
    rc0 = float(np.clip(c.size, 1.0, rc_max / 2))
    half = _ext_half(c, cfg, pix, half_pt, rc_max)
    st = _stamp(images, c, half, neighbours, pm, beta)
    x, y = c.x - st.x0, c.y - st.y0
    c_bkg = st.c_background
    f_pt = lk.fit_point(st, x, y, row["counts_point"])
    # The β-model centre stays within half the point radius of the point fit (17.5″ by
    # default): unbounded, it ran to the stamp edge after background excesses, dragging
    # the candidate 40″ away with an EXT of ~90″ (issue 14).
    reach = 0.5 * half_pt
    f_ext = lk.fit_extended(st, f_pt["x"], f_pt["y"], f_pt["a"], rc0, rc_max, reach)
    if f_ext.cstat > f_pt.cstat:  # a second start near the point-source limit
        alt = lk.fit_extended(st, f_pt["x"], f_pt["y"], f_pt["a"], 0.5, rc_max, reach)
        f_ext = alt if alt.cstat < f_ext.cstat else f_ext
    ext_ml = max(f_pt.cstat - f_ext.cstat, 0.0)
    row.update(characterised=True, det_ml=c_bkg - f_pt.cstat, ext_det_ml=c_bkg - f_ext.cstat,
               ext_ml=ext_ml, converged=bool(f_pt.success and f_ext.success))
    if ext_ml >= cfg.secondary_ext_ml:
        # Only a source that a single point does not describe can be a pair or an AC
        # cluster; the two extra models are fitted for those alone.
        d = max(c.size, 1.5)
        dx, dy = d * np.cos(c.angle), d * np.sin(c.angle)
        f_dbl = lk.fit_double(st, f_pt["x"] + dx, f_pt["y"] + dy, 0.5 * f_pt["a"],
                              f_pt["x"] - dx, f_pt["y"] - dy, 0.5 * f_pt["a"])
        f_pe = lk.fit_point_extended(st, f_ext["x"], f_ext["y"], 0.1 * f_ext["a"],
                                     0.9 * f_ext["a"], max(f_ext["rc"], 1.0), rc_max,
                                     reach + abs(f_ext["x"] - f_pt["x"]) + abs(f_ext["y"] - f_pt["y"]))
        row.update(dbl_ml=max(f_pt.cstat - f_dbl.cstat, 0.0),
                   pe_ext_ml=max(f_pt.cstat - f_pe.cstat, 0.0),
                   pe_pnt_ml=max(f_ext.cstat - f_pe.cstat, 0.0), pe_ext=f_pe["rc"] * pix,
                   pe_ext_err=f_pe.error("rc") * pix, pe_counts_ext=f_pe["a_ext"],
                   pe_counts_ext_err=f_pe.error("a_ext"))
    else:
        # A refit (after fragments were given back) can fall below secondary_ext_ml: the
        # double and point+extended statistics of an earlier fit would otherwise stay, with
        # counts at another stamp's e_ref; they are 0 for such sources (module docstring).
        row.update({k: 0.0 for k in _SECONDARY})
    row.update(counts_point=f_pt["a"], counts_point_err=f_pt.error("a"),
               counts_ext=f_ext["a"], counts_ext_err=f_ext.error("a"), e_ref=st.e_ref)
    if ext_ml > 0:
        row.update(ext=f_ext["rc"] * pix, ext_err=f_ext.error("rc") * pix)
    extended = ext_ml > 0 and f_ext.cstat < f_pt.cstat
    best = f_ext if extended else f_pt
    c.x, c.y = best["x"] + st.x0, best["y"] + st.y0
    row.update(x=c.x, y=c.y, x_err=best.error("x"), y_err=best.error("y"))
    neighbours.set(c, *_wide_model(images, st, best))
