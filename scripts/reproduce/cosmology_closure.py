"""Closed loop from a simulated survey to (Ω_m, σ_8): does the selection function recover the input?

1. A grid campaign (``sims/grid.toml``) calibrates P(selected | flux, r_c, exposure, off-axis)
   of the rule (default ``C1``) with ``selfunc simulate`` + ``selfunc fit``.
2. ``--mocks`` independent mock surveys of ``--area`` deg² each (X-CLASS-like 10/20 ks pointings,
   the realistic mass-function population at the preset's cosmology, its Ω_m and σ_8 being the
   input) go through simulation and detection; their selected true clusters give dN/dz (true
   redshifts of clusters matched to a selected candidate: spectroscopic follow-up is assumed
   to have removed the contaminants).
3. For each mock, P(selected | M, z) = the grid selection function mapped through the scaling
   relations (scatter integrated) and averaged over the mock's exposures and off-axis angles
   (:class:`selfunc.selection.survey.SurveySelection`); a Poisson likelihood of dN/dz on an
   (Ω_m, σ_8) grid (:mod:`selfunc.cosmology`) with the scaling relations held fixed.
4. The same fit with a naive selection: a sharp flux limit at the flux where the fitted
   completeness is 50 % (median exposure, median off-axis angle, r_c = 20″).
5. Where the mock's truth has the XXL band rates (``hr``), a second fit of the same selected
   clusters in (log10 CR, HR, z) with the fitted selection
   (:class:`selfunc.observable_counts.ObservableCounts`: true CR = flux × ecf, true HR, true z;
   columns ``crhrz_*`` of the CSV).

Prints a table (input, recovered mean ± σ per mock, pulls, naive result) and writes
``OUT/closure.csv`` and ``OUT/closure.png``. Campaign folders are reused: an interrupted run
resumes where it stopped.

    python scripts/reproduce/cosmology_closure.py --out sims/closure [--mocks 5] [--area 25]
        [--grid-pointings 600] [--workers 2] [--selection C1]

Cost on this machine (2 cores): ~3 s per pointing; 5 × 25 deg² ≈ 850 pointings plus the grid.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from selfunc.atomic import save_figure, write_text
from selfunc.config.load import configs_dir, load_toml, resolve_preset
from selfunc.config.models import PopulationConfig
from selfunc.cosmology import CountKernel, fit_grid, fit_grid_marginal
from selfunc.errors import SelfuncError

#: Analysis disc per pointing (the placement and max_offaxis radius of the presets), deg².
FIELD_DEG2 = np.pi * 13.0**2 / 3600.0
Z_EDGES = np.round(np.arange(0.05, 1.06, 0.1), 2)
#: (log10 CR / (1/s), HR) bins of the CR-HR-z fit: open end bins, 0.25 dex and 0.15 in HR
#: over the selected clusters' 5-95 % ranges (the model at the input: log10 CR −2.1 … −0.6,
#: HR 0.35 … 1.1).
CR_EDGES = np.array([-np.inf, -2.0, -1.75, -1.5, -1.25, -1.0, -0.75, np.inf])
HR_EDGES = np.array([-np.inf, 0.45, 0.6, 0.75, 0.9, 1.05, np.inf])
CRHRZ_COLUMNS = ("crhrz_Om0,crhrz_Om0_err,crhrz_sigma8,crhrz_sigma8_err,crhrz_pull_Om0,"
                 "crhrz_pull_sigma8")
DEFAULT_COVARIATES = "core_radius,core_radius_sq,exposure,offaxis"
MARG_COLUMNS = "marg_Om0,marg_Om0_err,marg_sigma8,marg_sigma8_err,marg_pull_Om0,marg_pull_sigma8"

# Both the grid and the mocks carry the XXL band images (0.5-1, 1-2, 2-10 keV; the 0.5-2 keV
# detection images are unchanged by them), so the same campaigns also give the true and
# measured count rates and hardness ratios of the CR-HR-z selection.
MOCK_TOML = """# written by scripts/reproduce/cosmology_closure.py
instrument = {{ preset = "epic", bands = "xxl" }}
survey = "xclass"
population = "mass_function"
detection = "xamin"

