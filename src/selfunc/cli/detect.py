"""``selfunc detect COUNTS.fits --exposure EXP.fits [--background BKG.fits] --out CAT.fits``."""

from __future__ import annotations

HELP = "detect and characterise sources (XAmin-like) on an XMM image, simulated or real"


def register(sub) -> None:
    p = sub.add_parser("detect", help=HELP, description=HELP)
    p.add_argument("counts", help="counts image (FITS with a celestial WCS), or a simulated "
                                  "xray.fits that holds COUNTS, EXPOSURE and BACKGROUND")
    p.add_argument("--exposure", help="exposure map (s) on the same grid")
    p.add_argument("--background", help="background map (counts per pixel); estimated from "
                                        "the image when absent")
    p.add_argument("--camera", choices=("pn", "mos1", "mos2"),
                   help="camera of a single-camera image (default: from INSTRUME, else pn+MOS)")
    p.add_argument("--energy", type=float, default=1.2,
                   help="band-weighted energy (keV) for the PSF (default 1.2)")
    p.add_argument("--config", help="detection TOML (a preset name such as 'xamin' or a file)")
    p.add_argument("--out", required=True, help="output candidate catalogue (FITS)")
    p.set_defaults(func=run)


def run(args) -> int:
    from pathlib import Path

    from selfunc.config import DetectionConfig, validate
    from selfunc.config.load import load_toml, resolve_preset
    from selfunc.detect import run as detect
    from selfunc.detect.inputs import read_images
    from selfunc.io import atomic_path

    cfg = DetectionConfig()
    if args.config:
        path = resolve_preset("detection", args.config, Path.cwd() / "cli")
        cfg = validate(DetectionConfig, load_toml(path), [path])
    images, psf = read_images(args.counts, args.exposure, args.background, camera=args.camera,
                              energy=args.energy)
    timings: dict = {}
    cat = detect(images, psf, cfg, timings=timings)
    cat.meta.update(COUNTS=str(args.counts), EXPOSURE=str(args.exposure),
                    BKGMAP=str(args.background), CAMERAS=",".join(psf.cameras),
                    PIXSCALE=psf.pixel)
    with atomic_path(Path(args.out)) as tmp:
        cat.write(tmp, format="fits")
    n_ext = int((cat["C1"] | cat["C2"]).sum())
    print(f"{len(cat)} sources ({int(cat['C1'].sum())} C1, {int(cat['C2'].sum())} C2, "
          f"{n_ext} extended) in {sum(v for k, v in timings.items() if k != 'n_extracted'):.1f} s"
          f" -> {args.out}")
    return 0
