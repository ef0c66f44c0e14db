"""``SurveySelection``: P(selected | M500, z) of a whole survey, on a grid, for cosmology codes.

Modelled on nemo's ``SelFn`` (a selection-function folder → Q(M, z) over a footprint): the
fitted observable-space :class:`~selfunc.selection.function.SelectionFunction` is mapped to
mass and redshift once, through the population's scaling relations (with their scatter,
:func:`~selfunc.selection.massz.selection_mz`) and averaged over the survey's exposures and
the area-weighted off-axis distribution, then tabulated on a (log10 M500, z) grid. Calls are
bilinear interpolation in (log10 M500, z) — millions of evaluations per second — and return
the posterior median or its 16/84 % quantiles (over posterior draws of the fit).

HDF5 layout of group ``NAME`` (default ``massz``; format ``selfunc-survey-selection`` v1)::

    NAME/log10_mass   (n_M,)      log10(M500c / M☉)           attrs: unit
    NAME/redshift     (n_z,)
    NAME/median, NAME/q16, NAME/q84   (n_M, n_z)   P(selected | M500, z)
    NAME/draws        (D, n_M, n_z)   P of D posterior draws of the fit (optional)
    NAME attrs: format, format_version, relations (JSON), cosmology (JSON), conditions
                (JSON: exposures, off-axis nodes and weights), selection (rule), provenance

:meth:`SurveySelection.export` writes the same grid as a flat FITS table (one row per node,
columns LOG10_M500, M500 [solMass], Z, P_MEDIAN, P_Q16, P_Q84) or a plain HDF5 file.
"""

from __future__ import annotations

import json
from pathlib import Path

import astropy.units as u
import h5py
import numpy as np

from selfunc import scaling
from selfunc.config.models import ClusterMassFunction, Cosmology, ScalingRelations
from selfunc.errors import SelfuncError
from selfunc.io import atomic_path
from selfunc.selection.massz import selection_mz

__all__ = ["SurveySelection", "offaxis_nodes"]

FORMAT = "selfunc-survey-selection"
FORMAT_VERSION = 1
_TABLES = ("median", "q16", "q84")


def offaxis_nodes(max_offaxis: float, n: int = 8):
    """Off-axis angles (arcmin) and weights of a uniform disc of radius ``max_offaxis``:
    midpoints of n equal-area rings (each holds 1/n of the area)."""
    edges = max_offaxis * np.sqrt(np.arange(n + 1) / n)
    mid = np.sqrt(0.5 * (edges[1:] ** 2 + edges[:-1] ** 2))
    return mid, np.full(n, 1.0 / n)


