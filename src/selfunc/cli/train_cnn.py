"""``selfunc train-cnn DATA --out MODEL.keras``: train a CNN on labelled stamps."""

from __future__ import annotations

from selfunc.cli._types import positive_int, seed

HELP = ("train a CNN (Kosiba et al. 2020) on labelled stamps: a simulated campaign, an HDF5 "
        "dataset or a public-layout folder")


def add_data_arguments(p) -> None:
    p.add_argument("--split", default=None,
                   help="split of a public-layout folder (default: train for training, test "
                        "for evaluation)")
    p.add_argument("--data-order", default="zenodo",
                   help="channel order of a public-layout folder's PNGs: zenodo (default, "
                        "[empty, optical, X-ray]), paper, or R,G,B names")


def register(sub) -> None:
    p = sub.add_parser("train-cnn", help=HELP, description=HELP)
    p.add_argument("data", help="a campaign folder (selfunc simulate with the 'stamps' stage), "
                                "a stamp dataset (.h5 from selfunc.stamps) or a folder in the "
                                "public layout (train.csv + train_images/)")
    p.add_argument("--out", required=True, help="model file to write (.keras)")
    p.add_argument("--val", help="validation data (.h5 or public-layout folder); default: a "
                                 "stratified fraction of DATA (val_fraction of the preset)")
    p.add_argument("--val-split", default="val", help="split of a public-layout --val folder")
    add_data_arguments(p)
    p.add_argument("--preset", default="fast",
                   help="training preset: fast (default: 600 batches, minutes on a laptop; "
                        "not the paper's), table4-sgd (custom network, Table 4: 153 000 "
                        "batches), table4-mobilenet, custom_adam, or a TOML file")
    p.add_argument("--input", dest="kind", choices=("composite", "xray", "optical", "six"),
                   default="composite", help="network input (default composite)")
    p.add_argument("--channel-order", default="paper",
                   help="channel order of the network input: paper (default: R=empty, "
                        "G=X-ray, B=optical), zenodo, or R,G,B names")
    p.add_argument("--task", choices=("binary", "five"), help="override the preset's task")
    p.add_argument("--seed", type=seed, default=0, help="seed of this run (default 0)")
    length = p.add_mutually_exclusive_group()
    length.add_argument("--epochs", type=positive_int, help="train this many epochs")
    length.add_argument("--iterations", type=positive_int, help="train this many batches (Table 4)")
    p.add_argument("--batch-size", type=positive_int, help="override the preset's batch size")
    p.add_argument("--no-augment", action="store_true", help="switch augmentation off (§3.2)")
    p.add_argument("--labels", choices=("truth", "volunteers"), default="truth",
                   help="training labels of a campaign folder: truth (default; CN-E) or the "
                        "simulated volunteers' weighted vote, p_volunteer_cluster > 0.5 (CN-Z; "
                        "run 'selfunc crowd volunteers DIR' first; binary task only)")
    p.add_argument("--select", choices=("last", "best"), help="model kept at the end")
    p.add_argument("--checkpoint-dir", help="checkpoint folder (default OUT.ckpt)")
    p.add_argument("--no-resume", action="store_true",
                   help="start afresh even if a checkpoint exists")
    p.set_defaults(func=run)


def load_stamps(path: str, split: str, order: str):
    """A StampDataset from an .h5 file, a campaign folder or a public-layout folder."""
    from pathlib import Path

    from selfunc.errors import SelfuncError
    from selfunc.stamps import channel_order, is_public_folder, read_dataset, read_public

    p = Path(path)
    if p.is_dir() and (p / "campaign.toml").is_file():
        from selfunc.campaign.screening import campaign_stamps

        return campaign_stamps(p)
    if p.is_dir():
        if not is_public_folder(p):
            raise SelfuncError(f"{p}: a folder must be a simulated campaign (campaign.toml, "
                               "run with the 'stamps' stage) or in the public layout "
                               "(train.csv / test.csv with train_images/ / test_images/)")
        try:
            order = channel_order(order)
        except ValueError as exc:
            raise SelfuncError(str(exc)) from None
        return read_public(p, split, order=order)
    return read_dataset(p)


def volunteer_labelled(ds, data: str, task: str):
    """A campaign's stamps labelled by its simulated volunteers (p_volunteer_cluster > 0.5)."""
    from pathlib import Path

    import numpy as np
    from astropy.table import Table

    from selfunc.cnn.labels import relabel_binary
    from selfunc.errors import SelfuncError
    from selfunc.stamps import candidate_ids

    if task != "binary":
        raise SelfuncError("--labels volunteers: volunteers say cluster or not; use --task binary")
    path = Path(data) / "catalogues" / "candidates.h5"
    if not (Path(data) / "campaign.toml").is_file() or not path.is_file():
        raise SelfuncError(f"--labels volunteers: {data} is not a merged campaign folder")
    cand = Table.read(path, path="candidates")
    if "p_volunteer_cluster" not in cand.colnames:
        raise SelfuncError(f"{path}: no p_volunteer_cluster; run 'selfunc crowd volunteers {data}' first")
    p = np.asarray(cand["p_volunteer_cluster"], float)
    shown = np.isfinite(p)
    out = relabel_binary(ds, candidate_ids(cand[shown]), p[shown] > 0.5)
    r = out.provenance["relabelled"]
    print(f"volunteer labels: {len(out)} stamps, {r['to_cluster']} relabelled cluster, "
          f"{r['to_non_cluster']} relabelled non-cluster, {r['dropped']} without a vote dropped")
    return out


def run(args) -> int:
    from pathlib import Path

    from selfunc.cnn import load_train_config, train
    from selfunc.errors import SelfuncError
    from selfunc.stamps import channel_order

    try:
        order = channel_order(args.channel_order)
    except ValueError as exc:
        raise SelfuncError(str(exc)) from None
    if not args.out.endswith(".keras"):
        raise SelfuncError(f"--out {args.out}: a model file must end in .keras")
    from selfunc.cli._paths import output_file

    output_file(args.out)
    overrides = {"task": args.task, "batch_size": args.batch_size, "select": args.select,
                 "epochs": args.epochs, "iterations": args.iterations}
    if args.no_augment:
        overrides["augment"] = {"enabled": False}
    cfg = load_train_config(args.preset, **overrides)
    train_ds = load_stamps(args.data, args.split or "train", args.data_order)
    if args.labels == "volunteers":
        train_ds = volunteer_labelled(train_ds, args.data, cfg.task)
    val_ds = load_stamps(args.val, args.val_split, args.data_order) if args.val else None
    print(f"training {cfg.model.architecture} ({cfg.task}, input {args.kind}, order "
          f"{','.join(order)}) on {len(train_ds)} stamps from {args.data}")
    source = {"data": str(Path(args.data).resolve()), "val": args.val and str(Path(args.val).resolve()),
              "split": args.split or "train", "data_order": args.data_order}
    res = train(train_ds, cfg, val_ds=val_ds, seed=args.seed, kind=args.kind, order=order,
                out=args.out, checkpoint_dir=args.checkpoint_dir, resume=not args.no_resume,
                data_source=source)
    v = res.meta["validation"]
    print(f"validation: accuracy {v['val_accuracy']:.3f}, AUC {v['val_auc']:.3f} -> {res.path}")
    return 0
