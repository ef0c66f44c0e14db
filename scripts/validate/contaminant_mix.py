"""The true classes behind a campaign's C1 and C2 candidates, and how each contaminant looks on
the pointing's DSS2 plate (issue 18; docs/cnn.md, "Contaminants among C1 and C2").

    .venv/bin/python scripts/validate/contaminant_mix.py CAMPAIGN_DIR CONFIG.toml [--look N]

For each C1/C2 candidate: the kind of the truth component that explains it (``spurious``
where none does) and its match label; for AGN, whether the plate shows its host galaxy
(brighter than the plate limit), only its nucleus, or nothing. The plate catalogue is the one
the campaign's ``optical`` stage would draw (the pointing's optical stream; nothing is
rendered). ``--look N``: the same census over every AGN above 10⁻¹⁴, star above 10⁻¹⁴ and
nearby galaxy of the first N pointings.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import numpy as np
from astropy.table import Table

from selfunc.campaign.simulate import optical_scene
from selfunc.config.load import load_campaign
from selfunc.pointing import draw_pointings


def _truth_of(truth: Table, pid: int) -> Table:
    t = truth[np.asarray(truth["pointing"]) == pid]
    t.remove_column("pointing")
    for name in t.colnames:  # HDF5 gives bytes; the optical stage compares with str
        if t[name].dtype.kind == "S":
            t[name] = np.char.decode(np.asarray(t[name]))
    return t


def _agn_look(src, tid: int, limit: float) -> str:
    mag = src["mag"]
    host = (src["kind"] == "agn_host") & (src["truth_id"] == tid)
    nucleus = (src["kind"] == "agn") & (src["truth_id"] == tid)
    if host.any() and mag[host].min() < limit:
        return "host"
    return "nucleus" if mag[nucleus].min() < limit else "nothing"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("campaign")
    p.add_argument("config")
    p.add_argument("--look", type=int, default=10)
    a = p.parse_args(argv)
    out, cfg = Path(a.campaign), load_campaign(a.config)
    specs = {s.id: s for s in draw_pointings(cfg.survey, cfg.campaign.n_pointings, cfg.campaign.seed)}
    cand = Table.read(out / "catalogues" / "candidates.h5")
    truth = Table.read(out / "catalogues" / "truth.h5")
    limit = cfg.optical.limiting_magnitude
    rows = []
    for pid in np.unique(np.asarray(cand["pointing"])):
        c = cand[(np.asarray(cand["pointing"]) == pid)
                 & (np.asarray(cand["C1"]) | np.asarray(cand["C2"]))]
        if not len(c):
            continue
        t = _truth_of(truth, int(pid))
        src = optical_scene(specs[int(pid)], t, cfg).sources
        kind_of = dict(zip(np.asarray(t["id"]).tolist(), np.asarray(t["kind"]).tolist()))
        z_of = dict(zip(np.asarray(t["id"]).tolist(), np.asarray(t["redshift"], float).tolist()))
        for r in c:
            tid = int(r["truth_component"])
            kind = kind_of.get(tid, "spurious") if tid >= 0 else "spurious"
            look = _agn_look(src, tid, limit) if kind in ("agn", "double") else ""
            z = z_of.get(int(r["truth_id"]), np.nan)
            rows.append(("C1" if r["C1"] else "C2", kind, str(r["label"]).strip(), look, z))
    print(f"{len(specs)} pointings, {len(rows)} C1/C2 candidates")
    for cls in ("C1", "C2"):
        sub = [r for r in rows if r[0] == cls]
        z = np.array([r[4] for r in sub if r[1] == "cluster"])
        print(f"{cls}: {len(sub)}; kinds {dict(Counter(r[1] for r in sub))}; labels "
              f"{dict(Counter(r[2] for r in sub))}; AGN look "
              f"{dict(Counter(r[3] for r in sub if r[3]))}; clusters at z < 0.6: "
              f"{int(np.sum(z < 0.6))} of {z.size} (median z {np.median(z) if z.size else np.nan:.2f})")
    look = Counter()
    for pid in list(specs)[:a.look]:
        t = _truth_of(truth, pid)
        src = optical_scene(specs[pid], t, cfg).sources
        kind, fx, ids = np.asarray(t["kind"]), np.asarray(t["flux"]), np.asarray(t["id"])
        for tid in ids[np.isin(kind, ("agn", "double")) & (fx > 1e-14)]:
            look[f"AGN > 1e-14: {_agn_look(src, int(tid), limit)}"] += 1
        for tid in ids[(kind == "star") & (fx > 1e-14)]:
            m = src["mag"][(src["kind"] == "xray_star") & (src["truth_id"] == tid)].min()
            look["star > 1e-14: " + ("R_F < 15" if m < 15 else "R_F >= 15")] += 1
        for tid in ids[kind == "nearby_galaxy"]:
            m = src["mag"][(src["kind"] == "nearby_galaxy") & (src["truth_id"] == tid)].min()
            look["nearby galaxy: " + ("R_F < 16" if m < 16 else "R_F >= 16")] += 1
    print(f"first {a.look} pointings: {dict(sorted(look.items()))}")
    print(f"truth kinds: {dict(Counter(np.char.decode(np.asarray(truth['kind'])).tolist()))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
