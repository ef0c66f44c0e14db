"""``selfunc fit CAMPAIGN_DIR --selection RULE --out selection.h5 [--plots DIR]``."""

from __future__ import annotations

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
    p.add_argument("--covariates", default="core_radius,exposure,offaxis",
                   help="comma-separated covariates of the completeness threshold and width "
                        "(default: core_radius,exposure,offaxis)")
    p.add_argument("--link", choices=("erf", "logistic"), default="erf",
                   help="transition shape (default: erf)")
    p.add_argument("--seed", type=int, default=1, help="random seed of the sampler (default 1)")
    p.add_argument("--walkers", type=int, default=None, help="emcee walkers (default 2·ndim+2)")
    p.add_argument("--max-steps", type=int, default=20000,
                   help="longest chain before giving up on convergence (default 20000)")
    p.add_argument("--no-purity", action="store_true", help="fit completeness only")
    p.add_argument("--strict", action="store_true",
                   help="fail (exit 2) instead of warning when a convergence check fails")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    p.set_defaults(func=run)


def _fit(kind, sample, model, args, rng, selection, provenance, warn):
    """Fit one model, check binned against parametric, wrap it as a SelectionFunction."""
    import warnings

    import numpy as np

    from selfunc.errors import SelfuncError
    from selfunc.selection.binned import binned_fraction, compare
    from selfunc.selection.fitting import ConvergenceError, ConvergenceWarning, fit
    from selfunc.selection.function import SelectionFunction, evenly_spaced

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        try:
            post = fit(model, {c: sample.values[c] for c in model.columns}, sample.outcome,
                       rng=rng, nwalkers=args.walkers, max_steps=args.max_steps,
                       strict=args.strict)
        except ConvergenceError as exc:
            raise SelfuncError(f"{exc} (--strict)") from None
    for w in caught:
        if issubclass(w.category, ConvergenceWarning):
            warn(str(w.message))
        else:  # not ours: hand it back to the warnings machinery untouched
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    print(post.summary())
    # Binned against parametric over the driver and the first covariate, with bins sized
    # so that small campaigns still fill them (≈ 50 objects per driver bin).
    n = len(sample.outcome)
    bins = {model.driver.column: int(np.clip(n // 50, 2, 10))}
    if model.threshold and n >= 600:
        bins[model.threshold[0].column] = int(np.clip(n // 300, 2, 4))
    bf = binned_fraction(sample.values, sample.outcome, bins)
    p = model.probability(evenly_spaced(post.samples, 200),
                          {c: sample.values[c] for c in model.columns})
    agree = compare(bf, p)
    post.diagnostics["binned_check"] = {
        "bins": {k: int(v) for k, v in bins.items()}, "chi2": agree.chi2, "dof": agree.dof,
        "pvalue": agree.pvalue,
        "max_abs_pull": float(np.nanmax(np.abs(agree.pulls))) if agree.dof else None}
    if agree.dof:
        print(f"  binned vs parametric over {' × '.join(bins)}: χ² = {agree.chi2:.1f} for "
              f"{agree.dof} bins (p = {agree.pvalue:.3f})")
    else:
        print(f"  binned vs parametric: no bin over {' × '.join(bins)} holds ≥ 5 objects")
    ranges = {}
    for cov in model.variables:
        v = sample.values[cov.column]
        ranges[cov.column] = (float(np.min(v)), float(np.max(v)))
    return SelectionFunction.from_posterior(
        post, ranges=ranges, selection=selection,
        provenance=provenance | {"sample": sample.description, "dropped": sample.dropped})


def _model_covariates(sample, names, note):
    """Covariates with some spread in the sample; constant ones are dropped with a note."""
    import numpy as np

    keep = []
    for n in names:
        v = sample.values[n]
        if np.ptp(v) == 0:
            note(f"{n} is {v[0]:g} for every object: dropped from the model")
        else:
            keep.append(n)
    return keep


def run(args) -> int:
    import datetime as dt
    import hashlib
    import sys
    import time
    from pathlib import Path

    import numpy as np

    import selfunc
    from selfunc.errors import SelfuncError
    from selfunc.selection.catalogues import (completeness_sample, purity_sample,
                                              read_catalogues)
    from selfunc.selection.models import COVARIATES, completeness_model, purity_model
    from selfunc.selection.rules import Selection

    t0 = time.perf_counter()
    out = Path(args.out)
    if out.exists() and not args.overwrite:
        raise SelfuncError(f"{out} exists; pass --overwrite to replace it")
    if not out.parent.exists():
        raise SelfuncError(f"{out.parent}: no such directory for --out")
    covariates = [c.strip() for c in args.covariates.split(",") if c.strip()]
    unknown = [c for c in covariates if c not in COVARIATES or c == "flux"]
    if unknown:
        raise SelfuncError(f"--covariates: unknown {', '.join(unknown)}; choose from "
                           f"{', '.join(c for c in COVARIATES if c != 'flux')}")
    selection = Selection.from_string(args.selection)
    cat = read_catalogues(args.campaign)

    def warn(msg):
        print(f"selfunc fit: warning: {msg}", file=sys.stderr)

    def note(msg):
        print(f"  note: {msg}")

    checksums = {}
    for which in ("truth", "candidates", "pointings"):
        checksums[which] = hashlib.sha256(cat.file(which).read_bytes()).hexdigest()
    import emcee

    provenance = {
        "campaign": str(Path(args.campaign).resolve()),
        "catalogues_sha256": checksums,
        "arguments": {k: v for k, v in vars(args).items() if k != "func"},
        "seed": args.seed,
        "selfunc": selfunc.__version__, "numpy": np.__version__, "emcee": emcee.__version__,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "n_pointings": len(cat.pointings),
    }
    rng = np.random.default_rng(args.seed)

    comp = completeness_sample(cat, selection, columns=("flux",) + tuple(covariates))
    print(f"completeness: {comp.description}")
    for reason, n in comp.dropped.items():
        note(f"dropped {n} clusters ({reason})")
    if comp.outcome.sum() == 0:
        raise SelfuncError(f"no true cluster passes [{selection.expression}]; nothing to fit")
    kept = _model_covariates(comp, covariates, note)
    cmodel = completeness_model(kept, link=args.link)
    sf_c = _fit("completeness", comp, cmodel, args, rng, selection, provenance, warn)

    sf_p = pur = None
    if not args.no_purity:
        pur = purity_sample(cat, selection)
        print(f"purity: {pur.description}")
        for reason, n in pur.dropped.items():
            note(f"dropped {n} candidates ({reason})")
        if len(pur) < 10:
            note(f"purity not fitted: only {len(pur)} selected candidates (need ≥ 10)")
        else:
            pkept = _model_covariates(pur, ["rate"], note)
            pmodel = purity_model(pkept, link=args.link)
            sf_p = _fit("purity", pur, pmodel, args, rng, selection, provenance, warn)

    if out.exists():
        out.unlink()
    sf_c.save(out)
    if sf_p is not None:
        sf_p.save(out)
    print(f"wrote {out} ({', '.join(['completeness'] + (['purity'] if sf_p else []))})")

    if args.plots:
        _plots(Path(args.plots), cat, selection, comp, sf_c, pur, sf_p)
    print(f"done in {time.perf_counter() - t0:.1f} s")
    return 0


def _plots(folder, cat, selection, comp, sf_c, pur, sf_p) -> None:
    from selfunc.selection import plots

    folder.mkdir(parents=True, exist_ok=True)
    figs = {
        "completeness_curves": plots.completeness_curves(sf_c, comp.values, comp.outcome),
        "completeness_map": plots.completeness_map(sf_c, comp.values, comp.outcome),
        "completeness_corner": plots.corner(sf_c.samples, sf_c.parameter_names,
                                            title=f"completeness of [{selection.expression}]"),
    }
    if sf_p is not None:
        figs["purity_curves"] = plots.purity_curves(sf_p, pur.values, pur.outcome)
        figs["purity_corner"] = plots.corner(sf_p.samples, sf_p.parameter_names,
                                             title=f"purity of [{selection.expression}]")
    cand = cat.candidates
    if "ext" in cand.colnames and "ext_ml" in cand.colnames:
        sel = selection.apply(cand, source=str(cat.file("candidates")))
        figs["extent_likelihood"] = plots.extent_likelihood_plane(
            cand, selected=sel, title=f"candidates; circled: [{selection.expression}]")
    for name, fig in figs.items():
        path = folder / f"{name}.png"
        fig.savefig(path, dpi=110)
        print(f"  plot: {path}")
