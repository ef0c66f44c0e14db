"""``DIR/report.html``: what a campaign did and found, for a person to look at.

Summary tables (provenance, pointings, sources, candidates per class and label,
completeness and purity of the fitted selection), the selection plots of ``DIR/plots``,
and example candidate stamps (7′×7′ of the combined X-ray counts, smoothed with a
Gaussian of σ = 3 pixels = 7.5″ as in the paper's Figure 3) for true and false C1
candidates and for missed clusters; with the ``cnn`` stage, the CNN's counts and its input
composites for true and false positives and rejected clusters. Images are PNG files next to the page, referenced by
relative paths, so the folder can be copied or served as it is.
"""

from __future__ import annotations

import html
import tomllib
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.table import Table

from selfunc.atomic import save_figure, save_image
from selfunc.campaign.simulate import pointing_dir
from selfunc.io import atomic_path

__all__ = ["write_report"]

STAMP_HALF = 84  # pixels of 2.5″: a 7′ stamp


def _text(column) -> np.ndarray:
    """Text columns come back from HDF5 as bytes."""
    a = np.asarray(column)
    return np.char.decode(a, "utf-8") if a.dtype.kind == "S" else a.astype(str)


def _table(rows, header) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>"
                   for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _stamp(out: Path, pointing: int, x: float, y: float, path: Path, title: str) -> bool:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from scipy import ndimage

    f = pointing_dir(out, pointing) / "xray.fits"
    if not f.is_file():
        return False
    with fits.open(f) as h:
        counts = h["COUNTS"].data.astype(float)
    xi, yi = int(round(x)), int(round(y))
    ny, nx = counts.shape
    y0, y1 = max(yi - STAMP_HALF, 0), min(yi + STAMP_HALF, ny)
    x0, x1 = max(xi - STAMP_HALF, 0), min(xi + STAMP_HALF, nx)
    img = ndimage.gaussian_filter(counts[y0:y1, x0:x1], 3.0)
    fig, ax = plt.subplots(figsize=(2.4, 2.6))
    ax.imshow(np.arcsinh(img / max(np.percentile(img, 50), 1e-3)), origin="lower", cmap="magma")
    ax.set_title(title, fontsize=7)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    save_figure(fig, path, dpi=80)
    plt.close(fig)
    return True


def _cnn_section(out: Path, cand: Table, media: Path, n_examples: int, model: str) -> list[str]:
    """The CNN screening: counts, and the network's input images (the paper's composites:
    green X-ray, blue optical) of its true positives, false positives and misses."""
    from PIL import Image

    from selfunc.stamps.dataset import read_dataset

    p = np.asarray(cand["p_cluster"], float)
    screened = np.isfinite(p)
    truth = np.asarray(cand["is_cluster"], bool)
    called = screened & (p > 0.5)
    parts = [f"<h2>CNN screening ({html.escape(str(model))})</h2>" + _table([
        ("screened candidates", int(screened.sum()), int((screened & truth).sum())),
        ("p_cluster > 0.5", int(called.sum()), int((called & truth).sum())),
        ("p_cluster ≤ 0.5", int((screened & ~called).sum()),
         int((screened & ~called & truth).sum()))], ("", "candidates", "true clusters"))]
    groups = [("CNN true positives", called & truth), ("CNN false positives", called & ~truth),
              ("clusters the CNN rejected", screened & ~called & truth)]
    cache: dict[int, object] = {}
    shown = []
    for title, mask in groups:
        for k in np.flatnonzero(mask)[:n_examples]:
            pid, cid = int(cand["pointing"][k]), int(cand["cand_id"][k])
            f = pointing_dir(out, pid) / "stamps.h5"
            if pid not in cache:
                cache[pid] = read_dataset(f) if f.is_file() else None
            ds = cache[pid]
            if ds is None:
                continue
            hit = np.flatnonzero(ds.ids == f"{pid:05d}-{cid:05d}")
            if not len(hit):
                continue
            img = ds.subset(hit).inputs("composite")[0]
            name = f"cnn_{pid}_{cid}.png"
            save_image(Image.fromarray(img).resize((178, 178), Image.BILINEAR), media / name)
            label = f"p{pid} #{cid} {_text(np.atleast_1d(cand['label'][k]))[0]} p={p[k]:.2f}"
            shown.append((title, name, label))
    if shown:
        parts.append("<h3>Network inputs (7′×7′ composites: green X-ray, blue optical)</h3>")
        for title in dict.fromkeys(t for t, _, _ in shown):
            parts.append(f"<h4>{html.escape(title)}</h4><div class='stamps'>" + "".join(
                f'<figure><img src="report/{n}" alt="{html.escape(lbl)}"><figcaption>'
                f"{html.escape(lbl)}</figcaption></figure>" for t, n, lbl in shown if t == title)
                + "</div>")
    return parts


