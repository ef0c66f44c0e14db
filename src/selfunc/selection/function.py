"""``SelectionFunction``: a fitted selection probability that a cosmology code can call.

Modelled on emcee's sampler + HDF5 backend: a small object over separate parts (the model
of :mod:`~selfunc.selection.models`, posterior samples from
:mod:`~selfunc.selection.fitting`, a gridded table), saved to and loaded from one group of
an HDF5 file. One file may hold several (``completeness`` and ``purity``), one group each.

HDF5 layout of group ``NAME`` (format ``selfunc-selection-function``, version 1)::

    NAME/                 attrs: format, format_version, kind, model (JSON), selection
                                 (JSON), provenance (JSON), diagnostics (JSON),
                                 parameter_names (JSON)
    NAME/samples          (S, ndim) float64  posterior samples (burnt-in, thinned)
    NAME/log_prob         (S,) float64       their log posterior
    NAME/map              (ndim,) float64    maximum a posteriori parameters
    NAME/grid/<column>    (n_j,) float64     grid nodes of each variable (attrs: unit)
    NAME/grid/median, NAME/grid/q16, NAME/grid/q84
                          (n_1, …, n_d)      posterior median and 16/84 % quantiles of P

Arrays are written as they are (no compression filter that could alter them), so a load
returns them bit for bit.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Mapping

import h5py
import numpy as np

from selfunc.errors import SelfuncError
from selfunc.selection.fitting import Posterior
from selfunc.selection.models import COVARIATES, Covariate, TransitionModel
from selfunc.rules import Selection

__all__ = ["SelectionFunction", "GridTable", "evenly_spaced", "FORMAT", "FORMAT_VERSION"]

FORMAT = "selfunc-selection-function"
FORMAT_VERSION = 1
_TABLES = ("median", "q16", "q84")


@dataclass(frozen=True)
class GridTable:
    """Posterior quantiles of :math:`P` on a regular grid in the model's feature space.

    Nodes are equally spaced in each covariate's transform (log10 flux, log10 core radius,
    …), where :math:`P` is smooth, and interpolated multilinearly in that space.
    Outside the grid (outside the fitted range) interpolation gives NaN.
    """

    covariates: tuple[Covariate, ...]
    nodes: tuple[np.ndarray, ...]      # column values at the nodes
    median: np.ndarray
    q16: np.ndarray
    q84: np.ndarray

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c.column for c in self.covariates)

    @classmethod
    def build(cls, model: TransitionModel, samples: np.ndarray,
              ranges: Mapping[str, tuple[float, float]], shape: Mapping[str, int]) -> "GridTable":
        covs, nodes = [], []
        for cov in model.variables:
            if cov.column not in ranges:
                raise SelfuncError(f"no range for grid variable '{cov.column}'")
            lo, hi = (cov.feature(v) for v in ranges[cov.column])
            if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
                raise SelfuncError(
                    f"grid variable '{cov.column}' has no spread ({ranges[cov.column]}); "
                    "drop it from the model")
            n = int(shape.get(cov.column, 10))
            covs.append(cov)
            nodes.append(cov.inverse(np.linspace(lo, hi, n)))
        mesh = np.meshgrid(*nodes, indexing="ij")
        values = {c.column: m.ravel() for c, m in zip(covs, mesh)}
        npts = mesh[0].size
        med, q16, q84 = (np.empty(npts) for _ in range(3))
        # Chunk the grid so that (draws × points) stays near 2·10⁷ doubles.
        step = max(1, int(2e7 // max(len(samples), 1)))
        for s in range(0, npts, step):
            part = {k: v[s: s + step] for k, v in values.items()}
            p = model.probability(samples, part)
            q16[s: s + step], med[s: s + step], q84[s: s + step] = np.percentile(
                p, [16, 50, 84], axis=0)
        shp = mesh[0].shape
        return cls(tuple(covs), tuple(nodes), med.reshape(shp), q16.reshape(shp),
                   q84.reshape(shp))

    def interpolate(self, values: Mapping[str, np.ndarray], table: str = "median") -> np.ndarray:
        """Multilinear interpolation of ``table`` at ``values`` (broadcast), NaN outside.

        The lower corner of each point's cell is one flat index; the :math:`2^d` corner
        values are gathered with offsets from it and reduced one dimension at a time
        (:math:`v_0 + w (v_1 - v_0)`), which is several times faster than weighting each
        corner by a product of :math:`d` factors.
        """
        data = np.ascontiguousarray(getattr(self, table)).ravel()
        feats = np.broadcast_arrays(*[c.feature(values[c.column]) for c in self.covariates])
        shape = feats[0].shape
        strides = np.cumprod((1,) + tuple(len(n) for n in self.nodes[:0:-1]))[::-1]
        base = np.zeros(shape, dtype=np.intp)
        inside = np.ones(shape, dtype=bool)
        wts = []
        for cov, nd, f, stride in zip(self.covariates, self.nodes, feats, strides):
            fn = cov.feature(nd)
            pos = (f - fn[0]) * ((len(fn) - 1) / (fn[-1] - fn[0]))
            # A small tolerance keeps points exactly on the last node inside.
            inside &= (pos >= -1e-9) & (pos <= len(fn) - 1 + 1e-9)
            i = np.clip(np.floor(pos), 0, len(fn) - 2).astype(np.intp)
            wts.append(np.clip(pos - i, 0.0, 1.0))
            base += i * stride
        # Corner values, ordered so that the last dimension varies fastest.
        corners = [data.take(base + int(np.dot(c, strides)))
                   for c in product((0, 1), repeat=len(strides))]
        for w in reversed(wts):
            corners = [lo + w * (hi - lo) for lo, hi in zip(corners[0::2], corners[1::2])]
        return np.where(inside, corners[0], np.nan)


class SelectionFunction:
    """A fitted selection probability :math:`P(\\text{selected} \\mid \\ldots)` or purity.

    Parameters
    ----------
    model : TransitionModel
    samples : array, shape (S, ndim)
        Posterior samples.
    log_prob, map : arrays, optional
        Log posterior of the samples, maximum a posteriori parameters.
    selection : Selection, optional
        The rule that defined "selected".
    grid : GridTable, optional
    provenance, diagnostics : dict, optional
        JSON-serialisable records (campaign, code versions, seed; convergence checks).

    Examples
    --------
    >>> sf = SelectionFunction.load("selection.h5")                     # doctest: +SKIP
    >>> sf(flux=2e-14 * u.erg / u.s / u.cm**2, core_radius=20, exposure=1e4, offaxis=5)
    >>> sf(flux=f, core_radius=rc, exposure=1e4, offaxis=5, draws=200)  # (200, …)
    >>> sf(flux=f, core_radius=rc, exposure=1e4, offaxis=5, grid="q84")
    """

    def __init__(self, model: TransitionModel, samples, *, log_prob=None, map=None,
                 selection: Selection | None = None, grid: GridTable | None = None,
                 provenance: Mapping | None = None, diagnostics: Mapping | None = None):
        samples = np.asarray(samples, dtype=float)
        if samples.ndim != 2 or samples.shape[1] != model.ndim or len(samples) == 0:
            raise SelfuncError(f"samples must have shape (S, {model.ndim}), got {samples.shape}")
        self.model = model
        self.samples = samples
        self.log_prob = (np.full(len(samples), np.nan) if log_prob is None
                         else np.asarray(log_prob, dtype=float))
        self.map = np.median(samples, axis=0) if map is None else np.asarray(map, dtype=float)
        self.selection = selection
        self.grid = grid
        self.provenance = dict(provenance or {})
        self.diagnostics = dict(diagnostics or {})
        self.median_parameters = np.median(samples, axis=0)

    # ------------------------------------------------------------ construction
    @classmethod
    def from_posterior(cls, posterior: Posterior, *, values: Mapping | None = None,
                       ranges: Mapping[str, tuple[float, float]] | None = None,
                       grid_shape: Mapping[str, int] | None = None, grid_draws: int = 400,
                       selection: Selection | None = None,
                       provenance: Mapping | None = None) -> "SelectionFunction":
        """Wrap a :class:`Posterior` and tabulate it on a grid.

        The grid spans ``ranges`` (column → (min, max)) or else the range of ``values`` (the
        fitted data). ``grid_shape`` gives nodes per column (default 40 for the driving
        variable, 10 for the others); the quantiles use ``grid_draws`` posterior samples
        spread evenly through the chain.
        """
        model = posterior.model
        if ranges is None:
            if values is None:
                raise SelfuncError("give values (the fitted data) or ranges for the grid")
            ranges = {}
            for cov in model.variables:
                v = cov.values(values[cov.column])
                v = v[cov.valid(v)]
                ranges[cov.column] = (float(v.min()), float(v.max()))
        shape = {model.driver.column: 40} | dict(grid_shape or {})
        draws = evenly_spaced(posterior.samples, grid_draws)
        grid = GridTable.build(model, draws, ranges, shape)
        return cls(model, posterior.samples, log_prob=posterior.log_prob, map=posterior.map,
                   selection=selection, grid=grid, provenance=provenance,
                   diagnostics=posterior.diagnostics)

    # ------------------------------------------------------------ evaluation
    @property
    def kind(self) -> str:
        return self.model.kind

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return self.model.parameter_names

    @property
    def variables(self) -> dict[str, str]:
        """Keyword → canonical unit of the variables :meth:`__call__` needs."""
        return {c.column: c.unit for c in self.model.variables}

    def _values(self, values: Mapping) -> dict:
        allowed = set(self.variables) | set(COVARIATES)
        unknown = sorted(set(values) - allowed)
        if unknown:
            raise SelfuncError(
                f"unknown variable(s) {', '.join(unknown)}; this {self.kind} function reads "
                f"{', '.join(self.variables)} (others accepted and ignored: "
                f"{', '.join(sorted(set(COVARIATES) - set(self.variables)))})")
        missing = [c for c in self.variables if c not in values]
        if missing:
            need = ", ".join(f"{m} ({self.variables[m] or 1})" for m in missing)
            raise SelfuncError(f"{self.kind} needs {need}")
        # Variables the model does not read still set the shape of the answer.
        extra = [np.asarray(getattr(v, "value", v)) for k, v in values.items()
                 if k not in self.variables]
        return {"model": {k: values[k] for k in self.variables}, "extra": extra}

    def __call__(self, *, draws: int | None = None, grid: bool | str = False,
                 rng: np.random.Generator | None = None, **values) -> np.ndarray:
        """Evaluate :math:`P` at ``values`` (keyword per variable; arrays broadcast).

        Parameters
        ----------
        draws : int, optional
            Return ``draws`` posterior evaluations, shape ``(draws,) + shape``: samples
            evenly spaced through the chain, or drawn with ``rng`` if given.
        grid : bool or {'median', 'q16', 'q84'}
            Interpolate the gridded table instead (``True`` → ``'median'``); NaN outside it.
        **values
            ``flux=…, core_radius=…, exposure=…, offaxis=…`` (completeness) or
            ``rate=…, ext=…`` (purity): numbers in the canonical units or quantities.
            Other catalogue variables (e.g. ``redshift``) are accepted and only broadcast.

        Returns
        -------
        ndarray
            By default :math:`P` at the posterior-median parameters, evaluated analytically.
        """
        v = self._values(values)
        if grid is not False and draws is not None:
            raise SelfuncError("choose either grid= or draws=, not both")
        if grid is not False:
            table = "median" if grid is True else grid
            if table not in _TABLES:
                raise SelfuncError(f"grid must be True or one of {_TABLES}, got {grid!r}")
            if self.grid is None:
                raise SelfuncError("this selection function has no gridded table")
            out = self.grid.interpolate({k: x for k, x in v["model"].items()}, table)
        elif draws is None:
            out = self.model.probability(self.median_parameters, v["model"])
        else:
            if int(draws) < 1:
                raise SelfuncError(f"draws must be a positive integer, got {draws}")
            if rng is None:
                if draws > len(self.samples):
                    raise SelfuncError(f"draws={draws} exceeds the {len(self.samples)} stored "
                                       "samples; pass rng= to draw with replacement")
                theta = evenly_spaced(self.samples, int(draws))
            else:
                theta = self.samples[rng.choice(len(self.samples), int(draws),
                                                replace=draws > len(self.samples))]
            out = self.model.probability(theta, v["model"])
        if v["extra"]:
            target = np.broadcast_shapes(out.shape[1:] if draws is not None else out.shape,
                                         *[e.shape for e in v["extra"]])
            lead = (out.shape[0],) if draws is not None else ()
            out = np.array(np.broadcast_to(out, lead + target))  # a writable array, not a view
        return out

    def quantiles(self, q=(0.16, 0.5, 0.84), *, draws: int | None = None, **values) -> np.ndarray:
        """Posterior quantiles of :math:`P` at ``values`` from ``draws`` (default all) samples."""
        n = len(self.samples) if draws is None else int(draws)
        return np.quantile(self(draws=n, **values), q, axis=0)

    # ------------------------------------------------------------ storage
    def save(self, path, name: str | None = None, *, overwrite: bool = False) -> None:
        """Write to group ``name`` (default: :attr:`kind`) of the HDF5 file ``path``.

        Other groups of an existing file are kept; an existing group of the same name is
        an error unless ``overwrite``.
        """
        name = name or self.kind
        path = Path(path)
        if path.parent and not path.parent.exists():
            raise SelfuncError(f"{path.parent}: no such directory for the output file")
        with h5py.File(path, "a") as f:
            if name in f:
                if not overwrite:
                    raise SelfuncError(f"{path} already holds '{name}'; pass overwrite=True "
                                       "(--overwrite) or choose another file")
                del f[name]
            g = f.create_group(name)
            g.attrs["format"] = FORMAT
            g.attrs["format_version"] = FORMAT_VERSION
            g.attrs["kind"] = self.kind
            g.attrs["model"] = self.model.to_json()
            g.attrs["parameter_names"] = json.dumps(list(self.parameter_names))
            g.attrs["selection"] = json.dumps(self.selection.to_dict() if self.selection
                                              else None)
            g.attrs["provenance"] = json.dumps(self.provenance, sort_keys=True)
            g.attrs["diagnostics"] = json.dumps(self.diagnostics, sort_keys=True)
            g.create_dataset("samples", data=self.samples)
            g.create_dataset("log_prob", data=self.log_prob)
            g.create_dataset("map", data=self.map)
            if self.grid is not None:
                gg = g.create_group("grid")
                gg.attrs["columns"] = json.dumps(list(self.grid.columns))
                for cov, nd in zip(self.grid.covariates, self.grid.nodes):
                    ds = gg.create_dataset(cov.column, data=nd)
                    ds.attrs["unit"] = cov.unit
                for t in _TABLES:
                    gg.create_dataset(t, data=getattr(self.grid, t))

    @classmethod
    def load(cls, path, name: str = "completeness") -> "SelectionFunction":
        """Read group ``name`` of ``path`` written by :meth:`save`."""
        path = Path(path)
        if not path.exists():
            raise SelfuncError(f"{path}: no such file")
        try:
            f = h5py.File(path, "r")
        except OSError as exc:
            raise SelfuncError(f"{path}: not an HDF5 file ({exc})") from None
        with f:
            if name not in f:
                raise SelfuncError(f"{path} has no selection function '{name}' "
                                   f"(groups: {', '.join(f) or 'none'})")
            g = f[name]
            if g.attrs.get("format") != FORMAT:
                raise SelfuncError(f"{path}:{name} is not a {FORMAT} group")
            if int(g.attrs["format_version"]) > FORMAT_VERSION:
                raise SelfuncError(f"{path}:{name} has format version "
                                   f"{g.attrs['format_version']}; this selfunc reads ≤ "
                                   f"{FORMAT_VERSION}")
            model = TransitionModel.from_dict(json.loads(g.attrs["model"]))
            sel = json.loads(g.attrs["selection"])
            grid = None
            if "grid" in g:
                gg = g["grid"]
                cols = json.loads(gg.attrs["columns"])
                covs = {c.column: c for c in model.variables}
                grid = GridTable(tuple(covs[c] for c in cols),
                                 tuple(gg[c][()] for c in cols),
                                 *(gg[t][()] for t in _TABLES))
            return cls(model, g["samples"][()], log_prob=g["log_prob"][()], map=g["map"][()],
                       selection=Selection.from_dict(sel) if sel else None, grid=grid,
                       provenance=json.loads(g.attrs["provenance"]),
                       diagnostics=json.loads(g.attrs["diagnostics"]))

    @staticmethod
    def names(path) -> list[str]:
        """Selection functions stored in ``path``."""
        with h5py.File(os.fspath(path), "r") as f:
            return [k for k in f if f[k].attrs.get("format") == FORMAT]

    def __repr__(self) -> str:
        rule = self.selection.expression if self.selection else "?"
        return (f"<SelectionFunction {self.kind} of [{rule}] over "
                f"{', '.join(self.variables)}; {len(self.samples)} samples>")


def evenly_spaced(samples: np.ndarray, n: int) -> np.ndarray:
    """``n`` samples evenly spaced through the (flattened) chain; all of them if ``n`` ≥ S.

    Deterministic, so repeated evaluations with the same ``n`` use the same draws.
    """
    if n >= len(samples):
        return samples
    return samples[np.linspace(0, len(samples) - 1, n).round().astype(int)]
