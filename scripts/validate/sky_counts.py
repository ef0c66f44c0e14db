"""The simulated cluster sky beside the XXL-100-GC, before any detection.

Draws AREA deg² of clusters from a population preset (truth only, no images), computes each
β-model's flux inside 1′ (F60, the XXL-100-GC's selection quantity), and prints N(>F60) at 1, 3
and 10 ×10⁻¹⁴ erg s⁻¹ cm⁻² and the redshift distribution of the F60 > 3×10⁻¹⁴ sample beside the
reference values of :mod:`selfunc.sky.xxl` (errors: Poisson ⊕ cosmic variance). Writes a
two-panel PNG (N(>S) on log axes, dN/dz with error bars).

    python scripts/validate/sky_counts.py [--population mass_function] [--area 400]
        [--seed 1] [--plot sky_counts.png]
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from selfunc.atomic import save_figure
from selfunc.config.load import configs_dir, load_toml, resolve_preset
from selfunc.config.models import PopulationConfig
from selfunc.sky import xxl
from selfunc.sky.counts import n_greater, redshift_histogram, survey_clusters


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--population", default="mass_function",
                    help="population preset name or TOML file (default mass_function)")
    ap.add_argument("--area", type=float, default=400.0, help="deg² of sky to draw")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--plot", default="sky_counts.png")
    a = ap.parse_args(argv)

    path = resolve_preset("population", a.population, configs_dir() / "population" / "x.toml")
    pop = PopulationConfig(**load_toml(path))
    t0 = time.perf_counter()
    cl = survey_clusters(pop, a.area, np.random.default_rng(a.seed))
    dt = time.perf_counter() - t0
    print(f"{len(cl)} clusters over {a.area:g} deg² from {path.name} in {dt:.1f} s")
    # XXL II compares its density with WMAP9 ("slightly below") and Planck 2015
    # ("significantly below"): the same population under those two cosmologies.
    skies = {f"{path.stem} preset": cl}
    for name in xxl.REFERENCE_COSMOLOGIES:
        mf = pop.mass_function.model_copy(update=dict(cosmology=xxl.reference_cosmology(name)))
        skies[name] = survey_clusters(pop.model_copy(update=dict(mass_function=mf)), a.area,
                                      np.random.default_rng(a.seed))

    ref = xxl.reference_counts()
    for label, sky in skies.items():
        print(f"\n{label}: N(>F60) per deg²   simulated        XXL reference     (sim − ref)/σ")
        for s in xxl.THRESHOLDS:
            n, e = n_greater(sky["flux_60"], s, a.area)
            r, re = ref[s]
            line = f"  F60 > {s:7.1e}   {n[0]:6.2f} ± {e[0]:5.2f}"
            if np.isfinite(r):
                line += f"    {r:6.2f} ± {re:5.2f}     {(n[0] - r) / np.hypot(e[0], re):+6.2f}"
            else:
                line += "    (no reference)"
            print(line)
        sel = sky[sky["flux_60"] > xxl.F60_LIMIT]
        hot = np.sum((sel["temperature"] > xxl.HOT_T) & (sel["redshift"] < xxl.HOT_ZMAX))
        d, de = xxl.hot_density()
        print(f"  T > {xxl.HOT_T:g} keV, z < {xxl.HOT_ZMAX:g}, F60 > 3e-14: {hot / a.area:5.2f} ± "
              f"{np.sqrt(hot) / a.area:4.2f} deg⁻²; XXL-100-GC {d:4.2f} ± {de:4.2f}")

    sel = cl[cl["flux_60"] > xxl.F60_LIMIT]
    edges = xxl.Z_EDGES
    sim_h = redshift_histogram(sel["redshift"], edges)
    ref_h = xxl.redshift_counts()
    # Simulated counts scaled to the reference's area, errors Poisson of each.
    scale = xxl.AREA_DEG2 / a.area
    print(f"\nF60 > {xxl.F60_LIMIT:.0e}: dN/dz in {xxl.AREA_DEG2:g} deg² (simulation scaled from "
          f"{a.area:g} deg²)")
    print("  z bin        simulated         XXL-100-GC")
    for lo, hi, s_n, r_n in zip(edges[:-1], edges[1:], sim_h, ref_h):
        print(f"  {lo:4.2f}–{hi:4.2f}   {s_n * scale:6.1f} ± {np.sqrt(s_n) * scale:4.1f}     "
              f"{r_n:4d} ± {np.sqrt(r_n):4.1f}")
    print(f"  median z: simulated {np.median(sel['redshift']):.3f}, XXL-100-GC "
          f"{xxl.MEDIAN_Z:.3f}; median M500 simulated {np.median(sel['mass']):.3g} Msun")

    _plot(skies, a, sim_h, ref_h, scale, ref)
    print(f"\nwrote {a.plot}")
    return 0


def _plot(skies, a, sim_h, ref_h, scale, ref):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4.2))
    s = np.geomspace(5e-15, 3e-13, 40)
    for label, sky in skies.items():
        n, e = n_greater(sky["flux_60"], s, a.area)
        line, = ax1.plot(s, n, label=f"simulated, {label}")
        ax1.fill_between(s, np.maximum(n - e, 1e-3), n + e, alpha=0.3, color=line.get_color())
    for thr, (r, re) in ref.items():
        if np.isfinite(r):
            ax1.errorbar(thr, r, yerr=re, fmt="o", color="k", capsize=3)
    ax1.plot([], [], "ok", label="XXL-100-GC (Poisson ⊕ cosmic variance)")
    ax1.set(xscale="log", yscale="log", xlabel="F60, 0.5–2 keV flux in 1′ [erg s⁻¹ cm⁻²]",
            ylabel="N(>F60) [deg⁻²]", title="cluster counts, no detection")
    ax1.legend(fontsize=8)
    edges = xxl.Z_EDGES
    mid = 0.5 * (edges[1:] + edges[:-1])
    w = np.diff(edges)
    ax2.errorbar(mid - 0.01, sim_h * scale, yerr=np.sqrt(sim_h) * scale, xerr=w / 2, fmt="o",
                 capsize=2, label=f"simulated ({next(iter(skies))}), scaled to {xxl.AREA_DEG2:g} deg²")
    ax2.errorbar(mid + 0.01, ref_h, yerr=np.sqrt(ref_h), fmt="sk", capsize=2,
                 label="XXL-100-GC")
    ax2.set(xlabel="redshift z", ylabel=f"clusters per Δz = {w[0]:.1f} (F60 > 3×10⁻¹⁴)",
            title="redshift distribution")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, a.plot, dpi=110)


if __name__ == "__main__":
    sys.exit(main())
