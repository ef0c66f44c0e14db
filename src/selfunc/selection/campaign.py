"""Fitting a campaign: the completeness and purity of one selection rule, saved as
:class:`~selfunc.selection.function.SelectionFunction` objects with their plots. Used by
``selfunc fit`` and by the campaign's own fit stage."""

from __future__ import annotations

import dataclasses

__all__ = ["FitOptions", "fit_campaign"]


@dataclasses.dataclass(frozen=True)
class FitOptions:
    selection: str = "C1"
    plots: str | None = None
    # core_radius_sq: the C1 threshold is a parabola in log r_c (docs/selection.md); without
    # it the grid campaign's binned completeness rejected the model at p ~ 1e-38
    covariates: tuple[str, ...] = ("core_radius", "core_radius_sq", "exposure", "offaxis")
    link: str = "erf"
    seed: int = 1
    walkers: int | None = None
    max_steps: int = 20000
    purity: bool = True
    strict: bool = False
    overwrite: bool = False


#: p-value of the binned-vs-parametric χ² below which ``selfunc fit`` warns that the model
#: misdescribes the campaign.
BINNED_ALPHA = 0.01


def _fit(kind, sample, model, opts, rng, selection, provenance, warn, echo):
    """Fit one model, check binned against parametric, wrap it as a SelectionFunction."""
    import warnings

    import numpy as np

    from selfunc.errors import SelfuncError
    from selfunc.selection.binned import binned_fraction, compare
    from selfunc.selection.fitting import ConvergenceError, ConvergenceWarning, fit
    from selfunc.selection.function import SelectionFunction, evenly_spaced

    ndim = model.ndim
    if opts.walkers is not None and opts.walkers < 2 * ndim:
        raise SelfuncError(f"--walkers {opts.walkers}: the {kind} model has {ndim} "
                           f"parameters; expected at least 2 × {ndim} = {2 * ndim} walkers")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        try:
            post = fit(model, {c: sample.values[c] for c in model.columns}, sample.outcome,
                       rng=rng, nwalkers=opts.walkers, max_steps=opts.max_steps,
                       strict=opts.strict)
        except ConvergenceError as exc:
            raise SelfuncError(f"{exc} (--strict)") from None
    for w in caught:
        if issubclass(w.category, ConvergenceWarning):
            warn(str(w.message))
        else:  # not ours: hand it back to the warnings machinery untouched
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    echo(post.summary())
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
        echo(f"  binned vs parametric over {' × '.join(bins)}: χ² = {agree.chi2:.1f} for "
             f"{agree.dof} bins (p = {agree.pvalue:.3f})")
        if agree.pvalue < BINNED_ALPHA:
            warn(f"the {kind} model does not describe the binned fractions over "
                 f"{' × '.join(bins)} (χ² = {agree.chi2:.1f} for {agree.dof} bins, p = "
                 f"{agree.pvalue:.1e}); its P is biased where they differ: try other "
                 "--covariates (e.g. core_radius_sq) or a wider/narrower campaign")
    else:
        echo(f"  binned vs parametric: no bin over {' × '.join(bins)} holds ≥ 5 objects")
    ranges = {}
    for cov in model.variables:
        v = sample.values[cov.column]
        ranges[cov.column] = (float(np.min(v)), float(np.max(v)))
    return SelectionFunction.from_posterior(
        post, ranges=ranges, selection=selection,
        provenance=provenance | {"sample": sample.description, "dropped": sample.dropped})


def _check_outputs(out, opts) -> None:
    """Refuse, before any work, outputs that could not be written at the end."""
    import os
    from pathlib import Path

    from selfunc.errors import SelfuncError
    from selfunc.io import check_writable_place

    if out.is_dir():
        raise SelfuncError(f"--out {out}: is a folder, expected an HDF5 file name "
                           "(e.g. selection.h5)")
    if out.exists() and not opts.overwrite:
        raise SelfuncError(f"{out} exists; pass --overwrite to replace it")
    if not out.parent.is_dir():
        what = "is a file" if out.parent.exists() else "no such directory"
        raise SelfuncError(f"--out {out}: {out.parent}: {what}; expected an existing folder")
    if not os.access(out.parent, os.W_OK | os.X_OK):
        raise SelfuncError(f"--out {out}: cannot write in {out.parent} (read-only or no "
                           "permission)")
    if opts.plots:
        check_writable_place(Path(opts.plots), Path(opts.plots), "--plots")


def _model_covariates(sample, names, note):
    """Covariates with some spread in the sample; constant ones are dropped with a note."""
    import numpy as np

    from selfunc.selection.models import COVARIATES

    keep = []
    for n in names:
        v = sample.values[COVARIATES[n].column] if n in COVARIATES else sample.values[n]
        if np.ptp(v) == 0:
            note(f"{n} is {v[0]:g} for every object: dropped from the model")
        else:
            keep.append(n)
    return keep


