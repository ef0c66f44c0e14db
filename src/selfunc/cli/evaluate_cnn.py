"""``selfunc evaluate-cnn MODEL [MODEL …] --data DATA``: A, P, R, AUC, plots."""

from __future__ import annotations

from selfunc.cli._types import probability

HELP = "evaluate CNN models on labelled stamps: accuracy, precision, recall, ROC/AUC, plots"


def register(sub) -> None:
    from selfunc.cli.train_cnn import add_data_arguments

    p = sub.add_parser("evaluate-cnn", help=HELP, description=HELP)
    p.add_argument("models", nargs="+", metavar="MODEL",
                   help="model file(s) (.keras); several (e.g. one per seed) are also "
                        "summarised as mean ± std, as Table 5")
    p.add_argument("--data", required=True, help="labelled stamps: a campaign folder, .h5 or public-layout folder")
    add_data_arguments(p)
    p.add_argument("--threshold", type=probability, default=0.5,
                   help="a stamp is a cluster when P(cluster) > threshold (default 0.5, §5.3)")
    p.add_argument("--out", help="write the reports as JSON")
    p.add_argument("--plots", help="folder for ROC curves, confusion matrix, galleries of "
                                   "TP/FP/FN and activation maps (of the first model)")
    p.set_defaults(func=run)


def _line(name, r) -> str:
    return (f"{name}  A {r['accuracy']:.3f}  P {r['precision']:.3f}  R {r['recall']:.3f}  "
            f"AUC {r['auc']:.3f}  (TP {r['tp']} TN {r['tn']} FP {r['fp']} FN {r['fn']})")


def run(args) -> int:
    import json
    from pathlib import Path

    import numpy as np

    from selfunc.cli.train_cnn import load_stamps
    from selfunc.cnn import (binary_report, cluster_probability, format_summary, load_model,
                             one_vs_all, outcomes, predict, summarise, targets_of)
    from selfunc.cnn import plots
    from selfunc.errors import SelfuncError
    from selfunc.io import atomic_path

    from selfunc.cli._paths import output_file, output_folder

    if args.out:
        output_file(args.out)
    if args.plots:
        output_folder(args.plots, "--plots")
    ds = load_stamps(args.data, args.split or "test", args.data_order)
    if not ds.labelled:
        raise SelfuncError(f"{args.data}: evaluation needs a label for every stamp")
    reports, curves, first = [], {}, None
    for path in args.models:
        model, meta = load_model(path)
        inp = meta["input"]
        try:
            images = ds.inputs(inp["kind"], tuple(inp["channel_order"]))
        except ValueError as exc:
            raise SelfuncError(f"{path}: {exc}") from None
        if tuple(images.shape[1:]) != tuple(inp["shape"]):
            raise SelfuncError(f"{path}: the model takes stamps of shape {tuple(inp['shape'])}, "
                               f"{args.data} has {tuple(images.shape[1:])}")
        probs = predict(model, images)
        p = cluster_probability(probs, meta["classes"])
        report = {"model": str(path), **binary_report(ds.is_cluster, p, threshold=args.threshold)}
        if meta["task"] == "five":
            report["per_class"] = one_vs_all(targets_of(ds, "five"), probs, meta["classes"])
        reports.append(report)
        curves[Path(path).stem] = (ds.is_cluster, p)
        print(_line(Path(path).name, report))
        for cls, r in report.get("per_class", {}).items():
            print(_line(f"  {cls:>7} vs all", r))
        if first is None:
            first = (model, meta, probs, p, images)
    if len(reports) > 1:
        print(format_summary({f"{len(reports)} models": summarise(reports)}))
    if args.out:
        with atomic_path(Path(args.out)) as tmp:
            tmp.write_text(json.dumps({"data": str(args.data), "reports": reports,
                                       "summary": summarise(reports) if len(reports) > 1 else None},
                                      indent=1, default=float))
    if args.plots:
        out = Path(args.plots)
        model, meta, probs, p, images = first
        truth = ds.is_cluster
        if truth.any() and (~truth).any():
            plots.plot_roc(curves, out / "roc.png")
        if meta["task"] == "five":
            y = targets_of(ds, "five")
            plots.plot_roc({c: (y == k, probs[:, k]) for k, c in enumerate(meta["classes"])
                            if (y == k).any() and (y != k).any()}, out / "roc_classes.png",
                           title="one vs all")
        else:
            y = truth.astype(int)
        plots.plot_confusion(y, np.argmax(probs, axis=1), meta["classes"], out / "confusion.png")
        rng = np.random.default_rng(0)
        for name, idx in outcomes(truth, p, threshold=args.threshold).items():
            if name == "TN" or len(idx) == 0:
                continue
            pick = np.sort(rng.choice(idx, size=min(5, len(idx)), replace=False))
            plots.plot_gallery(ds, pick, out / f"gallery_{name}.png", scores=p, title=name,
                               kind=meta["input"]["kind"],
                               order=tuple(meta["input"]["channel_order"]))
        if "conv6" in [layer.name for layer in model.layers] and len(images):
            k = int(np.argmax(p))
            plots.plot_feature_maps(model, images[k], out / "feature_maps.png")
            cam = plots.score_cam(model, images[k], int(np.argmax(probs[k])))
            plots.plot_activation(images[k], cam, out / "activation.png",
                                  title=f"Score-CAM, {ds.ids[k]} ({ds.labels[k]})")
        print(f"plots -> {out}")
    return 0
