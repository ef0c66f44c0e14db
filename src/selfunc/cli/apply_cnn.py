"""``selfunc apply-cnn MODEL CANDIDATES --images XRAY.fits [--optical PLATE.fits] --out OUT``
or ``selfunc apply-cnn MODEL --campaign DIR --pointing N --out OUT``: score candidates."""

from __future__ import annotations

from selfunc.cli._types import nonnegative_int, positive_int

HELP = "add p_cluster and class probabilities from a CNN to a candidate catalogue"


def register(sub) -> None:
    p = sub.add_parser("apply-cnn", help=HELP, description=HELP)
    p.add_argument("model", help="model file (.keras, written by train-cnn)")
    p.add_argument("candidates", nargs="?",
                   help="candidate catalogue (FITS or HDF5) with ra, dec (deg); with "
                        "--campaign, default: the pointing's candidates.fits")
    p.add_argument("--images",
                   help="X-ray image with a celestial WCS (a simulated xray.fits is read at "
                        "its COUNTS HDU); with --campaign, default: the pointing's xray.fits")
    p.add_argument("--optical", help="optical image with a celestial WCS (a DSS plate), for "
                                     "models whose input uses the optical band; with "
                                     "--campaign, default: the pointing's plate, re-drawn")
    p.add_argument("--campaign", help="a campaign folder (written by selfunc simulate)")
    p.add_argument("--pointing", type=nonnegative_int, help="pointing id inside --campaign")
    p.add_argument("--screen", help="with --campaign: the rule of the candidates to score "
                                    "(default: the campaign's [cnn] screen; others get NaN)")
    p.add_argument("--write-optical", metavar="PLATE.fits",
                   help="with --campaign: also write the pointing's full optical plate")
    p.add_argument("--out", required=True, help="output catalogue (.fits or .h5)")
    p.add_argument("--batch-size", type=positive_int, default=32)
    p.set_defaults(func=run)


def _read_candidates(path):
    from pathlib import Path

    from astropy.table import Table

    from selfunc.errors import SelfuncError

    path = Path(path)
    if not path.is_file():
        raise SelfuncError(f"{path}: file not found")
    try:
        return Table.read(path)
    except Exception as exc:  # noqa: BLE001 — astropy raises many kinds for a bad file
        raise SelfuncError(f"{path}: cannot read the catalogue ({exc})") from None


def _check_covers(band, cand, flag: str, path) -> None:
    """Every candidate's centre must lie on the band's image: one line naming the file."""
    import numpy as np

    from selfunc.errors import SelfuncError

    image, wcs = band
    x, y = wcs.world_to_pixel_values(np.asarray(cand["ra"], float), np.asarray(cand["dec"], float))
    ny, nx = np.shape(image)
    off = ~((x > -0.5) & (x < nx - 0.5) & (y > -0.5) & (y < ny - 0.5))
    if off.any():
        k = int(np.argmax(off))
        raise SelfuncError(f"{flag} {path}: candidate row {k} at (ra, dec) = "
                           f"({float(cand['ra'][k]):.5f}, {float(cand['dec'][k]):.5f}) lies "
                           f"outside this image ({int(off.sum())} of {len(cand)} do)")


def _check_args(args) -> None:
    from selfunc.errors import SelfuncError

    if args.campaign is None:
        for flag in ("pointing", "screen", "write_optical"):
            if getattr(args, flag) is not None:
                raise SelfuncError(f"--{flag.replace('_', '-')} needs --campaign DIR")
        if args.candidates is None or args.images is None:
            raise SelfuncError("apply-cnn: give CANDIDATES and --images XRAY.fits, or "
                               "--campaign DIR --pointing N")
    else:
        if args.pointing is None:
            raise SelfuncError(f"--campaign {args.campaign}: give --pointing N")
        for flag in ("candidates", "images", "optical"):
            if getattr(args, flag) is not None:
                raise SelfuncError(f"{'CANDIDATES' if flag == 'candidates' else '--' + flag} "
                                   "comes from the campaign folder with --campaign; leave it out")


def _campaign(args, model, meta):
    """Score a campaign pointing from its folder, the optical plate re-drawn."""
    from pathlib import Path

    from selfunc.cnn.pointing import pointing_inputs, score_pointing
    from selfunc.rules import Selection

    inputs = pointing_inputs(args.campaign, args.pointing)
    rule = args.screen or inputs.cfg.cnn.screen
    mask = Selection.from_string(rule).apply(inputs.candidates,
                                             source=f"candidates (--screen '{rule}')")
    if args.write_optical:
        from selfunc.optical import OpticalField, write_field

        sc = inputs.scene
        image, intensity = sc.render((0, 0, sc.grid.npix, sc.grid.npix))
        write_field(OpticalField(scene=sc, wcs=sc.wcs(), image=image, intensity=intensity),
                    Path(args.write_optical))
    return score_pointing(model, meta, inputs, mask, batch_size=args.batch_size)


def run(args) -> int:
    from pathlib import Path

    import numpy as np

    from selfunc.cnn import load_model, score_candidates, stamp_config_of
    from selfunc.errors import SelfuncError
    from selfunc.io import atomic_path
    from selfunc.stamps import read_image

    from selfunc.cli._paths import output_file

    _check_args(args)
    output_file(args.out)
    if args.write_optical:
        output_file(args.write_optical, "--write-optical")
    model, meta = load_model(args.model)
    cfg = stamp_config_of(meta)
    if args.campaign is not None:
        out = _campaign(args, model, meta)
    else:
        if "optical" in cfg.bands and not args.optical:
            raise SelfuncError(f"{args.model}: input '{cfg.kind}' uses the optical band; pass "
                               "--optical IMAGE.fits (or --campaign DIR --pointing N for a "
                               "simulated pointing)")
        cand = _read_candidates(args.candidates)
        missing = [c for c in ("ra", "dec") if c not in cand.colnames]
        if missing:
            raise SelfuncError(f"{args.candidates}: the catalogue has no column "
                               f"{', '.join(missing)} (deg)")
        xray = read_image(args.images, "COUNTS") if "xray" in cfg.bands else None
        optical = read_image(args.optical) if args.optical and "optical" in cfg.bands else None
        for flag, band, path in (("--images", xray, args.images), ("--optical", optical, args.optical)):
            if band is not None:
                _check_covers(band, cand, flag, path)
        try:
            out = score_candidates(model, meta, cand, xray=xray, optical=optical,
                                   batch_size=args.batch_size)
        except ValueError as exc:
            raise SelfuncError(f"{args.candidates}: {exc}") from None
    out.meta["CNNMODEL"] = Path(args.model).name
    dest = Path(args.out)
    with atomic_path(dest) as tmp:
        if dest.suffix in (".h5", ".hdf5"):
            out.write(tmp, format="hdf5", path="candidates", serialize_meta=True)
        else:
            out.write(tmp, format="fits")
    p = np.asarray(out["p_cluster"], float)
    n_scored = int(np.isfinite(p).sum())
    n_cl = int((p > 0.5).sum())
    print(f"{n_scored} of {len(out)} candidates scored, {n_cl} with p_cluster > 0.5 -> {dest}")
    return 0