def write_report(out, *, selection_summary: dict | None = None, n_examples: int = 4) -> Path:
    """Write ``out/report.html`` from the campaign's catalogues, plots and fit summary."""
    out = Path(out)
    cat = out / "catalogues"
    truth = Table.read(cat / "truth.h5", path="truth")
    pointings = Table.read(cat / "pointings.h5", path="pointings")
    cand_file = cat / "candidates.h5"
    cand = Table.read(cand_file, path="candidates") if cand_file.is_file() else None
    with (out / "campaign.toml").open("rb") as fh:
        meta = tomllib.load(fh)
    prov = meta.get("provenance", {})
    conf = meta.get("config", {}).get("campaign", {})
    media = out / "report"
    media.mkdir(exist_ok=True)

    parts = [f"<h1>selfunc campaign “{html.escape(str(conf.get('name', out.name)))}”</h1>"]
    parts.append(_table([("pointings", len(pointings)), ("seed", conf.get("seed", "?")),
                         ("selfunc", prov.get("versions", {}).get("selfunc", "?")),
                         ("git revision", prov.get("git_revision", "?")),
                         ("created", prov.get("created", "?")),
                         ("command", prov.get("command", "?"))], ("", "")))
    kinds, counts = np.unique(_text(truth["kind"]), return_counts=True)
    parts.append("<h2>Simulated sources</h2>" + _table(zip(kinds, counts), ("kind", "number")))
    if cand is not None:
        rows = []
        for name in ("C1", "C2", "AC", "P1", "double"):
            sel = np.asarray(cand[name], bool)
            rows.append((name, int(sel.sum()), int((sel & np.asarray(cand["is_cluster"])).sum())))
        parts.append("<h2>Candidates</h2>" + _table(
            [("all", len(cand), int(np.sum(cand["is_cluster"])))] + rows,
            ("class", "candidates", "true clusters")))
        labels, lc = np.unique(_text(cand["label"]), return_counts=True)
        parts.append(_table(zip(labels, lc), ("label (match with truth)", "candidates")))
    if cand is not None and "p_cluster" in cand.colnames:
        model = meta.get("config", {}).get("cnn", {}).get("model", "default")
        parts += _cnn_section(out, cand, media, n_examples,
                              "selfunc's default model" if model == "default" else model)
    if selection_summary:
        s = selection_summary
        parts.append("<h2>Selection function</h2>" + _table([
            ("rule", s["selection"].expression),
            ("true clusters selected", f"{s['n_selected_clusters']} of {s['n_clusters']}"),
            ("selected candidates that are clusters", f"{s['n_selected_true']} of {s['n_selected']}"),
            ("saved", "selection.h5 (groups completeness, purity)")], ("", "")))
    plots = sorted((out / "plots").glob("*.png")) if (out / "plots").is_dir() else []
    if plots:
        parts.append("<h2>Plots</h2>" + "".join(
            f'<figure><img src="plots/{p.name}" alt="{p.stem}"><figcaption>{p.stem}'
            "</figcaption></figure>" for p in plots))
    if cand is not None:
        examples = []
        c1 = cand[np.asarray(cand["C1"], bool)]
        groups = [("true C1 clusters", c1[np.asarray(c1["is_cluster"])]),
                  ("C1 candidates that are not clusters", c1[~np.asarray(c1["is_cluster"])])]
        for title, rows in groups:
            for r in rows[:n_examples]:
                name = f"cand_{int(r['pointing'])}_{int(r['cand_id'])}.png"
                kind = _text(np.atleast_1d(r["label"]))[0]
                label = f"p{int(r['pointing'])} #{int(r['cand_id'])} {kind} EXT={r['ext']:.0f}\""
                if _stamp(out, int(r["pointing"]), r["x"], r["y"], media / name, label):
                    examples.append((title, name, label))
        clusters = truth[(_text(truth["kind"]) == "cluster") & (np.asarray(truth["match"]) < 0)]
        for r in clusters[:n_examples]:
            name = f"missed_{int(r['pointing'])}_{int(r['id'])}.png"
            label = f"missed: p{int(r['pointing'])} r_c={r['core_radius']:.0f}\" {r['counts_expected']:.0f} cts"
            if _stamp(out, int(r["pointing"]), r["x"], r["y"], media / name, label):
                examples.append(("missed clusters", name, label))
        if examples:
            parts.append("<h2>Example stamps (7′×7′, X-ray, σ = 7.5″ smoothing)</h2>")
            for title in dict.fromkeys(t for t, _, _ in examples):
                parts.append(f"<h3>{html.escape(title)}</h3><div class='stamps'>" + "".join(
                    f'<img src="report/{n}" alt="{html.escape(lbl)}">'
                    for t, n, lbl in examples if t == title) + "</div>")
    style = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto}"
             "table{border-collapse:collapse;margin:0.5em 0}td,th{border:1px solid #ccc;"
             "padding:2px 8px;text-align:left}figure{display:inline-block;margin:4px}"
             "figure img{max-width:520px}.stamps img{margin:2px}")
    page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>selfunc report</title>"
            f"<style>{style}</style></head><body>{''.join(parts)}</body></html>")
    path = out / "report.html"
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return path