class SurveySelection:
    """P(selected | M500, z) on a grid.

    Parameters
    ----------
    log10_mass, redshift : 1-D arrays
        Grid nodes, increasing: log10(M500c / M☉) and z.
    median, q16, q84 : arrays (n_M, n_z)
        Posterior median and 16/84 % quantiles of P at the nodes.
    meta : dict
        JSON-serialisable description (relations, cosmology, conditions, selection, provenance).
    """

    def __init__(self, log10_mass, redshift, median, q16=None, q84=None, meta=None, draws=None):
        self.log10_mass = np.asarray(log10_mass, float)
        self.redshift = np.asarray(redshift, float)
        shape = (self.log10_mass.size, self.redshift.size)
        self.draws = None if draws is None else np.asarray(draws, float)
        if self.draws is not None and self.draws.shape[1:] != shape:
            raise SelfuncError(f"draws table has shape {self.draws.shape}, expected (D, {shape[0]}, "
                               f"{shape[1]})")
        self.tables = {}
        for name, t in (("median", median), ("q16", q16 if q16 is not None else median),
                        ("q84", q84 if q84 is not None else median)):
            t = np.asarray(t, float)
            if t.shape != shape:
                raise SelfuncError(f"{name} table has shape {t.shape}, expected {shape}")
            self.tables[name] = t
        for name, ax in (("log10_mass", self.log10_mass), ("redshift", self.redshift)):
            if ax.size < 2 or np.any(np.diff(ax) <= 0) or not np.all(np.isfinite(ax)):
                raise SelfuncError(f"{name} nodes must be finite and increasing (≥ 2 nodes)")
        self.meta = dict(meta or {})

    # ------------------------------------------------------------ construction
    @classmethod
    def build(cls, sf, *, relations: ScalingRelations, cosmology: Cosmology,
              beta: float = 2 / 3, truncation: float = 10.0, exposures, max_offaxis: float = 13.0,
              exposure_weights=None, n_offaxis: int = 8,
              log10_mass=np.linspace(13.3, 15.5, 45), redshift=np.linspace(0.05, 1.5, 30),
              draws: int = 40, n_nodes: int = 8, k_correction=None,
              mass_function: ClusterMassFunction | None = None) -> "SurveySelection":
        """Tabulate ``sf`` (a completeness :class:`SelectionFunction` of flux, core radius,
        exposure, off-axis) over the survey: its pointings' ``exposures`` (s, with optional
        weights) and a uniform disc of radius ``max_offaxis`` (arcmin). ``mass_function``: the
        population's (default: the standard one with this ``cosmology`` and ``relations``),
        whose slope sets the mean T at fixed mass (:func:`selfunc.scaling.temperature_from_mass`)."""
        if mass_function is None:
            mass_function = ClusterMassFunction(cosmology=cosmology, scaling=relations)
        exposures = np.asarray(exposures, float).ravel()
        uniq, counts = np.unique(exposures, return_counts=True)
        w_exp = counts.astype(float) if exposure_weights is None else np.asarray(exposure_weights, float)
        if exposure_weights is not None:
            uniq = exposures
        theta, w_th = offaxis_nodes(max_offaxis, n_offaxis)
        ex, th = np.meshgrid(uniq, theta, indexing="ij")
        weights = (w_exp[:, None] * w_th[None, :]).ravel()
        conditions = {"exposure": ex.ravel(), "offaxis": th.ravel()}
        conditions = {k: v for k, v in conditions.items() if k in sf.variables}
        if not conditions:
            weights = None
        lm = np.asarray(log10_mass, float)
        zz = np.asarray(redshift, float)
        cosmo = scaling.astropy_cosmology(cosmology)
        p = selection_mz(sf, 10 ** lm[:, None], zz[None, :], cosmology=cosmo,
                         relations=relations, beta=beta, truncation=truncation,
                         k_correction=k_correction, n_nodes=n_nodes, draws=draws,
                         conditions=conditions or None, weights=weights,
                         mass_function=mass_function)
        med = selection_mz(sf, 10 ** lm[:, None], zz[None, :], cosmology=cosmo,
                           relations=relations, beta=beta, truncation=truncation,
                           k_correction=k_correction, n_nodes=n_nodes,
                           conditions=conditions or None, weights=weights,
                           mass_function=mass_function)
        q16, q84 = np.quantile(p, [0.16, 0.84], axis=0)
        meta = {"relations": relations.model_dump(), "cosmology": cosmology.model_dump(),
                "beta": beta, "truncation": truncation,
                "conditions": {"exposure_s": uniq.tolist(), "exposure_weights": w_exp.tolist(),
                               "offaxis_arcmin": theta.tolist(), "max_offaxis_arcmin": max_offaxis},
                "draws": int(draws),
                "selection": getattr(getattr(sf, "selection", None), "expression", None),
                "provenance": getattr(sf, "provenance", {})}
        return cls(lm, zz, med, q16, q84, meta, draws=p)

    @classmethod
    def from_campaign(cls, campaign, selection_file=None, **kw) -> "SurveySelection":
        """From a campaign folder: its fitted ``selection.h5`` (or ``selection_file``), the
        scaling relations and cosmology of its resolved config, its pointings' exposures and
        its detection's ``max_offaxis``."""
        from selfunc.config.load import campaign_config
        from selfunc.selection.catalogues import read_catalogues
        from selfunc.selection.function import SelectionFunction

        folder = Path(campaign)
        cfg = campaign_config(folder)
        sf = SelectionFunction.load(selection_file or folder / "selection.h5", "completeness")
        cat = read_catalogues(folder)
        pop = cfg.population
        kw.setdefault("max_offaxis", cfg.detection.max_offaxis)
        return cls.build(sf, relations=pop.mass_function.scaling,
                         cosmology=pop.mass_function.cosmology, beta=pop.beta,
                         mass_function=pop.mass_function,
                         truncation=pop.truncation,
                         exposures=np.asarray(cat.pointings["exposure"], float), **kw)

    # ------------------------------------------------------------ evaluation
    def completeness(self, mass, redshift, *, table: str = "median", grid: bool = False):
        """P(selected | M500, z) for M500c in M☉ (numbers or a Quantity) and z.

        Arrays broadcast; with ``grid=True`` the result has shape (len(mass), len(z)).
        ``table`` is ``'median'``, ``'q16'`` or ``'q84'``. Outside the tabulated range a
        :class:`SelfuncError` names the axis and the range.
        """
        if table not in _TABLES:
            raise SelfuncError(f"table must be one of {_TABLES}, got {table!r}")
        if isinstance(mass, u.Quantity):
            mass = mass.to_value(u.Msun)
        lm = np.log10(np.asarray(mass, float))
        z = np.asarray(redshift, float)
        if grid:
            lm, z = lm.ravel()[:, None], z.ravel()[None, :]
        self._check("mass (log10 M500/Msun)", lm, self.log10_mass)
        self._check("redshift", z, self.redshift)
        return _bilinear(self.log10_mass, self.redshift, self.tables[table], lm, z)

    __call__ = completeness

    def completeness_draws(self, mass, redshift):
        """P(selected | M500, z) of each stored posterior draw on the outer grid of ``mass``
        and ``redshift``: shape (D, len(mass), len(z)) — for a cosmology fit that
        marginalises the selection function's calibration (``cosmology.fit_grid_marginal``)."""
        if self.draws is None:
            raise SelfuncError("this survey selection holds no posterior draws (build it with "
                               "draws > 0, or load a file written with them)")
        if isinstance(mass, u.Quantity):
            mass = mass.to_value(u.Msun)
        lm = np.log10(np.asarray(mass, float)).ravel()[:, None]
        z = np.asarray(redshift, float).ravel()[None, :]
        self._check("mass (log10 M500/Msun)", lm, self.log10_mass)
        self._check("redshift", z, self.redshift)
        return np.stack([_bilinear(self.log10_mass, self.redshift, t, lm, z) for t in self.draws])

    @staticmethod
    def _check(name, x, nodes):
        lo, hi = nodes[0], nodes[-1]
        bad = ~((x >= lo) & (x <= hi))
        if np.any(bad):
            v = np.asarray(x)[bad].ravel()[0]
            raise SelfuncError(f"{name} = {v:g} is outside the tabulated range "
                               f"[{lo:g}, {hi:g}] of this selection function")

    # ------------------------------------------------------------ storage
    def save(self, path, name: str = "massz", *, overwrite: bool = False) -> None:
        """Write to group ``name`` of HDF5 file ``path`` (other groups are kept)."""
        path = Path(path)
        with h5py.File(path, "a") as f:
            if name in f:
                if not overwrite:
                    raise SelfuncError(f"{path}: group '{name}' exists (overwrite=True to replace)")
                del f[name]
            g = f.create_group(name)
            g.attrs.update(format=FORMAT, format_version=FORMAT_VERSION,
                           meta=json.dumps(self.meta))
            d = g.create_dataset("log10_mass", data=self.log10_mass)
            d.attrs["unit"] = "log10(M500c / solMass)"
            g.create_dataset("redshift", data=self.redshift).attrs["unit"] = ""
            for k, t in self.tables.items():
                g.create_dataset(k, data=t).attrs["unit"] = ""
            if self.draws is not None:
                g.create_dataset("draws", data=self.draws).attrs["unit"] = ""

    @classmethod
    def load(cls, path, name: str = "massz") -> "SurveySelection":
        path = Path(path)
        if not path.is_file():
            raise SelfuncError(f"{path}: no such file")
        try:
            f = h5py.File(path, "r")
        except OSError:
            raise SelfuncError(f"{path}: not an HDF5 file") from None
        with f:
            if name not in f or f[name].attrs.get("format") != FORMAT:
                raise SelfuncError(f"{path}: no survey selection group '{name}'")
            g = f[name]
            return cls(g["log10_mass"][()], g["redshift"][()], g["median"][()], g["q16"][()],
                       g["q84"][()], json.loads(g.attrs["meta"]),
                       draws=g["draws"][()] if "draws" in g else None)

    def export(self, path) -> Path:
        """The grid as a flat table: ``.fits`` (binary table with units) or ``.h5``."""
        from astropy.table import Table

        path = Path(path)
        lm, z = np.meshgrid(self.log10_mass, self.redshift, indexing="ij")
        t = Table({"LOG10_M500": lm.ravel(), "M500": 10 ** lm.ravel(), "Z": z.ravel(),
                   "P_MEDIAN": self.tables["median"].ravel(),
                   "P_Q16": self.tables["q16"].ravel(), "P_Q84": self.tables["q84"].ravel()})
        t["M500"].unit = u.Msun
        t.meta["COMMENT"] = ["P(selected | M500c, z) of a selfunc survey selection function",
                             "grid: LOG10_M500 varies slowest; bilinear in (LOG10_M500, Z)"]
        if path.suffix.lower() in (".fits", ".fit"):
            kw = dict(format="fits")
        elif path.suffix.lower() in (".h5", ".hdf5"):
            kw = dict(format="hdf5", path="massz", serialize_meta=True)
        else:
            raise SelfuncError(f"{path}: export writes .fits or .h5")
        with atomic_path(path) as tmp:
            t.write(tmp, overwrite=True, **kw)
        return path


def _bilinear(xn, yn, table, x, y):
    """Bilinear interpolation of table[i, j] at (x, y) inside the node ranges."""
    x, y = np.broadcast_arrays(x, y)
    i = np.clip(np.searchsorted(xn, x, side="right") - 1, 0, xn.size - 2)
    j = np.clip(np.searchsorted(yn, y, side="right") - 1, 0, yn.size - 2)
    tx = (x - xn[i]) / (xn[i + 1] - xn[i])
    ty = (y - yn[j]) / (yn[j + 1] - yn[j])
    return ((1 - tx) * ((1 - ty) * table[i, j] + ty * table[i, j + 1])
            + tx * ((1 - ty) * table[i + 1, j] + ty * table[i + 1, j + 1]))