[campaign]
name = "closure-mock-{i}"
seed = {seed}
n_pointings = {n}
selection = "{rule}"
stages = ["sky", "xray", "detect"]

[outputs]
images = "none"
stamps = false
"""


def run(cmd: list[str]) -> None:
    print("  $", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def selfunc_cmd() -> str:
    exe = Path(sys.executable).with_name("selfunc")
    return str(exe) if exe.exists() else "selfunc"


def _tag(a) -> str:
    """File-name suffix of a fit with non-default covariates (outputs side by side)."""
    return "" if a.covariates == DEFAULT_COVARIATES else "_" + a.covariates.replace(",", "+")


def calibrate(out: Path, a) -> Path:
    grid = out / "grid"
    cfg = out / "configs" / "grid.toml"
    if not cfg.exists():
        text = Path("sims/grid.toml").read_text()
        write_text(cfg, text.replace('instrument = "epic"',
                                     'instrument = { preset = "epic", bands = "xxl" }', 1))
    run([selfunc_cmd(), "simulate", str(cfg), "--out", str(grid),
         "--pointings", str(a.grid_pointings), "--workers", str(a.workers)])
    # named by its covariates: a file fitted with another model is never picked up
    sel = grid / f"closure_selection_{a.covariates.replace(',', '+')}.h5"
    if not sel.exists():
        run([selfunc_cmd(), "fit", str(grid), "--selection", a.selection, "--out", str(sel),
             "--no-purity", "--covariates", a.covariates])
    return sel


def simulate_mock(out: Path, i: int, n: int, a) -> Path:
    folder = out / f"mock_{i}"
    cfg = out / "configs" / f"mock_{i}.toml"
    if not cfg.exists():
        write_text(cfg, MOCK_TOML.format(i=i, seed=7000 + i, n=n, rule=a.selection))
    run([selfunc_cmd(), "simulate", str(cfg), "--out", str(folder), "--workers", str(a.workers)])
    return folder


def observed_counts(folder: Path, rule: str) -> np.ndarray:
    from selfunc.selection.catalogues import completeness_sample, read_catalogues
    from selfunc.rules import Selection

    sample = completeness_sample(read_catalogues(folder), Selection(rule))
    z = sample.values["redshift"][sample.outcome]
    return np.histogram(z, Z_EDGES)[0]


def observed_crhrz(folder: Path, rule: str):
    """(log10 CR, HR, z) counts of the selected true clusters (true CR = flux × ecf, true hr
    and redshift), or None where the truth has no ``hr`` (made without the XXL bands)."""
    from selfunc.observable_counts import observed_counts
    from selfunc.rules import Selection
    from selfunc.selection.catalogues import completeness_sample, read_catalogues

    cat = read_catalogues(folder)
    if "hr" not in cat.truth.colnames:
        return None
    # the dN/dz sample's columns too, so that both fits count the same clusters
    sample = completeness_sample(cat, Selection(rule),
                                 columns=("flux", "core_radius", "exposure", "offaxis", "ecf",
                                          "hr", "redshift"))
    v = {k: np.asarray(x)[sample.outcome] for k, x in sample.values.items()}
    return observed_counts(v["flux"] * v["ecf"], v["hr"], v["redshift"], CR_EDGES, HR_EDGES,
                           Z_EDGES)


def crhrz_grid(folder: Path, sel_file: Path, area: float, om, s8, fiducial):
    """μ(Ω_m, σ_8) on the (log10 CR, HR, z) cube for the fitted selection, the mock's
    population, instrument, exposures and analysis radius."""
    from selfunc.observable_counts import ObservableCounts

    model = ObservableCounts.from_campaign(folder, selection_file=sel_file)
    return model.count_grid(area, CR_EDGES, HR_EDGES, Z_EDGES, om, s8, fiducial=fiducial)


def crhrz_row(n3, grid, om, s8, truth) -> tuple:
    """(Ω_m, σ, σ_8, σ, pulls) of the CR-HR-z fit, and the GridFit."""
    from selfunc.observable_counts import fit_grid as fit_crhrz

    fit = fit_crhrz(n3, grid, om, s8)
    (mo, so), (ms, ss) = fit.marginal("Om0"), fit.marginal("sigma8")
    return (mo, so, ms, ss, (mo - truth.Om0) / so, (ms - truth.sigma8) / ss), fit


def flux_limit_selection(sf, survey, exposures):
    """P = 1 where the mean-relation flux of (M, z) exceeds the 50 % completeness flux."""
    from scipy.optimize import brentq

    from selfunc import halos, scaling

    fixed = {"exposure": float(np.median(exposures)), "offaxis": 13.0 / np.sqrt(2.0),
             "core_radius": 20.0}
    fixed = {k: v for k, v in fixed.items() if k in sf.variables}

    def p(logf):
        return float(np.squeeze(sf(flux=10.0**logf, redshift=0.3, **fixed))) - 0.5

    f50 = 10 ** brentq(p, -16.0, -11.0)
    meta = survey.meta
    from selfunc.config.models import ClusterMassFunction, Cosmology, ScalingRelations

    rel = ScalingRelations(**meta["relations"])
    cos = Cosmology(**meta["cosmology"])
    mf = ClusterMassFunction(cosmology=cos, scaling=rel)
    cosmo = scaling.astropy_cosmology(cos)
    share = scaling.r500_fraction(rel.x_c, meta["beta"], meta["truncation"])

    def naive(m, z):
        mm, zz = np.meshgrid(m, z, indexing="ij")
        t = scaling.temperature_from_mass(mm, zz, cosmo, rel, mf_slope=halos.log_slope(mf, mm, zz))
        lum = scaling.luminosity_from_mass(mm, zz, cosmo, rel)
        f = scaling.flux_from_luminosity(lum, zz, t, cosmo, r500_share=share)
        return (f > f50).astype(float)

    return naive, f50


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="sims/closure", help="work folder (campaigns, results)")
    ap.add_argument("--mocks", type=int, default=5)
    ap.add_argument("--area", type=float, default=25.0, help="deg² per mock survey")
    ap.add_argument("--grid-pointings", type=int, default=600)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--selection", default="C1")
    ap.add_argument("--covariates", default=DEFAULT_COVARIATES,
                    help="completeness covariates of the grid fit (selfunc fit --covariates)")
    a = ap.parse_args(argv)
    out = Path(a.out)
    t0 = time.perf_counter()

    from selfunc.selection.function import SelectionFunction
    from selfunc.selection.survey import SurveySelection

    print(f"[1] calibrating P(selected | flux, r_c, exposure, off-axis) of '{a.selection}'")
    sel_file = calibrate(out, a)
    sf = SelectionFunction.load(sel_file, "completeness")

    n_point = int(np.ceil(a.area / FIELD_DEG2))
    area = n_point * FIELD_DEG2
    pop = PopulationConfig(**load_toml(resolve_preset(
        "population", "mass_function", configs_dir() / "population" / "x.toml")))
    truth = pop.mass_function.cosmology
    om = np.round(np.linspace(0.16, 0.48, 33), 3)
    s8 = np.round(np.linspace(0.62, 1.00, 39), 3)
    rows, fits, crhrz, marg = [], [], [], []
    good = bad = cube = None
    for i in range(a.mocks):
        print(f"[2] mock {i}: {n_point} pointings, {area:.1f} deg²")
        folder = simulate_mock(out, i, n_point, a)
        n = observed_counts(folder, a.selection)
        survey = SurveySelection.from_campaign(folder, selection_file=sel_file)
        if good is None:   # the mocks share exposures mix and relations: one grid for all
            # μ is linear in P: one kernel per cosmology serves the median, every posterior
            # draw of the selection function and the naive limit
            kernel = CountKernel.build(area, Z_EDGES, om, s8, fiducial=truth)
            good = kernel.counts(survey.completeness(kernel.mass, kernel.z, grid=True))
            draws = kernel.counts(survey.completeness_draws(kernel.mass, kernel.z))
            exposures = np.asarray(survey.meta["conditions"]["exposure_s"])
            naive, f50 = flux_limit_selection(sf, survey, exposures)
            bad = kernel.counts(naive(kernel.mass, kernel.z))
        fg = fit_grid(n, None, area, Z_EDGES, om, s8, grid=good)
        fb = fit_grid(n, None, area, Z_EDGES, om, s8, grid=bad)
        fm = fit_grid_marginal(n, draws, om, s8)
        fits.append((fg, fb))
        (mm, sm), (mms, sms) = fm.marginal("Om0"), fm.marginal("sigma8")
        marg.append((mm, sm, mms, sms, (mm - truth.Om0) / sm, (mms - truth.sigma8) / sms))
        (mo, so), (ms, ss) = fg.marginal("Om0"), fg.marginal("sigma8")
        (bo, bso), (bs, bss) = fb.marginal("Om0"), fb.marginal("sigma8")
        rows.append((i, int(n.sum()), mo, so, ms, ss, (mo - truth.Om0) / so,
                     (ms - truth.sigma8) / ss, bo, bso, bs, bss,
                     (bo - truth.Om0) / bso, (bs - truth.sigma8) / bss))
        n3 = observed_crhrz(folder, a.selection)
        if n3 is not None:
            if cube is None:
                cube = crhrz_grid(folder, sel_file, area, om, s8, truth)
            try:
                crhrz.append(crhrz_row(n3, cube, om, s8, truth))
            except SelfuncError as exc:  # a cell the model's halo sample never reaches
                print(f"    mock {i}: no CR-HR-z fit ({exc})")
                crhrz.append(None)
        else:
            crhrz.append(None)

    header = ("mock,n_selected,Om0,Om0_err,sigma8,sigma8_err,pull_Om0,pull_sigma8,"
              "naive_Om0,naive_Om0_err,naive_sigma8,naive_sigma8_err,naive_pull_Om0,"
              "naive_pull_sigma8")
    header += "," + MARG_COLUMNS
    rows_out = [r + m for r, m in zip(rows, marg)]
    with_crhrz = any(c is not None for c in crhrz)
    if with_crhrz:
        header += "," + CRHRZ_COLUMNS
        rows_out = [r + (c[0] if c is not None else (np.nan,) * 6)
                    for r, c in zip(rows_out, crhrz)]
    lines = [header] + [",".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in r)
                        for r in rows_out]
    write_text(out / f"closure{_tag(a)}.csv", "\n".join(lines) + "\n")
    print(f"\ninput: Ωm = {truth.Om0}, σ8 = {truth.sigma8}; area {area:.1f} deg² per mock; "
          f"naive flux limit {f50:.3g} erg/s/cm² (0.5–2 keV, total)")
    print(" mock   N   Ωm (fitted SF)   σ8 (fitted SF)   pulls        | Ωm (flux limit)  σ8 (flux limit)  pulls")
    for r in rows:
        print(f" {r[0]:3d} {r[1]:4d}  {r[2]:.3f} ± {r[3]:.3f}  {r[4]:.3f} ± {r[5]:.3f}  "
              f"{r[6]:+.2f} {r[7]:+.2f}  | {r[8]:.3f} ± {r[9]:.3f}  {r[10]:.3f} ± {r[11]:.3f}  "
              f"{r[12]:+.2f} {r[13]:+.2f}")
    pulls = np.array([[r[6], r[7]] for r in rows])
    within = np.sum(np.all(np.abs(pulls) < 1, axis=1))
    print(f"within 1σ in both: {within} of {len(rows)}; mean pull Ωm {pulls[:, 0].mean():+.2f}, "
          f"σ8 {pulls[:, 1].mean():+.2f}")
    # The posterior is a narrow banana along the Ω_m-σ_8 degeneracy, so the two marginal
    # pulls are not independent: also count the input inside the joint 68 % region.
    inside = [_inside_68(fg, truth) for fg, _ in fits]
    print(f"input inside the joint 68 % region (2 Δln L < 2.30): {sum(inside)} of {len(fits)} "
          f"(flux limit: {sum(_inside_68(fb, truth) for _, fb in fits)})")
    print(" mock   dN/dz, marginalised over the selection function's posterior draws: Ωm   σ8   pulls")
    for r, m in zip(rows, marg):
        print(f" {r[0]:3d}  {m[0]:.3f} ± {m[1]:.3f}  {m[2]:.3f} ± {m[3]:.3f}  {m[4]:+.2f} {m[5]:+.2f}")
    mp = np.array([[m[4], m[5]] for m in marg])
    print(f"marginalised within 1σ in both: {np.sum(np.all(np.abs(mp) < 1, axis=1))} of "
          f"{len(mp)}; mean pull Ωm {mp[:, 0].mean():+.2f}, σ8 {mp[:, 1].mean():+.2f}")
    if with_crhrz:
        print(" mock   CR-HR-z (fitted SF): Ωm   σ8   pulls")
        for r, cc in zip(rows, crhrz):
            if cc is None:
                print(f" {r[0]:3d}  (not fitted)")
                continue
            c = cc[0]
            print(f" {r[0]:3d}  {c[0]:.3f} ± {c[1]:.3f}  {c[2]:.3f} ± {c[3]:.3f}  "
                  f"{c[4]:+.2f} {c[5]:+.2f}")
        cp = np.array([[c[0][4], c[0][5]] for c in crhrz if c is not None])
        print(f"CR-HR-z within 1σ in both: {np.sum(np.all(np.abs(cp) < 1, axis=1))} of "
              f"{len(cp)}; mean pull Ωm {cp[:, 0].mean():+.2f}, σ8 {cp[:, 1].mean():+.2f}")
    _plot(out / f"closure{_tag(a)}.png", fits, truth,
          [c[1] for c in crhrz if c is not None] if with_crhrz else None)
    print(f"wrote {out}/closure{_tag(a)}.csv, .png in {time.perf_counter() - t0:.0f} s")
    return 0


def _inside_68(fit, truth) -> bool:
    """Whether the input (Ω_m, σ_8) lies inside the fit's joint 68 % region (2 Δln L < 2.30,
    the likelihood interpolated bilinearly on the grid)."""
    from scipy.interpolate import RegularGridInterpolator

    ll = RegularGridInterpolator((fit.om, fit.s8), fit.loglike)([[truth.Om0, truth.sigma8]])[0]
    return bool(2 * (fit.loglike.max() - ll) < 2.30)


def _plot(path, fits, truth, crhrz_fits=None):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 5))
    for k, (fg, fb) in enumerate(fits):
        for fit, colour in ((fg, "C0"), (fb, "C3")):
            d = 2 * (fit.loglike.max() - fit.loglike)
            ax.contour(fit.om, fit.s8, d.T, levels=[2.30], colors=colour, linewidths=1)
    for fit in crhrz_fits or ():
        d = 2 * (fit.loglike.max() - fit.loglike)
        ax.contour(fit.om, fit.s8, d.T, levels=[2.30], colors="C2", linewidths=1)
    ax.plot([], [], "C0", label="fitted selection function (68 %)")
    ax.plot([], [], "C3", label="naive flux limit (68 %)")
    if crhrz_fits:
        ax.plot([], [], "C2", label="CR-HR-z, fitted selection function (68 %)")
    ax.plot(truth.Om0, truth.sigma8, "k*", ms=12, label="input")
    ax.set(xlabel=r"$\Omega_{\rm m}$", ylabel=r"$\sigma_8$",
           title="cosmology closure: one 68 % contour per mock survey")
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, path, dpi=110)


if __name__ == "__main__":
    sys.exit(main())
