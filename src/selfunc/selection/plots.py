"""Figures for a fitted selection function: what a person checks before trusting it.

* :func:`fraction_curves` — completeness against flux per core-radius bin (or purity against
  extent per count-rate bin): binned Beta-posterior points and the model prediction with its
  16–84 % band. The model curve is the model averaged over the objects of the bin, at
  their own other covariates, with the driving variable replaced — the quantity the binned
  points estimate — so the two are directly comparable.
* :func:`completeness_map` — the flux–core-radius plane: binned completeness, the model's
  expectation per cell, and the pulls between them.
* :func:`corner` — one- and two-dimensional marginals of the posterior samples.
* :func:`extent_likelihood_plane` — candidates in the extent vs extension-likelihood plane
  (Pacaud et al. 2006, Fig. 4; Kosiba et al. 2020, Appendix B), coloured by truth, with the
  C1 and C2 boundaries.

Every function returns a :class:`matplotlib.figure.Figure` built without ``pyplot``, so
no global backend or state is touched; ``fig.savefig(path)`` renders it with Agg.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
from matplotlib import ticker
from matplotlib.figure import Figure

from selfunc.errors import SelfuncError
from selfunc.selection.binned import bin_edges, bin_index, binned_fraction, compare
from selfunc.selection.function import SelectionFunction, evenly_spaced
from selfunc.selection.models import COVARIATES

__all__ = ["fraction_curves", "completeness_curves", "purity_curves", "completeness_map",
           "corner", "extent_likelihood_plane"]

_LABELS = {"flux": "flux [erg s$^{-1}$ cm$^{-2}$]", "core_radius": "core radius [arcsec]",
           "ext": "extent [arcsec]", "rate": "count rate [ct s$^{-1}$]",
           "exposure": "exposure [s]", "offaxis": "off-axis [arcmin]", "ext_ml": "EXT_ML"}


def _label(name: str) -> str:
    return _LABELS.get(name, name)


def _unit(name: str) -> str:
    """The unit of a covariate for titles (`` arcsec``; empty when dimensionless)."""
    c = COVARIATES.get(name)
    return f" {c.unit}" if c is not None and c.unit else ""


def _log_ticks(axis, lo: float, hi: float) -> None:
    """Readable ticks on a log axis spanning less than two decades (1, 2, 5 × 10ⁿ, plain)."""
    if hi / lo < 100:
        axis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
        axis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        axis.set_minor_formatter(ticker.NullFormatter())


def _nbins(n_objects: int, per_bin: int, lo: int, hi: int) -> int:
    """Number of bins giving about ``per_bin`` objects each, clipped to [lo, hi]."""
    return int(np.clip(n_objects // per_bin, lo, hi))


def _subset(mask: np.ndarray, n: int) -> np.ndarray:
    idx = np.flatnonzero(mask)
    if len(idx) > n:
        idx = idx[np.linspace(0, len(idx) - 1, n).round().astype(int)]
    return idx


def fraction_curves(
    sf: SelectionFunction, values: Mapping, outcome, *, group: str,
    group_bins: int | Sequence[float] | None = None,
    driver_bins: int | Sequence[float] | None = None,
    draws: int = 100, max_objects: int = 1500, title: str | None = None,
) -> Figure:
    """Binned fraction and model against the driving variable, one panel per ``group`` bin.

    Parameters
    ----------
    sf : SelectionFunction
    values : mapping column → array
        The fitted objects (must hold the model's variables and ``group``).
    outcome : bool array
    group : str
        Column whose bins make the panels (``core_radius`` for completeness, ``rate`` for
        purity).
    group_bins, driver_bins : int or edges, optional
        By default about 100 objects per panel (2 to 4 panels) and 10 per point (4 to 12
        points), so that small campaigns still give readable curves.
    draws : int
        Posterior draws for the band.
    max_objects : int
        Objects per panel used to average the model (evenly spaced subset).
    """
    driver = sf.model.driver.column
    y = np.asarray(outcome, dtype=bool)
    if group not in values:
        raise SelfuncError(f"cannot group by '{group}': not among {', '.join(values)}")
    g = np.asarray(values[group], dtype=float)
    if group_bins is None:
        group_bins = _nbins(len(y), 100, 2, 4)
    if driver_bins is None:
        n_groups = int(group_bins) if np.ndim(group_bins) == 0 else len(group_bins) - 1
        driver_bins = _nbins(len(y) // n_groups, 10, 4, 12)
    gedges = (bin_edges(g, group_bins, group) if np.ndim(group_bins) == 0
              else np.asarray(group_bins))
    dv = np.asarray(values[driver], dtype=float)
    dedges = (bin_edges(dv, driver_bins, driver) if np.ndim(driver_bins) == 0
              else np.asarray(driver_bins))
    xgrid = np.geomspace(dedges[0], dedges[-1], 60)
    gi = bin_index(g, gedges)
    nb = len(gedges) - 1
    ncol = min(nb, 3)
    nrow = int(np.ceil(nb / ncol))
    fig = Figure(figsize=(4.2 * ncol, 3.4 * nrow), layout="constrained")
    axes = fig.subplots(nrow, ncol, squeeze=False, sharex=True, sharey=True)
    theta = evenly_spaced(sf.samples, draws)
    for b in range(nrow * ncol):
        ax = axes.flat[b]
        if b >= nb:
            ax.set_visible(False)
            continue
        inbin = gi == b
        if inbin.sum() == 0:
            ax.text(0.5, 0.5, "no objects", transform=ax.transAxes, ha="center")
            continue
        sub = {k: np.asarray(v)[inbin] for k, v in values.items()}
        bf = binned_fraction(sub, y[inbin], {driver: dedges})
        c = bf.centres[0]
        ok = bf.n > 0
        ax.errorbar(c[ok], bf.fraction[ok], yerr=[bf.fraction[ok] - bf.lower[ok],
                                                  bf.upper[ok] - bf.fraction[ok]],
                    fmt="o", ms=4, color="k", capsize=2, label="binned k/n (68 %)")
        # Model averaged over the bin's objects at their own covariates.
        idx = _subset(inbin, max_objects)
        model_vals = {k: np.asarray(values[k])[idx][None, :] for k in sf.variables if k != driver}
        model_vals[driver] = xgrid[:, None]
        p = sf.model.probability(theta, model_vals).mean(axis=-1)      # (draws, 60)
        lo, med, hi = np.percentile(p, [16, 50, 84], axis=0)
        ax.fill_between(xgrid, lo, hi, color="C0", alpha=0.3, lw=0, label="model 16–84 %")
        ax.plot(xgrid, med, color="C0", lw=1.5, label="model median")
        ax.set_xscale("log")
        _log_ticks(ax.xaxis, xgrid[0], xgrid[-1])
        ax.set_ylim(-0.03, 1.05)
        ax.set_title(f"{gedges[b]:.3g} ≤ {group} < {gedges[b + 1]:.3g}{_unit(group)}  "
                     f"(N = {int(inbin.sum())})",
                     fontsize=9)
        ax.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel(_label(driver))
    for ax in axes[:, 0]:
        ax.set_ylabel(sf.kind)
    axes.flat[0].legend(fontsize=7, loc="best")
    rule = sf.selection.expression if sf.selection else ""
    fig.suptitle(title or f"{sf.kind} of [{rule}]")
    return fig


def completeness_curves(sf, values, outcome, **kw) -> Figure:
    """:func:`fraction_curves` against flux per core-radius bin."""
    return fraction_curves(sf, values, outcome, group=kw.pop("group", "core_radius"), **kw)


def purity_curves(sf, values, outcome, **kw) -> Figure:
    """:func:`fraction_curves` against measured extent per count-rate bin."""
    return fraction_curves(sf, values, outcome, group=kw.pop("group", "rate"), **kw)


def completeness_map(
    sf: SelectionFunction, values: Mapping, outcome, *, x: str = "flux",
    y: str = "core_radius", xbins: int | Sequence[float] | None = None,
    ybins: int | Sequence[float] | None = None, draws: int = 100, min_count: int = 5,
) -> Figure:
    """Binned fraction, model expectation and pulls in the ``x``–``y`` plane.

    By default the plane is cut into about one cell per 15 objects (at most 12 × 8, at
    least 3 × 2), so that most cells hold the ``min_count`` objects a pull needs.

    The model panel is :math:`\\sum_i P_i / n` over the objects of each cell (posterior
    mean), the pulls are :func:`~selfunc.selection.binned.compare`'s, NaN (blank) in cells
    with fewer than ``min_count`` objects.
    """
    yy = np.asarray(outcome, dtype=bool)
    cells = max(len(yy) // 15, 6)
    if ybins is None:
        ybins = int(np.clip(round(np.sqrt(cells / 1.5)), 2, 8))
    if xbins is None:
        xbins = int(np.clip(cells // (ybins if np.ndim(ybins) == 0 else len(ybins) - 1), 3, 12))
    bf = binned_fraction(values, yy, {x: xbins, y: ybins})
    theta = evenly_spaced(sf.samples, draws)
    p = sf.model.probability(theta, {k: values[k] for k in sf.variables})
    agree = compare(bf, p, min_count=min_count)
    with np.errstate(invalid="ignore", divide="ignore"):
        model_frac = np.where(bf.n > 0, agree.expected / bf.n, np.nan)
    fig = Figure(figsize=(14, 4.2), layout="constrained")
    axes = fig.subplots(1, 3, sharex=True, sharey=True)
    ex, ey = bf.edges
    panels = [(bf.fraction, "binned k/n", "viridis", 0, 1),
              (model_frac, "model expectation", "viridis", 0, 1),
              (agree.pulls, f"pull (χ²/dof = {agree.chi2:.1f}/{agree.dof})", "RdBu_r", -4, 4)]
    for ax, (data, name, cmap, vmin, vmax) in zip(axes, panels):
        m = ax.pcolormesh(ex, ey, data.T, cmap=cmap, vmin=vmin, vmax=vmax)
        fig.colorbar(m, ax=ax, shrink=0.9)
        ax.set_title(name, fontsize=10)
        ax.set_xscale("log")
        ax.set_yscale("log")
        _log_ticks(ax.xaxis, ex[0], ex[-1])
        _log_ticks(ax.yaxis, ey[0], ey[-1])
        ax.set_xlabel(_label(x))
    # Contours of the model at the median of the other covariates, for orientation.
    others = {k: np.median(np.asarray(values[k])) for k in sf.variables if k not in (x, y)}
    gx, gy = np.geomspace(ex[0], ex[-1], 80), np.geomspace(ey[0], ey[-1], 60)
    grid = sf(**{x: gx[None, :], y: gy[:, None]}, **others)
    cs = axes[1].contour(gx, gy, grid, levels=[0.1, 0.5, 0.9], colors="w", linewidths=1)
    axes[1].clabel(cs, fontsize=7)
    axes[0].set_ylabel(_label(y))
    cond = ", ".join(f"{k} = {v:.3g}{_unit(k)}" for k, v in others.items())
    rule = sf.selection.expression if sf.selection else ""
    fig.suptitle(f"{sf.kind} of [{rule}]" + (f" — contours: model at {cond}" if cond else ""))
    return fig


def corner(samples: np.ndarray, names: Sequence[str], *, truths=None, bins: int = 25,
           title: str | None = None, descriptions: Sequence[str] | None = None) -> Figure:
    """Corner plot: histograms on the diagonal, 39 % and 86 % (1σ, 2σ in 2-D) contours below.

    ``descriptions`` (one line per parameter, e.g. :meth:`TransitionModel.describe`) are
    written in the empty upper triangle, so the figure explains its own parameter names.
    """
    samples = np.asarray(samples, dtype=float)
    k = samples.shape[1]
    size = max(1.6 * k, 5)
    fig = Figure(figsize=(size, size), layout="constrained")
    axes = fig.subplots(k, k, squeeze=False)
    lo, hi = np.percentile(samples, [0.5, 99.5], axis=0)
    pad = 0.05 * (hi - lo + 1e-12)
    lo, hi = lo - pad, hi + pad
    for i in range(k):
        for j in range(k):
            ax = axes[i, j]
            if j > i:
                ax.set_visible(False)
                continue
            if i == j:
                ax.hist(samples[:, i], bins=bins, range=(lo[i], hi[i]), histtype="step",
                        color="k")
                q = np.percentile(samples[:, i], [16, 50, 84])
                for v in q:
                    ax.axvline(v, color="k", ls="--", lw=0.8)
                ax.set_yticks([])
                up, down = q[2] - q[1], q[1] - q[0]
                ax.set_title(f"{names[i]} = {q[1]:.3g}$^{{+{up:.2g}}}_{{-{down:.2g}}}$",
                             fontsize=8)
            else:
                h, xe, ye = np.histogram2d(samples[:, j], samples[:, i], bins=bins,
                                           range=[(lo[j], hi[j]), (lo[i], hi[i])])
                # A [1 2 1] smoothing in each direction steadies the contours of a few
                # thousand samples without moving them.
                for axis in (0, 1):
                    h = 0.5 * h + 0.25 * (np.roll(h, 1, axis) + np.roll(h, -1, axis))
                levels = _hpd_levels(h, (0.86, 0.39))
                ax.plot(samples[:, j], samples[:, i], ",", color="0.6", alpha=0.3)
                xc, yc = 0.5 * (xe[1:] + xe[:-1]), 0.5 * (ye[1:] + ye[:-1])
                if levels[0] < levels[1]:
                    ax.contour(xc, yc, h.T, levels=levels, colors="k", linewidths=0.8)
            if truths is not None:
                ax.axvline(truths[j], color="C3", lw=1)
                if i != j:
                    ax.axhline(truths[i], color="C3", lw=1)
                    ax.plot(truths[j], truths[i], "s", color="C3", ms=3)
            ax.set_xlim(lo[j], hi[j])
            if i != j:
                ax.set_ylim(lo[i], hi[i])
            ax.tick_params(labelsize=6)
            if i == k - 1:
                ax.set_xlabel(names[j], fontsize=8)
            else:
                ax.set_xticklabels([])
            if j == 0 and i > 0:
                ax.set_ylabel(names[i], fontsize=8)
            elif i != j:
                ax.set_yticklabels([])
    if descriptions and k > 1:
        # From the top of the second column rightwards: the cells above the diagonal are empty.
        anchor = axes[0, 1]
        anchor.set_visible(True)
        anchor.axis("off")
        legend = anchor.text(0.0, 1.0, "\n".join(descriptions), transform=anchor.transAxes,
                             ha="left", va="top", fontsize=7)
        legend.set_in_layout(False)  # it overflows into the empty cells, not the grid
    if title:
        fig.suptitle(title)
    return fig


def _hpd_levels(h: np.ndarray, masses: Sequence[float]) -> list[float]:
    """Histogram heights enclosing the given probability masses (ascending)."""
    flat = np.sort(h.ravel())[::-1]
    cum = np.cumsum(flat) / max(flat.sum(), 1)
    levels = [flat[min(np.searchsorted(cum, m), len(flat) - 1)] for m in masses]
    return sorted(set(float(v) for v in levels))


# Drawing order: the numerous impostors first, so the clusters stay visible on top.
_CLASS_COLOURS = {"point": "C7", "other": "C3", "galaxy": "C1", "hi-z": "C2", "low-z": "C0"}


def extent_likelihood_plane(
    candidates: Mapping, *, selected=None, c1=(5.0, 33.0), c2=(5.0, 15.0),
    title: str | None = None,
) -> Figure:
    """Candidates in the extent–extension-likelihood plane, coloured by truth.

    Parameters
    ----------
    candidates : table or mapping with ``ext`` (arcsec), ``ext_ml`` and ``label`` (five
        classes) or ``is_cluster``.
    selected : bool array, optional
        Candidates of the selection; drawn with a black edge.
    c1, c2 : (extent, EXT_ML)
        Class boundaries (Pacaud et al. 2006: C1 extent > 5″, EXT_ML > 33 [and
        DET_ML > 32]; C2 extent > 5″, EXT_ML > 15).
    """
    for c in ("ext", "ext_ml"):
        if c not in (candidates.colnames if hasattr(candidates, "colnames") else candidates):
            raise SelfuncError(f"the extent–likelihood plane needs candidate column '{c}'")
    ext = np.asarray(candidates["ext"], dtype=float)
    ml = np.asarray(candidates["ext_ml"], dtype=float)
    names = candidates.colnames if hasattr(candidates, "colnames") else list(candidates)
    fig = Figure(figsize=(6.5, 5), layout="constrained")
    ax = fig.subplots()
    if "label" in names:
        lab = np.asarray(candidates["label"]).astype(str)
        groups = [(k, lab == k, col) for k, col in _CLASS_COLOURS.items()]
        rest = ~np.isin(lab, list(_CLASS_COLOURS))
        if rest.any():
            groups.append(("unlabelled", rest, "k"))
    elif "is_cluster" in names:
        isc = np.asarray(candidates["is_cluster"]).astype(bool)
        groups = [("not cluster", ~isc, "C7"), ("cluster", isc, "C0")]
    else:
        raise SelfuncError("the extent–likelihood plane needs candidate column 'label' or "
                           "'is_cluster' to colour by truth")
    sel = None if selected is None else np.asarray(selected, dtype=bool)
    for name, m, col in groups:
        if not m.any():
            continue
        ax.scatter(ext[m], ml[m], s=9, color=col, alpha=0.7, lw=0,
                   label=f"{name} ({int(m.sum())})")
        if sel is not None and (m & sel).any():
            ax.scatter(ext[m & sel], ml[m & sel], s=14, facecolor="none", edgecolor="k",
                       lw=0.5)
    top = max(np.nanmax(ml) * 2 if np.isfinite(ml).any() else 1e3, 100)
    right = max(np.nanmax(ext) * 1.5 if np.isfinite(ext).any() else 100, 100)
    for (e0, l0), name, ls in ((c1, "C1", "-"), (c2, "C2", "--")):
        ax.plot([e0, e0, right], [top, l0, l0], color="k", ls=ls, lw=1)
        ax.text(right, l0, f" {name}", va="center", fontsize=8)
    ax.set_xscale("symlog", linthresh=1.0)
    ax.set_yscale("symlog", linthresh=1.0)
    ax.set_xlim(0, right)
    ax.set_ylim(0, top)
    ax.set_xlabel(_label("ext"))
    ax.set_ylabel("extension likelihood EXT_ML")
    if sel is not None:
        ax.scatter([], [], s=14, facecolor="none", edgecolor="k", lw=0.5, label="selected")
    ax.legend(fontsize=7, loc="upper left")
    ax.set_title(title or "extent – extension likelihood plane")
    ax.grid(alpha=0.3)
    return fig