def fit_campaign(campaign, out, opts: FitOptions = FitOptions(), *, echo=print,
                 warn=None) -> dict:
    """Fit completeness (and purity) of ``opts.selection`` on a campaign folder, save them to
    ``out`` (HDF5) and draw the plots into ``opts.plots``; returns the selection functions."""
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
    from selfunc.rules import Selection

    t0 = time.perf_counter()
    out = Path(out)
    _check_outputs(out, opts)
    covariates = list(opts.covariates)
    unknown = [c for c in covariates if c not in COVARIATES or c == "flux"]
    if unknown:
        raise SelfuncError(f"--covariates: unknown {', '.join(unknown)}; choose from "
                           f"{', '.join(c for c in COVARIATES if c != 'flux')}")
    selection = Selection.from_string(opts.selection)
    # the columns the samples, the rule and the plots read: of a survey-size truth table
    # (~30 columns), about a third
    cat = read_catalogues(campaign, columns={*(c.column for c in COVARIATES.values()),
                                             *selection.columns, "kind",
                                             "is_cluster", "ext_ml", "det_ml", "label"})

    if warn is None:
        def warn(msg):
            print(f"selfunc fit: warning: {msg}", file=sys.stderr)

    def note(msg):
        echo(f"  note: {msg}")

    checksums = {}
    for which in ("truth", "candidates", "pointings"):
        checksums[which] = hashlib.sha256(cat.file(which).read_bytes()).hexdigest()
    import emcee

    provenance = {
        "campaign": str(Path(campaign).resolve()),
        "catalogues_sha256": checksums,
        "arguments": dataclasses.asdict(opts),
        "seed": opts.seed,
        "selfunc": selfunc.__version__, "numpy": np.__version__, "emcee": emcee.__version__,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "n_pointings": len(cat.pointings),
    }
    rng = np.random.default_rng(opts.seed)

    columns = ("flux",) + tuple(dict.fromkeys(COVARIATES[c].column for c in covariates))
    comp = completeness_sample(cat, selection, columns=columns)
    echo(f"completeness: {comp.description}")
    for reason, n in comp.dropped.items():
        note(f"dropped {n} clusters ({reason})")
    if comp.outcome.sum() == 0:
        raise SelfuncError(f"no true cluster passes [{selection.expression}]; nothing to fit")
    kept = _model_covariates(comp, covariates, note)
    cmodel = completeness_model(kept, link=opts.link)
    sf_c = _fit("completeness", comp, cmodel, opts, rng, selection, provenance, warn, echo)

    sf_p = pur = None
    if opts.purity:
        pur = purity_sample(cat, selection)
        echo(f"purity: {pur.description}")
        for reason, n in pur.dropped.items():
            note(f"dropped {n} candidates ({reason})")
        if len(pur) < 10:
            note(f"purity not fitted: only {len(pur)} selected candidates (need ≥ 10)")
        else:
            pkept = _model_covariates(pur, ["rate"], note)
            pmodel = purity_model(pkept, link=opts.link)
            sf_p = _fit("purity", pur, pmodel, opts, rng, selection, provenance, warn, echo)

    from selfunc.io import atomic_path

    # Both groups go into a fresh temporary file that replaces ``out`` in one rename: a run
    # killed while saving leaves the old file (or none), never a partial one.
    with atomic_path(out) as tmp:
        sf_c.save(tmp)
        if sf_p is not None:
            sf_p.save(tmp)
    echo(f"wrote {out} ({', '.join(['completeness'] + (['purity'] if sf_p else []))})")

    plots = {}
    if opts.plots:
        plots = _plots(Path(opts.plots), cat, selection, comp, sf_c, pur, sf_p, echo)
    echo(f"done in {time.perf_counter() - t0:.1f} s")
    return {"completeness": sf_c, "purity": sf_p, "plots": plots, "selection": selection,
            "n_clusters": len(comp.outcome), "n_selected_clusters": int(comp.outcome.sum()),
            "n_selected": 0 if pur is None else len(pur.outcome),
            "n_selected_true": 0 if pur is None else int(pur.outcome.sum())}


def _plots(folder, cat, selection, comp, sf_c, pur, sf_p, echo) -> dict:
    import matplotlib.pyplot as plt

    from selfunc.selection import plots

    folder.mkdir(parents=True, exist_ok=True)
    figs = {
        "completeness_curves": plots.completeness_curves(sf_c, comp.values, comp.outcome),
        "completeness_map": plots.completeness_map(sf_c, comp.values, comp.outcome),
        "completeness_corner": plots.corner(
            sf_c.samples, sf_c.parameter_names, title=f"completeness of [{selection.expression}]",
            descriptions=[sf_c.model.describe(n) for n in sf_c.parameter_names]),
    }
    if sf_p is not None:
        figs["purity_curves"] = plots.purity_curves(sf_p, pur.values, pur.outcome)
        figs["purity_corner"] = plots.corner(
            sf_p.samples, sf_p.parameter_names, title=f"purity of [{selection.expression}]",
            descriptions=[sf_p.model.describe(n) for n in sf_p.parameter_names])
    cand = cat.candidates
    if "ext" in cand.colnames and "ext_ml" in cand.colnames:
        sel = selection.apply(cand, source=str(cat.file("candidates")))
        figs["extent_likelihood"] = plots.extent_likelihood_plane(
            cand, selected=sel, title=f"candidates; circled: [{selection.expression}]")
    from selfunc.atomic import save_figure

    paths = {}
    for name, fig in figs.items():
        path = folder / f"{name}.png"
        save_figure(fig, path, dpi=110)
        plt.close(fig)
        paths[name] = path
        echo(f"  plot: {path}")
    return paths
