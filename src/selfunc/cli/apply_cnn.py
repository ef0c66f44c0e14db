"""``selfunc apply-cnn MODEL CANDIDATES --images XRAY.fits --out OUT``: score candidates."""

from __future__ import annotations

from selfunc.cli._types import positive_int

HELP = "add p_cluster and class probabilities from a CNN to a candidate catalogue"


def register(sub) -> None:
    p = sub.add_parser("apply-cnn", help=HELP, description=HELP)
    p.add_argument("model", help="model file (.keras, written by train-cnn)")
    p.add_argument("candidates", help="candidate catalogue (FITS or HDF5) with ra, dec (deg)")
    p.add_argument("--images", required=True,
                   help="X-ray image with a celestial WCS (a simulated xray.fits is read at "
                        "its COUNTS HDU)")
    p.add_argument("--optical", help="optical image with a celestial WCS, for models whose "
                                     "input uses the optical band")
    p.add_argument("--out", required=True, help="output catalogue (.fits or .h5)")
    p.add_argument("--batch-size", type=positive_int, default=32)
    p.set_defaults(func=run)


def run(args) -> int:
    from pathlib import Path

    from astropy.table import Table

    from selfunc.cnn import load_model, score_candidates, stamp_config_of
    from selfunc.errors import SelfuncError
    from selfunc.io import atomic_path
    from selfunc.stamps import read_image

    from selfunc.cli._paths import output_file

    output_file(args.out)
    model, meta = load_model(args.model)
    cfg = stamp_config_of(meta)
    if "optical" in cfg.bands and not args.optical:
        raise SelfuncError(f"{args.model}: input '{cfg.kind}' uses the optical band; pass "
                           "--optical IMAGE.fits")
    path = Path(args.candidates)
    if not path.is_file():
        raise SelfuncError(f"{path}: file not found")
    try:
        cand = Table.read(path)
    except Exception as exc:  # noqa: BLE001 — astropy raises many kinds for a bad file
        raise SelfuncError(f"{path}: cannot read the catalogue ({exc})") from None
    xray = read_image(args.images, "COUNTS") if "xray" in cfg.bands else None
    optical = read_image(args.optical) if args.optical and "optical" in cfg.bands else None
    try:
        out = score_candidates(model, meta, cand, xray=xray, optical=optical,
                               batch_size=args.batch_size)
    except ValueError as exc:
        raise SelfuncError(f"{path}: {exc}") from None
    out.meta["CNNMODEL"] = Path(args.model).name
    dest = Path(args.out)
    with atomic_path(dest) as tmp:
        if dest.suffix in (".h5", ".hdf5"):
            out.write(tmp, format="hdf5", path="candidates", serialize_meta=True)
        else:
            out.write(tmp, format="fits")
    n_cl = int((out["p_cluster"] > 0.5).sum())
    print(f"{len(out)} candidates scored, {n_cl} with p_cluster > 0.5 -> {dest}")
    return 0
