"""Binned against parametric completeness (and purity) on a simulated campaign.

Acceptance check of the selection issue: "binned and parametric estimates agree within
their errors on a real simulated campaign". For each binning, the binned successes are
compared with the model expectation Σ P_i over the same objects (Poisson-binomial plus
posterior variance; :func:`selfunc.selection.binned.compare`) and a χ² is reported.

    .venv/bin/python scripts/validate/binned_vs_parametric.py CAMPAIGN_DIR --selection C1 \
        [--sf selection.h5]

With ``--sf`` the stored fit is used (it must come from this campaign and rule); otherwise
the completeness and purity are fitted here with the command's defaults (seed 1).
Exit status 0 when every χ² p-value exceeds ``--alpha`` (default 0.01).
"""

from __future__ import annotations

import argparse
import sys
import warnings

import numpy as np

from selfunc.selection.binned import binned_fraction, compare
from selfunc.selection.catalogues import completeness_sample, purity_sample, read_catalogues
from selfunc.selection.fitting import ConvergenceWarning, fit
from selfunc.selection.function import SelectionFunction, evenly_spaced
from selfunc.selection.models import completeness_model, purity_model
from selfunc.rules import Selection


def _fit(model, sample, seed):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        post = fit(model, {c: sample.values[c] for c in model.columns}, sample.outcome,
                   rng=np.random.default_rng(seed))
    for w in caught:
        print(f"  warning: {w.message}")
    return SelectionFunction(post.model, post.samples, diagnostics=post.diagnostics)


def _report(name, sf, sample, binnings, alpha) -> bool:
    p = sf.model.probability(evenly_spaced(sf.samples, 300),
                             {c: sample.values[c] for c in sf.model.columns})
    ok = True
    print(f"{name}: {len(sample)} objects, {int(sample.outcome.sum())} successes")
    for bins in binnings:
        if any(k not in sample.values or np.ptp(sample.values[k]) == 0 for k in bins):
            continue
        bf = binned_fraction(sample.values, sample.outcome, bins)
        a = compare(bf, p)
        flag = "ok" if a.pvalue > alpha else "DISAGREE"
        ok &= a.pvalue > alpha
        print(f"  {' × '.join(f'{k}[{v}]' for k, v in bins.items()):34s} χ² = {a.chi2:7.1f} / "
              f"{a.dof:3d} bins, p = {a.pvalue:.3f}, max |pull| = "
              f"{np.nanmax(np.abs(a.pulls)):.2f}  {flag}")
    return ok


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("campaign")
    ap.add_argument("--selection", default="C1")
    ap.add_argument("--sf", default=None, help="selection.h5 from 'selfunc fit' to check")
    ap.add_argument("--alpha", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    sel = Selection.from_string(args.selection)
    cat = read_catalogues(args.campaign)
    comp = completeness_sample(cat, sel)
    if args.sf:
        sfc = SelectionFunction.load(args.sf)
    else:
        covs = [c for c in ("core_radius", "exposure", "offaxis") if np.ptp(comp.values[c]) > 0]
        if "core_radius" in covs:   # the parabola in log r_c of selfunc fit's default
            covs.insert(1, "core_radius_sq")
        sfc = _fit(completeness_model(covs), comp, args.seed)
    ok = _report("completeness", sfc, comp, [
        {"flux": 10}, {"core_radius": 8}, {"offaxis": 6}, {"exposure": 2},
        {"flux": 8, "core_radius": 4}, {"flux": 8, "offaxis": 3}, {"flux": 8, "exposure": 2},
    ], args.alpha)
    pur = purity_sample(cat, sel)
    if len(pur) >= 10:
        sfp = (SelectionFunction.load(args.sf, "purity") if args.sf
               else _fit(purity_model(), pur, args.seed))
        ok &= _report("purity", sfp, pur, [{"ext": 10}, {"rate": 6}, {"ext": 8, "rate": 3}],
                      args.alpha)
    print("binned and parametric agree" if ok else "binned and parametric DISAGREE somewhere")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
