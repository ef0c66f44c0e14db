"""Cross-match detections with the truth, and label every candidate.

Rule (``[match]`` of the campaign config, :class:`selfunc.config.models.MatchConfig`, recorded
with the resolved config in every campaign.toml): a truth component k *can* explain a
candidate when their separation is below R_k and the component is visible
(``counts_expected ≥ min_counts``):

* R_k = ``point_radius`` (10″) for point sources (AGN, stars, pair members, central AGN);
* R_k = clip(r_c, ``extended_min``, ``extended_max``) (20″…60″) for β-model sources.

Among the components that can explain it, the candidate is given the one with the most
expected counts (the dominant emitter). A central AGN stands for its cluster: the object is
the cluster (the AC class is a cluster). Each truth component records the best candidate
that took it (highest DET_ML), so a cluster split in two is still one detection.

Labels (Kosiba et al. 2020, §2.4): binary ``is_cluster``; five classes ``low-z`` (cluster,
z < 0.3), ``hi-z`` (cluster, z ≥ 0.3), ``galaxy`` (nearby galaxy), ``point`` (AGN, star,
double), ``other`` (spurious, edge, artefact: no truth component).
"""

from __future__ import annotations

import numpy as np
from astropy.table import Table

from selfunc.config.models import MatchConfig

__all__ = ["crossmatch", "CLASSES"]

CLASSES = ("low-z", "hi-z", "galaxy", "point", "other")


def crossmatch(candidates: Table, truth: Table, pixel: float, rule: MatchConfig = MatchConfig()):
    """Return (candidates, truth) copies with the match columns added (pixel: arcsec)."""
    cand = candidates.copy()
    tr = truth.copy()
    n_c, n_t = len(cand), len(tr)
    rc = np.asarray(tr["core_radius"], float)
    radius = np.where(np.isfinite(rc), np.clip(np.nan_to_num(rc), rule.extended_min,
                                               rule.extended_max), rule.point_radius)
    counts = np.asarray(tr["counts_expected"], float)
    visible = counts >= rule.min_counts
    truth_id = np.full(n_c, -1, dtype=np.int64)
    if n_c and n_t:
        dx = np.asarray(cand["x"], float)[:, None] - np.asarray(tr["x"], float)[None, :]
        dy = np.asarray(cand["y"], float)[:, None] - np.asarray(tr["y"], float)[None, :]
        sep = np.hypot(dx, dy) * pixel
        ok = (sep <= radius[None, :]) & visible[None, :]
        score = np.where(ok, counts[None, :], -np.inf)
        best = np.argmax(score, axis=1)
        has = np.isfinite(score[np.arange(n_c), best])
        truth_id[has] = np.asarray(tr["id"])[best[has]]
    # A central AGN stands for its cluster.
    kind_of = dict(zip(np.asarray(tr["id"]).tolist(), np.asarray(tr["kind"]).tolist()))
    group_of = dict(zip(np.asarray(tr["id"]).tolist(), np.asarray(tr["group"]).tolist()))
    cluster_of_group = {g: i for i, k, g in zip(np.asarray(tr["id"]).tolist(),
                                               np.asarray(tr["kind"]).tolist(),
                                               np.asarray(tr["group"]).tolist()) if k == "cluster"}
    obj = truth_id.copy()
    for k, tid in enumerate(truth_id):
        if tid >= 0 and kind_of[tid] == "central_agn":
            obj[k] = cluster_of_group[group_of[tid]]
    z_of = dict(zip(np.asarray(tr["id"]).tolist(), np.asarray(tr["redshift"], float).tolist()))
    labels = []
    for tid in obj:
        kind = kind_of.get(int(tid)) if tid >= 0 else None
        if kind == "cluster":
            labels.append("low-z" if z_of[int(tid)] < rule.lowz_max else "hi-z")
        elif kind == "nearby_galaxy":
            labels.append("galaxy")
        elif kind in ("agn", "star", "double", "central_agn"):
            labels.append("point")
        else:
            labels.append("other")
    cand["truth_id"] = obj
    cand["truth_component"] = truth_id
    cand["label"] = np.array(labels, dtype="U6")
    cand["is_cluster"] = np.isin(cand["label"], ("low-z", "hi-z"))
    # Truth side: the best candidate (highest DET_ML) that took each object.
    match = np.full(n_t, -1, dtype=np.int64)
    n_match = np.zeros(n_t, dtype=np.int64)
    index = {tid: k for k, tid in enumerate(np.asarray(tr["id"]).tolist())}
    det = np.asarray(cand["det_ml"], float) if n_c else np.array([])
    best_det = np.full(n_t, -np.inf)
    for k, tid in enumerate(obj):
        if tid < 0:
            continue
        j = index[int(tid)]
        n_match[j] += 1
        if det[k] > best_det[j]:
            best_det[j] = det[k]
            match[j] = int(cand["cand_id"][k])
    tr["match"] = match
    tr["n_match"] = n_match
    tr["detected"] = match >= 0
    return cand, tr
