"""``selfunc detect COUNTS.fits --exposure EXP.fits [--background BKG.fits] --out CAT.fits``."""

from __future__ import annotations

from selfunc.cli._types import positive_float

HELP = "detect and characterise sources (XAmin-like) on an XMM image, simulated or real"


#: Largest image read: a side of 8192 pixels (the limit of InstrumentConfig.npix) is 12×
#: the EPIC field at 2.5″; larger ones are refused before their pixels fill the memory.
MAX_SIDE = 8192
MAX_PIXELS = MAX_SIDE * MAX_SIDE


def register(sub) -> None:
    p = sub.add_parser("detect", help=HELP, description=HELP)
    p.add_argument("counts", help="counts image (FITS with a celestial WCS), or a simulated "
                                  "xray.fits that holds COUNTS, EXPOSURE and BACKGROUND")
    p.add_argument("--exposure", help="exposure map (s) on the same grid")
    p.add_argument("--background", help="background map (counts per pixel); estimated from "
                                        "the image when absent")
    p.add_argument("--camera", choices=("pn", "mos1", "mos2"),
                   help="camera of a single-camera image (default: from INSTRUME, else pn+MOS)")
    p.add_argument("--energy", type=positive_float, default=1.2,
                   help="band-weighted energy (keV) for the PSF (default 1.2)")
    p.add_argument("--config", help="detection TOML (a preset name such as 'xamin' or a file)")
    p.add_argument("--out", required=True, help="output candidate catalogue (FITS)")
    p.set_defaults(func=run)


def _check_fits(path, role: str, names=()) -> None:
    """Read the file's images now: a truncated or foreign file, or NaN / negative pixels, is
    one line naming the file. A NaN or negative pixel would otherwise give no sources, or a
    spurious one; no masking is guessed. ``names``: the HDUs read (default: the first
    2-D image)."""
    from pathlib import Path

    import warnings

    import numpy as np
    from astropy.io import fits
    from astropy.utils.exceptions import AstropyUserWarning

    from selfunc.errors import SelfuncError

    path = Path(path)
    if not path.is_file():
        raise SelfuncError(f"{path}: {role} file not found")
    try:
        with warnings.catch_warnings():
            # astropy's own "file may have been truncated" line would come before ours
            warnings.simplefilter("ignore", AstropyUserWarning)
            hdul = fits.open(path, memmap=False)
        with hdul:
            for h in hdul:  # from the header, before the pixels are read into memory
                shape = h.shape if h.is_image else ()
                if len(shape) == 2 and shape[0] * shape[1] > MAX_PIXELS:
                    raise SelfuncError(
                        f"{path}: HDU {h.name or 0} is {shape[1]}×{shape[0]} pixels; expected "
                        f"at most {MAX_SIDE}×{MAX_SIDE} (an EPIC image is ~650² at 4″)")
            arrays = [(h.name, h.data) for h in hdul if h.is_image and h.data is not None
                      and h.data.ndim == 2]
    except (OSError, TypeError, ValueError, IndexError) as exc:
        raise SelfuncError(f"{path}: cannot read the {role} as FITS ({exc}); expected a "
                           "complete FITS image (truncated file?)") from None
    chosen = [a for a in arrays if a[0] in names] or arrays[:1]
    for name, data in chosen:
        what = name.lower() if name in names else role
        data = np.asarray(data, float)
        bad = ~np.isfinite(data)
        if bad.any():
            raise SelfuncError(f"{path}: {int(bad.sum())} {what} pixel(s) are NaN or infinite; "
                               "expected finite values (set pixels without data to 0, with "
                               "exposure 0)")
        neg = data < 0
        if neg.any():
            raise SelfuncError(f"{path}: {int(neg.sum())} {what} pixel(s) are negative (min "
                               f"{float(data.min()):g}); expected values >= 0")


def run(args) -> int:
    from pathlib import Path

    from selfunc.cli._paths import output_file
    from selfunc.config import DetectionConfig, validate
    from selfunc.config.load import configs_dir, load_toml
    from selfunc.detect import run as detect
    from selfunc.detect.inputs import read_images
    from selfunc.errors import SelfuncError
    from selfunc.io import atomic_path

    cfg = DetectionConfig()
    if args.config:
        given = Path(args.config)
        if args.config.endswith(".toml") or given.parent != Path("."):
            if not given.is_file():  # named as given, not as a preset lookup would
                raise SelfuncError(f"--config {args.config}: file not found")
            path = given
        else:
            path = configs_dir() / "detection" / f"{args.config}.toml"
            if not path.is_file():
                known = sorted(p.stem for p in (configs_dir() / "detection").glob("*.toml"))
                raise SelfuncError(f"--config {args.config}: no such file, nor a detection "
                                   f"preset (known presets: {', '.join(known)})")
        cfg = validate(DetectionConfig, load_toml(path), [path])
    output_file(args.out)
    sim = ("COUNTS", "EXPOSURE", "BACKGROUND") if args.exposure is None else ()
    for path, role, names in ((args.counts, "counts image", sim),
                              (args.exposure, "exposure map", ()),
                              (args.background, "background map", ())):
        if path is not None:
            _check_fits(path, role, names)
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
