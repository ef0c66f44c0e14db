"""``selfunc fit CAMPAIGN_DIR --selection RULE --out selection.h5 [--plots DIR]``."""

from __future__ import annotations

from selfunc.cli._types import positive_int, seed

HELP = "fit completeness and purity of a selection rule on a simulated campaign"


def register(sub) -> None:
    p = sub.add_parser("fit", help=HELP, description=HELP)
    p.add_argument("campaign", metavar="CAMPAIGN_DIR",
                   help="campaign folder with catalogues/{truth,candidates,pointings}.h5")
    p.add_argument("--selection", default="C1",
                   help="rule or name: C1, C1+C2, C1+CNN, C1+C2+CNN, or an expression such as "
                        "'(C1 or C2) and p_cluster > 0.5' (default: C1)")
    p.add_argument("--out", required=True, help="output HDF5 file (groups completeness, purity)")
    p.add_argument("--plots", metavar="DIR", default=None, help="write diagnostic PNGs here")
    p.add_argument("--covariates", default="core_radius,core_radius_sq,exposure,offaxis",
                   help="comma-separated covariates of the completeness threshold and width "
                        "(default: core_radius,core_radius_sq,exposure,offaxis)")
    p.add_argument("--link", choices=("erf", "logistic"), default="erf",
                   help="transition shape (default: erf)")
    p.add_argument("--seed", type=seed, default=1, help="random seed of the sampler (default 1)")
    p.add_argument("--walkers", type=positive_int, default=None, help="emcee walkers (default 2·ndim+2)")
    p.add_argument("--max-steps", type=positive_int, default=20000,
                   help="longest chain before giving up on convergence (default 20000)")
    p.add_argument("--no-purity", action="store_true", help="fit completeness only")
    p.add_argument("--strict", action="store_true",
                   help="fail (exit 2) instead of warning when a convergence check fails")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    p.set_defaults(func=run)


def run(args) -> int:
    from selfunc.selection.campaign import FitOptions, fit_campaign

    covariates = tuple(c.strip() for c in args.covariates.split(",") if c.strip())
    opts = FitOptions(selection=args.selection, plots=args.plots, covariates=covariates,
                      link=args.link, seed=args.seed, walkers=args.walkers,
                      max_steps=args.max_steps, purity=not args.no_purity, strict=args.strict,
                      overwrite=args.overwrite)
    fit_campaign(args.campaign, args.out, opts)
    return 0
