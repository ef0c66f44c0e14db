"""``ObservableSelection``: P(selected | CR, HR, z) on a grid, for CR–HR–z cosmology codes.

XXL and X-CLASS fit cosmology in the space of count rate, hardness ratio and redshift
(Clerc et al. 2012; Garrel et al. 2022): a model predicts dN/dCR/dHR/dz of the clusters on
the sky and multiplies it by the probability that a cluster of those *true* observables is in
the catalogue. This class is that probability, marginalised over everything else the
campaign varied (exposures, off-axis positions, core radii, neighbours), like nemo's
``SelFn`` for Q(M, z) and :class:`~selfunc.selection.survey.SurveySelection` here.

Axes (the grid's nodes, all increasing):

* ``log10_rate``: log10 of the true 0.5–2 keV count rate CR (pn+MOS1+MOS2, on axis, counts s⁻¹:
  the truth's ``flux × ecf``);
* ``hr``: the true HR = CR[1–2] / CR[0.5–1] of the cluster's spectrum (truth column ``hr``,
  :mod:`selfunc.xray.bands`);
* ``redshift``: z.

Calibration (:meth:`ObservableSelection.from_campaign`, :meth:`from_sample`): the true
clusters of a campaign (made with ``instrument.bands = "xxl"``) are binned on the three axes;
in each cell P = (k + ½)/(n + 1), the posterior mean of the selected fraction under the
Jeffreys prior (k selected of n), and its 16/84 % quantiles from the Beta(k + ½, n − k + ½)
posterior; nodes are the cell centres and calls interpolate trilinearly between them. Cells
no cluster fell in hold NaN (the ``n`` table says where): a grid campaign that spans the axes
evenly leaves none. A cluster counts as selected when its matched candidate passes the rule
(:func:`~selfunc.selection.catalogues.completeness_sample`).

HDF5 layout of group ``NAME`` (default ``crhrz``; format ``selfunc-observable-selection`` v1)::

    NAME/log10_rate (n_r,)  attrs unit "log10(1/s)"   NAME/hr (n_h,)   NAME/redshift (n_z,)
    NAME/median, NAME/q16, NAME/q84, NAME/n   (n_r, n_h, n_z)
    NAME attrs: format, format_version, meta (JSON: selection rule, campaign, axes' meaning)

:meth:`ObservableSelection.export` writes the grid as a flat table (``.fits`` or ``.h5``; one
row per node, LOG10_RATE varying slowest, then HR, then Z; columns LOG10_RATE, RATE [1/s], HR,
Z, P_MEDIAN, P_Q16, P_Q84, N).
"""

from __future__ import annotations

import json
from pathlib import Path

import astropy.units as u
import h5py
import numpy as np
from scipy import stats

from selfunc.errors import SelfuncError
from selfunc.io import atomic_path

__all__ = ["ObservableSelection", "AXES"]

FORMAT = "selfunc-observable-selection"
FORMAT_VERSION = 1
AXES = ("log10_rate", "hr", "redshift")
_TABLES = ("median", "q16", "q84")
_LABELS = {"log10_rate": "rate (log10 CR / (1/s))", "hr": "hr (CR[1-2]/CR[0.5-1])",
           "redshift": "redshift"}


def _plain(value, name: str, unit) -> np.ndarray:
    """Numbers in ``unit`` from numbers or a Quantity (a count rate may be in ct/s); a wrong
    unit names the argument."""
    if not isinstance(value, u.Quantity):
        return np.asarray(value, float)
    q = value
    if unit != u.dimensionless_unscaled and u.ct in q.unit.bases:
        q = q / u.ct
    try:
        return np.asarray(q.to_value(unit), float)
    except u.UnitConversionError:
        raise SelfuncError(f"{name}: unit '{value.unit}' is not convertible to "
                           f"'{unit if unit != u.dimensionless_unscaled else 'dimensionless'}'") from None


