"""``selfunc export-simput SOURCE [--pointing N] [--config FILE] --out CAT.simput.fits``."""

from __future__ import annotations

from selfunc.cli._types import nonnegative_int, positive_int, seed

HELP = "write a pointing's truth as a SIMPUT catalogue (for SIXTE / SOXS cross-checks)"


def register(sub) -> None:
    p = sub.add_parser("export-simput", help=HELP, description=HELP)
    p.add_argument("source", help="a campaign folder (with campaign.toml; give --pointing) or "
                                  "a truth.fits file")
    p.add_argument("--pointing", type=nonnegative_int, help="pointing id inside a campaign folder")
    p.add_argument("--config", help="campaign TOML for a bare truth.fits (a campaign file, or "
                                    "a campaign folder's campaign.toml); default: the defaults")
    p.add_argument("--out", required=True, help="output SIMPUT file (FITS)")
    p.add_argument("--photons", type=positive_int, default=200_000,
                   help="photons per 3-D cluster for its image (default 200000)")
    p.add_argument("--seed", type=seed, default=None,
                   help="seed of the 3-D clusters' photons (default: from the pointing's "
                        "campaign seed and id)")
    p.set_defaults(func=run)


def run(args) -> int:
    from selfunc.campaign.export import export_simput
    from selfunc.cli._paths import output_file

    output_file(args.out)
    print(export_simput(args.source, args.out, pointing=args.pointing, config=args.config,
                        photons=args.photons, seed=args.seed))
    return 0
