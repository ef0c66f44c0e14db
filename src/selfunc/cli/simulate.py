"""``selfunc simulate CONFIG --out DIR``."""

from __future__ import annotations

import time

from selfunc.cli._types import positive_int

HELP = "simulate a campaign of XMM pointings (sky, X-ray images, truth) from a config"


def register(sub) -> None:
    p = sub.add_parser("simulate", help=HELP, description=HELP)
    p.add_argument("config", help="campaign TOML file, or a preset name such as 'quickstart'")
    p.add_argument("--out", required=True, help="campaign folder (created; re-running resumes)")
    p.add_argument("--pointings", type=positive_int, default=None,
                   help="override the number of pointings of the config")
    p.add_argument("--force", action="store_true",
                   help="redo finished pointings and accept a changed config in DIR")
    p.add_argument("--workers", type=positive_int, default=None,
                   help="Dask worker processes of the local cluster (default: one per core)")
    p.add_argument("--scheduler", default=None,
                   help="address of a running Dask scheduler (tcp://HOST:PORT) instead of a "
                        "local cluster, e.g. one started by dask-jobqueue")
    p.set_defaults(func=run)


def run(args) -> int:
    from pathlib import Path

    from selfunc.campaign import run_campaign
    from selfunc.campaign.engine import check_stages
    from selfunc.config import configs_dir, load_campaign
    from selfunc.errors import SelfuncError

    from selfunc.cli._paths import output_folder
    from selfunc.config.campaign import MAX_POINTINGS

    path = Path(args.config)
    if not path.suffix and not path.exists():
        preset = configs_dir() / "campaign" / f"{args.config}.toml"
        if not preset.is_file():
            known = sorted(p.stem for p in (configs_dir() / "campaign").glob("*.toml"))
            raise SelfuncError(f"{args.config}: no such file, nor a campaign preset "
                               f"(known presets: {', '.join(known)})")
        path = preset
    cfg = load_campaign(path)
    if args.pointings is not None:
        if args.pointings > MAX_POINTINGS:
            raise SelfuncError(f"--pointings {args.pointings}: expected at most {MAX_POINTINGS}")
        cfg = cfg.model_copy(update={"campaign": cfg.campaign.model_copy(
            update={"n_pointings": args.pointings})})
    try:  # stages that cannot run together, before the folder is touched
        check_stages(cfg)
    except SelfuncError as exc:
        raise SelfuncError(f"{path}: {exc}") from None
    output_folder(args.out)
    t0 = time.perf_counter()
    summary = run_campaign(cfg, args.out, workers=args.workers, scheduler=args.scheduler,
                           force=args.force)
    print(f"{summary['total']} pointings in {args.out} ({summary['run']} run now, "
          f"{time.perf_counter() - t0:.1f} s)")
    return 0