class ObservableSelection:
    """P(selected | CR, HR, z) on a grid (see the module docstring).

    Parameters
    ----------
    log10_rate, hr, redshift : 1-D arrays, increasing (≥ 2 nodes each)
    median, q16, q84 : arrays (n_r, n_h, n_z); P and its 16/84 % quantiles at the nodes
    n : array (n_r, n_h, n_z), optional; simulated clusters per cell
    meta : dict, JSON-serialisable
    """

    def __init__(self, log10_rate, hr, redshift, median, q16=None, q84=None, n=None, meta=None):
        self.axes = {}
        for name, ax in zip(AXES, (log10_rate, hr, redshift)):
            ax = np.asarray(ax, float)
            if ax.ndim != 1 or ax.size < 2 or not np.all(np.isfinite(ax)) or np.any(np.diff(ax) <= 0):
                raise SelfuncError(f"{name} nodes must be finite and increasing (≥ 2 nodes)")
            self.axes[name] = ax
        shape = tuple(a.size for a in self.axes.values())
        self.tables = {}
        for name, t in (("median", median), ("q16", median if q16 is None else q16),
                        ("q84", median if q84 is None else q84)):
            t = np.asarray(t, float)
            if t.shape != shape:
                raise SelfuncError(f"{name} table has shape {t.shape}, expected {shape}")
            self.tables[name] = t
        self.n = np.full(shape, -1, np.int64) if n is None else np.asarray(n, np.int64)
        self.meta = dict(meta or {})
        # uniform axes (the calibrated grids): index by arithmetic instead of a search
        self._step = {k: (a[1] - a[0]) if np.allclose(np.diff(a), a[1] - a[0], rtol=1e-9, atol=0)
                      else None for k, a in self.axes.items()}

    # ------------------------------------------------------------ construction
    @classmethod
    def from_sample(cls, rate, hr, redshift, selected, *, log10_rate_edges, hr_edges,
                    redshift_edges, meta=None) -> "ObservableSelection":
        """Bin true clusters (rate in counts s⁻¹, HR, z, selected flags) on the given bin
        edges; P per cell as in the module docstring. Rows outside the edges are ignored."""
        edges = [np.asarray(e, float) for e in (log10_rate_edges, hr_edges, redshift_edges)]
        for name, e in zip(AXES, edges):
            if e.size < 3 or np.any(np.diff(e) <= 0):
                raise SelfuncError(f"{name} bin edges must be increasing (≥ 3 edges: ≥ 2 nodes)")
        rate = _plain(rate, "rate", 1 / u.s)
        x = np.column_stack([np.log10(np.where(rate > 0, rate, np.nan)),
                             _plain(hr, "hr", u.dimensionless_unscaled),
                             _plain(redshift, "redshift", u.dimensionless_unscaled)])
        sel = np.asarray(selected, bool)
        ok = np.all(np.isfinite(x), axis=1)
        n, _ = np.histogramdd(x[ok], bins=edges)
        k, _ = np.histogramdd(x[ok & sel], bins=edges)
        with np.errstate(invalid="ignore", divide="ignore"):
            med = np.where(n > 0, (k + 0.5) / (n + 1.0), np.nan)
            a, b = k + 0.5, n - k + 0.5
            q16 = np.where(n > 0, stats.beta.ppf(0.16, a, b), np.nan)
            q84 = np.where(n > 0, stats.beta.ppf(0.84, a, b), np.nan)
        nodes = [0.5 * (e[1:] + e[:-1]) for e in edges]
        meta = dict(meta or {})
        meta.setdefault("estimator", "(k + 1/2)/(n + 1) per cell; Beta(k + 1/2, n - k + 1/2) quantiles")
        meta["edges"] = {name: e.tolist() for name, e in zip(AXES, edges)}
        return cls(*nodes, med, q16, q84, n.astype(np.int64), meta)

    @classmethod
    def from_campaign(cls, campaign, selection: str | None = None, *,
                      log10_rate_edges=np.linspace(-3.0, 0.0, 13),
                      hr_edges=np.linspace(0.2, 1.4, 7),
                      redshift_edges=np.linspace(0.0, 1.5, 7)) -> "ObservableSelection":
        """From a campaign folder simulated with ``instrument.bands = "xxl"``: its true
        clusters' CR = flux × ecf, ``hr`` and ``redshift``, selected by ``selection``
        (default: the campaign's ``campaign.selection`` rule)."""
        import tomllib

        from selfunc.rules import Selection
        from selfunc.selection.catalogues import completeness_sample, read_catalogues

        folder = Path(campaign)
        toml = folder / "campaign.toml"
        if not toml.is_file():
            raise SelfuncError(f"{folder}: no campaign.toml (not a campaign folder?)")
        with toml.open("rb") as fh:
            config = tomllib.load(fh)["config"]
        rule = selection or config.get("campaign", {}).get("selection", "C1")
        cat = read_catalogues(folder)
        if "hr" not in cat.truth.colnames:
            raise SelfuncError(f"{cat.file('truth')}: no column 'hr' (simulate with "
                               "instrument.bands = 'xxl' for P(selected | CR, HR, z))")
        sample = completeness_sample(cat, Selection(rule), columns=("flux", "ecf", "hr", "redshift"),
                                     extra=())
        v = sample.values
        return cls.from_sample(v["flux"] * v["ecf"], v["hr"], v["redshift"], sample.outcome,
                               log10_rate_edges=log10_rate_edges, hr_edges=hr_edges,
                               redshift_edges=redshift_edges,
                               meta={"selection": rule, "campaign": str(folder),
                                     "clusters": len(sample), "dropped": sample.dropped})

    # ------------------------------------------------------------ evaluation
    def completeness(self, rate, hr, redshift, *, table: str = "median", grid: bool = False):
        """P(selected | CR, HR, z). ``rate``: true 0.5–2 keV CR in counts s⁻¹ (numbers or a
        Quantity in 1/s or ct/s); ``hr`` and ``redshift`` dimensionless. Arrays broadcast;
        ``grid=True`` gives shape (len(rate), len(hr), len(z)). Outside the nodes a
        :class:`SelfuncError` names the axis and the range."""
        if table not in _TABLES:
            raise SelfuncError(f"table must be one of {_TABLES}, got {table!r}")
        r = _plain(rate, "rate", 1 / u.s)
        with np.errstate(divide="ignore", invalid="ignore"):
            lr = np.log10(r)
        h = _plain(hr, "hr", u.dimensionless_unscaled)
        z = _plain(redshift, "redshift", u.dimensionless_unscaled)
        if grid:
            lr, h, z = lr.ravel()[:, None, None], h.ravel()[None, :, None], z.ravel()[None, None, :]
        lr, h, z = np.broadcast_arrays(lr, h, z)
        shape = lr.shape
        idx, frac = [], []
        for name, x in zip(AXES, (lr, h, z)):
            i, t = self._locate(name, x.ravel())
            idx.append(i)
            frac.append(t)
        tab = self.tables[table]
        (i, j, k), (tx, ty, tz) = idx, frac
        out = np.zeros(i.shape)
        for di, wx in ((0, 1 - tx), (1, tx)):
            for dj, wy in ((0, 1 - ty), (1, ty)):
                wxy = wx * wy
                for dk, wz in ((0, 1 - tz), (1, tz)):
                    out += wxy * wz * tab[i + di, j + dj, k + dk]
        return out.reshape(shape)

    __call__ = completeness

    def _locate(self, name, x):
        nodes = self.axes[name]
        lo, hi = nodes[0], nodes[-1]
        bad = ~((x >= lo) & (x <= hi))
        if np.any(bad):
            v = x[bad][0]
            shown = f"{10 ** v:g} 1/s (log10 {v:g})" if name == "log10_rate" else f"{v:g}"
            rng = (f"[{10 ** lo:g}, {10 ** hi:g}] 1/s" if name == "log10_rate"
                   else f"[{lo:g}, {hi:g}]")
            raise SelfuncError(f"{_LABELS[name]} = {shown} is outside the simulated range "
                               f"{rng} of this selection function")
        step = self._step[name]
        if step is not None:
            i = np.minimum(((x - lo) / step).astype(np.intp), nodes.size - 2)
        else:
            i = np.clip(np.searchsorted(nodes, x, side="right") - 1, 0, nodes.size - 2)
        return i, (x - nodes[i]) / (nodes[i + 1] - nodes[i])

    # ------------------------------------------------------------ storage
    def save(self, path, name: str = "crhrz", *, overwrite: bool = False) -> None:
        """Write to group ``name`` of HDF5 file ``path`` (other groups are kept)."""
        path = Path(path)
        with h5py.File(path, "a") as f:
            if name in f:
                if not overwrite:
                    raise SelfuncError(f"{path}: group '{name}' exists (overwrite=True to replace)")
                del f[name]
            g = f.create_group(name)
            g.attrs.update(format=FORMAT, format_version=FORMAT_VERSION, meta=json.dumps(self.meta))
            for ax, unit in zip(AXES, ("log10(1/s)", "", "")):
                g.create_dataset(ax, data=self.axes[ax]).attrs["unit"] = unit
            for k, t in self.tables.items():
                g.create_dataset(k, data=t).attrs["unit"] = ""
            g.create_dataset("n", data=self.n)

    @classmethod
    def load(cls, path, name: str = "crhrz") -> "ObservableSelection":
        path = Path(path)
        if not path.is_file():
            raise SelfuncError(f"{path}: no such file")
        try:
            f = h5py.File(path, "r")
        except OSError:
            raise SelfuncError(f"{path}: not an HDF5 file") from None
        with f:
            if name not in f or f[name].attrs.get("format") != FORMAT:
                raise SelfuncError(f"{path}: no observable selection group '{name}'")
            g = f[name]
            return cls(*(g[a][()] for a in AXES), g["median"][()], g["q16"][()], g["q84"][()],
                       g["n"][()], json.loads(g.attrs["meta"]))

    def export(self, path) -> Path:
        """The grid as a flat table: ``.fits`` (binary table with units) or ``.h5``."""
        from astropy.table import Table

        path = Path(path)
        lr, h, z = np.meshgrid(*self.axes.values(), indexing="ij")
        t = Table({"LOG10_RATE": lr.ravel(), "RATE": 10 ** lr.ravel(), "HR": h.ravel(),
                   "Z": z.ravel(), "P_MEDIAN": self.tables["median"].ravel(),
                   "P_Q16": self.tables["q16"].ravel(), "P_Q84": self.tables["q84"].ravel(),
                   "N": self.n.ravel()})
        t["RATE"].unit = 1 / u.s
        t.meta["COMMENT"] = [
            "P(selected | CR, HR, z) of a selfunc observable selection function",
            "RATE: true 0.5-2 keV count rate pn+MOS1+MOS2 on axis; HR = CR[1-2]/CR[0.5-1]",
            "grid: LOG10_RATE slowest, then HR, then Z; trilinear in (LOG10_RATE, HR, Z)",
            "N: simulated clusters per cell (P is NaN where N = 0)"]
        if path.suffix.lower() in (".fits", ".fit"):
            kw = dict(format="fits")
        elif path.suffix.lower() in (".h5", ".hdf5"):
            kw = dict(format="hdf5", path="crhrz", serialize_meta=True)
        else:
            raise SelfuncError(f"{path}: export writes .fits or .h5")
        with atomic_path(path) as tmp:
            t.write(tmp, overwrite=True, **kw)
        return path
