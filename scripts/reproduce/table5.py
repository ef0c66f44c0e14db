"""Kosiba et al. 2020, Table 5, on selfunc simulations: the custom network (Table 3) trained
on X-ray + optical composites, on X-ray only, on optical only, and on composites without
augmentation, each with several seeds, scored on held-out candidates (A, P, R, AUC at
p > 0.5, mean ± sample std).

The stamps come from a campaign run with the ``stamps`` stage, by default the one that
trained selfunc's default model::

    selfunc simulate sims/cnn_training.toml --out sims/cnn-training
    python scripts/reproduce/table5.py sims/cnn-training --out sims/table5

Held-out candidates are whole pointings (``--test-fraction`` of them, drawn with
``--split-seed``), so no test candidate shares a field with a training one. Every run
writes its model under ``OUT/models``; an interrupted script picks up where it stopped
(finished runs are read back, a run cut short resumes from its checkpoint). Writes
``OUT/table5.json`` (every run's report), ``OUT/table5.md`` (the table beside the paper's)
and ``OUT/roc.png``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

#: (name, network input, augmentation): the rows of the paper's Table 5 we can make.
EXPERIMENTS = (("CN combined", "composite", True), ("CN solo X-ray", "xray", True),
               ("CN solo optical", "optical", True), ("CN no augm.", "composite", False))
#: The paper's Table 5 (expert labels, 10 seeds): A, P, R, AUC (mean, std).
PAPER = {"CN combined": ((0.90, 0.03), (0.89, 0.05), (0.91, 0.03), (0.96, 0.01)),
         "CN solo X-ray": ((0.81, 0.01), (0.78, 0.03), (0.86, 0.04), (0.89, 0.01)),
         "CN solo optical": ((0.68, 0.02), (0.64, 0.02), (0.85, 0.04), (0.77, 0.02)),
         "CN no augm.": ((0.75, 0.02), (0.70, 0.02), (0.87, 0.03), (0.87, 0.01))}
KEYS = ("accuracy", "precision", "recall", "auc")


def split_by_pointing(ids, fraction: float, seed: int):
    """Indices (train, test): all candidates of a random ``fraction`` of the pointings."""
    pointing = np.array([i.split("-")[0] for i in ids])
    fields = np.unique(pointing)
    rng = np.random.default_rng(seed)
    n_test = max(1, int(round(fraction * len(fields))))
    test_fields = rng.choice(fields, n_test, replace=False)
    test = np.isin(pointing, test_fields)
    return np.flatnonzero(~test), np.flatnonzero(test)


def run_one(name, kind, augment, seed, train_ds, test_ds, cfg, out: Path):
    """Train (or read back) one run; its report on ``test_ds`` and the test p_cluster."""
    from selfunc.cnn import binary_report, cluster_probability, load_model, predict, train

    tag = f"{name.replace(' ', '_').replace('.', '')}-seed{seed}"
    path = out / "models" / f"{tag}.keras"
    t0 = time.perf_counter()
    if path.is_file():
        model, meta = load_model(path)
        print(f"{tag}: trained before, read back")
    else:
        run_cfg = cfg.model_copy(update={"augment": cfg.augment.model_copy(
            update={"enabled": augment})})
        res = train(train_ds, run_cfg, seed=seed, kind=kind, out=path,
                    data_source={"table5": name})
        model, meta = res.model, res.meta
    inp = meta["input"]
    p = cluster_probability(predict(model, test_ds.inputs(inp["kind"],
                                                          tuple(inp["channel_order"]))),
                            meta["classes"])
    report = binary_report(test_ds.is_cluster, p)
    report.update(name=name, seed=seed, kind=kind, augment=augment,
                  seconds=time.perf_counter() - t0)
    print(f"{tag}: A {report['accuracy']:.3f}  P {report['precision']:.3f}  "
          f"R {report['recall']:.3f}  AUC {report['auc']:.3f}  ({report['seconds']:.0f} s)")
    return report, p


def markdown(rows: dict, n_seeds: int, n_train: int, n_test: int, epochs) -> str:
    from selfunc.cnn.evaluate import summarise

    names = {"accuracy": "A", "precision": "P", "recall": "R", "auc": "AUC"}
    head = "| network | " + " | ".join(f"{names[k]} ± std" for k in KEYS) + " | paper " + \
        " | ".join(names[k] for k in KEYS) + " |"
    lines = [f"Table 5 on selfunc simulations: {n_seeds} seeds per row, {n_train} training "
             f"and {n_test} held-out candidates, {epochs} epochs; paper: 10 seeds, expert "
             "labels.", "", head, "|" + "---|" * (2 * len(KEYS) + 1)]
    for name, reports in rows.items():
        s = summarise(reports, KEYS)
        ours = " | ".join(f"{s[k][0]:.2f} ± {s[k][1]:.2f}" for k in KEYS)
        paper = " | ".join(f"{m:.2f} ± {e:.2f}" for m, e in PAPER[name])
        lines.append(f"| {name} | {ours} | {paper} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("campaign", help="campaign folder run with the 'stamps' stage")
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--preset", default="custom_adam",
                    help="training preset (default custom_adam: Table 4's SGD needs ~1 200 "
                         "epochs, see docs/cnn.md)")
    ap.add_argument("--epochs", type=int, help="override the preset's epochs")
    ap.add_argument("--test-fraction", type=float, default=0.2)
    ap.add_argument("--split-seed", type=int, default=0)
    ap.add_argument("--only", nargs="+", help="run only these rows (names of EXPERIMENTS)")
    args = ap.parse_args(argv)

    from selfunc.campaign.screening import campaign_stamps
    from selfunc.cnn import load_train_config
    from selfunc.cnn.evaluate import roc
    from selfunc.io import atomic_path

    out = Path(args.out)
    (out / "models").mkdir(parents=True, exist_ok=True)
    ds = campaign_stamps(args.campaign)
    tr, te = split_by_pointing(ds.ids, args.test_fraction, args.split_seed)
    train_ds, test_ds = ds.subset(tr), ds.subset(te)
    cfg = load_train_config(args.preset, epochs=args.epochs)
    print(f"{len(ds)} stamps: {len(tr)} training ({int(train_ds.is_cluster.sum())} clusters), "
          f"{len(te)} held out ({int(test_ds.is_cluster.sum())} clusters); preset "
          f"{args.preset}, {cfg.epochs} epochs, seeds {args.seeds}")
    rows, curves = {}, {}
    for name, kind, augment in EXPERIMENTS:
        if args.only and name not in args.only:
            continue
        rows[name] = []
        for seed in args.seeds:
            report, p = run_one(name, kind, augment, seed, train_ds, test_ds, cfg, out)
            rows[name].append(report)
            if seed == args.seeds[0]:
                curves[name] = roc(test_ds.is_cluster, p)
    with atomic_path(out / "table5.json") as tmp:
        tmp.write_text(json.dumps({"campaign": str(Path(args.campaign).resolve()),
                                   "n_train": len(tr), "n_test": len(te),
                                   "preset": args.preset, "epochs": cfg.epochs,
                                   "rows": rows}, indent=1, default=float))
    text = markdown(rows, len(args.seeds), len(tr), len(te), cfg.epochs)
    with atomic_path(out / "table5.md") as tmp:
        tmp.write_text(text)
    print(text)
    _plot(curves, out / "roc.png")
    print(f"-> {out / 'table5.md'}, {out / 'table5.json'}, {out / 'roc.png'}")
    return 0


def _plot(curves: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 5))
    for name, (fpr, tpr, _) in curves.items():
        ax.plot(fpr, tpr, label=name)
    ax.plot([0, 1], [0, 1], "k--", lw=0.8, label="random")
    ax.set_xlabel("false-positive rate FP/(FP+TN)")
    ax.set_ylabel("true-positive rate (recall)")
    ax.set_title("ROC on held-out simulated candidates (first seed)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
