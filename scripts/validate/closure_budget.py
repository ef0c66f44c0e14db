"""Where do a mock survey's selected clusters differ from the model's expectation?

The closure (``scripts/reproduce/cosmology_closure.py``) compares observed dN/dz with

    μ(z) = ∫ n(M, z) dV  P_Mz(M, z),   P_Mz = ⟨P_obs(flux, r_c, exposure, off-axis)⟩_scatter,

with P_obs fitted on a grid campaign. This script splits the difference between the two into
its links, per redshift bin, on one mock campaign at the input cosmology:

1. ``N_hmf`` vs ``N_true``: halos the mass function predicts in the mock's area against the
   true clusters the mock drew (the sky draw and the area);
2. ``ΣP_obs`` vs ``N_sel``: the grid-calibrated P_obs at each true cluster's own flux, r_c,
   exposure and off-axis angle against the clusters actually selected (does the grid's
   completeness transfer to the realistic sky?); the same with the grid's *binned*
   completeness (k/n in flux × r_c cells, model-free), to separate the parametric model's
   shape from the transfer;
3. ``ΣP_Mz`` vs ``ΣP_obs``: the mass–redshift mapping (scatter, exposure and off-axis
   averaging) at the true clusters' (M, z);
4. ``μ``: the model's expectation, as the closure fit uses it.

Then ``N_sel / ΣP_obs`` in bins of flux and core radius shows where the transfer fails.

    python scripts/validate/closure_budget.py GRID_CAMPAIGN MOCK_CAMPAIGN [--sf SELECTION.h5]
        [--selection C1]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np


def _grid_binned(grid_sample, f_edges, r_edges):
    """k/n of the grid's true clusters in (log flux, log r_c) cells; NaN where empty."""
    v = grid_sample.values
    i = np.digitize(np.log10(v["flux"]), np.log10(f_edges)) - 1
    j = np.digitize(np.log10(v["core_radius"]), np.log10(r_edges)) - 1
    ok = (i >= 0) & (i < len(f_edges) - 1) & (j >= 0) & (j < len(r_edges) - 1)
    n = np.zeros((len(f_edges) - 1, len(r_edges) - 1))
    k = np.zeros_like(n)
    np.add.at(n, (i[ok], j[ok]), 1)
    np.add.at(k, (i[ok], j[ok]), grid_sample.outcome[ok])
    with np.errstate(invalid="ignore", divide="ignore"):
        return k / n, n


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("grid", help="grid campaign folder (calibration)")
    ap.add_argument("mock", help="mock survey campaign folder (realistic population)")
    ap.add_argument("--sf", help="selection file (default GRID/closure_selection.h5 or "
                                 "GRID/selection.h5)")
    ap.add_argument("--selection", default="C1")
    a = ap.parse_args(argv)

    from selfunc.cosmology import expected_counts
    from selfunc.rules import Selection
    from selfunc.selection.catalogues import completeness_sample, read_catalogues
    from selfunc.selection.function import SelectionFunction
    from selfunc.selection.survey import SurveySelection

    grid, mock = Path(a.grid), Path(a.mock)
    sf_path = Path(a.sf) if a.sf else next(
        (p for p in (grid / "closure_selection.h5", grid / "selection.h5") if p.is_file()), None)
    if sf_path is None:
        print(f"{grid}: no closure_selection.h5 or selection.h5 (pass --sf)", file=sys.stderr)
        return 2
    sf = SelectionFunction.load(sf_path, "completeness")
    rule = Selection(a.selection)
    cols = ("flux", "core_radius", "exposure", "offaxis")
    ms = completeness_sample(read_catalogues(mock), rule, columns=cols,
                             extra=("redshift", "mass"))
    gs = completeness_sample(read_catalogues(grid), rule, columns=cols)
    v = ms.values
    survey = SurveySelection.from_campaign(mock, selection_file=sf_path)
    cos = survey.meta["cosmology"]
    from selfunc.config.models import Cosmology
    cosmo = Cosmology(**cos)
    n_point = len(read_catalogues(mock).pointings)
    area = n_point * np.pi * 13.0**2 / 3600.0

    lm = np.log10(v["mass"])
    inside = (lm >= survey.log10_mass[0]) & (lm <= survey.log10_mass[-1]) & \
             (v["redshift"] >= survey.redshift[0]) & (v["redshift"] <= survey.redshift[-1])
    p_obs = np.asarray(sf(**{c: v[c] for c in cols}), float)
    p_mz = np.full(len(lm), np.nan)
    p_mz[inside] = survey.completeness(v["mass"][inside], v["redshift"][inside])

    # model-free: the grid's k/n in flux x r_c cells (exposure, off-axis marginalised over
    # the grid's own distribution, which is the mock's: same survey preset)
    f_edges = np.geomspace(5e-15, 2e-13, 11)
    r_edges = np.geomspace(5.0, 120.0, 9)
    frac, ncell = _grid_binned(gs, f_edges, r_edges)
    fi = np.digitize(np.log10(v["flux"]), np.log10(f_edges)) - 1
    ri = np.digitize(np.log10(v["core_radius"]), np.log10(r_edges)) - 1
    p_bin = np.full(len(lm), np.nan)
    cell = (fi >= 0) & (fi < len(f_edges) - 1) & (ri >= 0) & (ri < len(r_edges) - 1)
    p_bin[cell] = frac[fi[cell], ri[cell]]
    # below the grid's flux range: never selected there (P_obs there is ~0 too); above it or
    # outside its r_c range: NaN, left out of ΣP_bin
    p_bin[(fi < 0) & (ri >= 0) & (ri < len(r_edges) - 1)] = 0.0

    z_edges = np.round(np.arange(0.05, 1.06, 0.1), 2)
    hmf = expected_counts(cosmo, None, area, z_edges)
    mu = expected_counts(cosmo, lambda m, z: survey.completeness(m, z, grid=True), area, z_edges)
    sel = ms.outcome
    print(f"mock {mock}: {n_point} pointings, {area:.2f} deg²; grid {grid}: {len(gs)} clusters; "
          f"selection [{a.selection}]; P_obs from {sf_path}")
    print("   z bin     N_hmf  N_true   N_sel  ΣP_obs  ΣP_bin(n)  ΣP_Mz      μ   N_sel/ΣP_obs")
    tot = np.zeros(7)
    for k in range(len(z_edges) - 1):
        b = (v["redshift"] >= z_edges[k]) & (v["redshift"] < z_edges[k + 1]) & inside
        okb = b & np.isfinite(p_bin)
        row = np.array([hmf[k], b.sum(), sel[b].sum(), p_obs[b].sum(), p_bin[okb].sum(),
                        p_mz[b].sum(), mu[k]])
        tot += row
        print(f" {z_edges[k]:.2f}–{z_edges[k + 1]:.2f} {row[0]:8.1f} {row[1]:7.0f} {row[2]:7.0f} "
              f"{row[3]:7.1f} {row[4]:7.1f}({okb.sum() - sel[okb].sum():.0f}) {row[5]:7.1f} "
              f"{row[6]:7.1f}   {row[2] / max(row[3], 1e-9):.2f}")
    print(f" total     {tot[0]:8.1f} {tot[1]:7.0f} {tot[2]:7.0f} {tot[3]:7.1f} {tot[4]:7.1f}  "
          f"       {tot[5]:7.1f} {tot[6]:7.1f}   {tot[2] / tot[3]:.2f}")
    # Is the difference significant? N_sel scatters binomially about ΣP_obs, and ΣP_obs
    # itself is uncertain by the grid's calibration (the spread over posterior draws): a
    # common error of every mock calibrated on the same grid, which more mocks do not reduce.
    sd_binom = float(np.sqrt(np.sum(p_obs[inside] * (1 - p_obs[inside]))))
    draws = np.asarray(sf(draws=100, **{c: v[c][inside] for c in cols}), float).sum(axis=1)
    sd_sf = float(np.std(draws))
    d = tot[2] - tot[3]
    print(f" N_sel − ΣP_obs = {d:+.1f} ± {sd_binom:.1f} (binomial) ± {sd_sf:.1f} (grid "
          f"calibration, {100 * sd_sf / tot[3]:.1f} %): {d / np.hypot(sd_binom, sd_sf):+.2f}σ")
    sel_bin = np.isfinite(p_bin)
    print(f" with the binned grid completeness (clusters in its cells): N_sel {sel[sel_bin].sum()}"
          f" vs ΣP_bin {p_bin[sel_bin].sum():.1f}")

    print("\nN_sel / ΣP_obs of the mock's true clusters in flux × r_c cells "
          "(n selected / expected):")
    print("  flux \\ r_c " + " ".join(f"{lo:5.0f}–{hi:<4.0f}" for lo, hi in
                                     zip(r_edges[:-1], r_edges[1:])))
    for i in range(len(f_edges) - 1):
        cells = []
        for j in range(len(r_edges) - 1):
            m = (fi == i) & (ri == j)
            e = p_obs[m].sum()
            cells.append(f"{sel[m].sum():3d}/{e:5.1f}" if m.sum() else "    –    ")
        print(f"  {f_edges[i]:.1e} " + " ".join(cells))
    print("\ngrid k/n in the same cells (n):")
    for i in range(len(f_edges) - 1):
        print(f"  {f_edges[i]:.1e} " + " ".join(
            f"{frac[i, j]:4.2f}({ncell[i, j]:3.0f})" for j in range(len(r_edges) - 1)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
