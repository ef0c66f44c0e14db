"""Campaign catalogues → the samples that completeness and purity are fitted on.

Reads ``DIR/catalogues/{truth,candidates,pointings}.h5`` as laid down in
``docs/catalogues.md`` and builds:

* the **completeness sample**: truth rows of kind ``cluster`` (the denominator), each
  selected if its matched candidate (``truth.match`` → ``candidates.cand_id`` within the
  same ``pointing``) exists and passes the selection rule;
* the **purity sample**: candidates passing the rule, labelled by ``is_cluster``.

Columns are converted to the canonical units of the contract when they carry units; numbers
without a unit are taken to be in those units. Rows whose fitted variables are not finite
(or not positive where the model takes a logarithm) are dropped and counted in
:attr:`Sample.dropped`, which the command line prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import astropy.units as u
import numpy as np
from astropy.table import Table

from selfunc.errors import SelfuncError
from selfunc.selection.models import COVARIATES
from selfunc.rules import Selection

__all__ = ["Catalogues", "Sample", "read_catalogues", "completeness_sample", "purity_sample",
           "matched_candidates", "column"]

_TRUTH_REQUIRED = ("pointing", "id", "kind", "match")
_CAND_REQUIRED = ("pointing", "cand_id")


@dataclass(frozen=True)
class Catalogues:
    """The merged catalogues of one campaign folder."""

    directory: Path
    truth: Table
    candidates: Table
    pointings: Table

    def file(self, which: str) -> Path:
        return self.directory / "catalogues" / f"{which}.h5"


@dataclass
class Sample:
    """Objects for a fit: covariates in canonical units and a Bernoulli outcome.

    Attributes
    ----------
    values : dict column → float array
    outcome : bool array
    dropped : dict reason → count
    description : str
    """

    values: dict
    outcome: np.ndarray
    description: str
    dropped: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.outcome)


def _read_columns(path: Path, which: str, columns) -> Table:
    """Only ``columns`` (those the table has) of an astropy HDF5 table, with their units:
    the rows of a 10⁷-row truth table are read field by field, not whole."""
    import h5py
    from astropy.table import meta as table_meta

    with h5py.File(path, "r") as f:
        ds = f[which]
        names = [n for n in ds.dtype.names if n in columns]
        data = ds.fields(names)[:] if names else np.zeros(len(ds), dtype=[])
        header = {}
        if f"{which}.__table_column_meta__" in f:
            lines = [x.decode("utf-8") for x in f[f"{which}.__table_column_meta__"][()]]
            header = table_meta.get_header_from_yaml(lines)
    table = Table(data, meta=header.get("meta", {}))
    for col in header.get("datatype", []):
        if col["name"] in table.colnames and col.get("unit"):
            table[col["name"]].unit = col["unit"]
    for name in table.colnames:
        if table[name].dtype.kind == "S":
            table[name] = np.char.decode(np.asarray(table[name]), "utf-8")
    return table


def _read(directory: Path, which: str, required: Sequence[str], columns=None) -> Table:
    path = directory / "catalogues" / f"{which}.h5"
    if not path.exists():
        raise SelfuncError(f"{path}: no such file; expected the campaign catalogues of "
                           "docs/catalogues.md (written by 'selfunc simulate')")
    try:
        if columns is None:
            table = Table.read(path, path=which, format="hdf5", character_as_bytes=False)
        else:
            table = _read_columns(path, which, set(columns) | set(required))
    except (OSError, KeyError, ValueError) as exc:
        raise SelfuncError(f"{path}: cannot read table '{which}' ({exc})") from None
    missing = [c for c in required if c not in table.colnames]
    if missing:
        raise SelfuncError(f"{path}: table '{which}' lacks column(s) {', '.join(missing)}")
    return table


def read_catalogues(directory, columns=None) -> Catalogues:
    """Read ``DIR/catalogues/{truth,candidates,pointings}.h5``; with ``columns`` (names),
    only those of the truth and candidate tables (and the ones the samples need).

    Raises
    ------
    SelfuncError
        Naming the missing file, table or column.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise SelfuncError(f"{directory}: no such campaign directory")
    truth = _read(directory, "truth", _TRUTH_REQUIRED, columns)
    candidates = _read(directory, "candidates", _CAND_REQUIRED, columns)
    pointings = _read(directory, "pointings", ("pointing",))
    known = set(np.asarray(pointings["pointing"]).tolist())
    for name, table in (("truth", truth), ("candidates", candidates)):
        extra = set(np.asarray(table["pointing"]).tolist()) - known
        if extra:
            raise SelfuncError(
                f"{directory / 'catalogues' / (name + '.h5')}: pointing(s) "
                f"{', '.join(map(str, sorted(extra)[:5]))} are not in pointings.h5")
    return Catalogues(directory, truth, candidates, pointings)


def column(table: Table, name: str, source: str) -> np.ndarray:
    """Column ``name`` as floats in its canonical unit (:data:`COVARIATES`) if it has one."""
    if name not in table.colnames:
        raise SelfuncError(f"{source} lacks column '{name}'")
    col = table[name]
    cov = COVARIATES.get(name)
    unit = getattr(col, "unit", None)
    if cov is not None and unit is not None and str(unit) != "":
        try:
            return cov.values(u.Quantity(col))
        except SelfuncError:
            raise SelfuncError(f"{source}: column '{name}' is in '{unit}', expected a unit "
                               f"convertible to '{cov.unit or 'dimensionless'}'") from None
    return np.asarray(col, dtype=float)


def _finite(values: dict, columns: Sequence[str]) -> tuple[np.ndarray, dict]:
    n = len(next(iter(values.values())))
    keep = np.ones(n, dtype=bool)
    dropped = {}
    for c in columns:
        cov = COVARIATES.get(c)
        bad = ~(cov.valid(values[c]) if cov is not None else np.isfinite(values[c]))
        bad &= keep
        if bad.any():
            dropped[f"invalid {c}"] = int(bad.sum())
        keep &= ~bad
    return keep, dropped


def matched_candidates(cat: Catalogues, truth_rows: np.ndarray) -> np.ndarray:
    """Row in ``candidates`` of each truth row's match, −1 where unmatched.

    The join key is (``pointing``, ``cand_id``) = (``truth.pointing``, ``truth.match``).
    """
    cand = cat.candidates
    cp = np.asarray(cand["pointing"], dtype=np.int64)
    cid = np.asarray(cand["cand_id"], dtype=np.int64)
    key = (cp << 32) + cid
    order = np.argsort(key, kind="stable")
    skey = key[order]
    dup = np.flatnonzero(np.diff(skey) == 0)
    if dup.size:
        k = skey[dup[0]]
        raise SelfuncError(f"{cat.file('candidates')}: cand_id {k & 0xFFFFFFFF} appears more "
                           f"than once in pointing {k >> 32}")
    tp = np.asarray(cat.truth["pointing"], dtype=np.int64)[truth_rows]
    match = np.asarray(cat.truth["match"], dtype=np.int64)[truth_rows]
    out = np.full(len(truth_rows), -1, dtype=np.int64)
    has = match >= 0
    tkey = (tp[has] << 32) + match[has]
    if len(skey):
        pos = np.minimum(np.searchsorted(skey, tkey), len(skey) - 1)
        found = skey[pos] == tkey
    else:
        pos = np.zeros(len(tkey), dtype=np.intp)
        found = np.zeros(len(tkey), dtype=bool)
    if not np.all(found):
        j = np.flatnonzero(~found)[0]
        rows = truth_rows[has]
        raise SelfuncError(
            f"{cat.file('truth')}: row {int(rows[j])} (pointing {int(tp[has][j])}, id "
            f"{int(np.asarray(cat.truth['id'])[rows[j]])}) has match {int(match[has][j])}, "
            f"but {cat.file('candidates')} has no such cand_id in that pointing")
    out[has] = order[pos]
    return out


def completeness_sample(
    cat: Catalogues, selection: Selection,
    columns: Sequence[str] = ("flux", "core_radius", "exposure", "offaxis"),
    extra: Sequence[str] = ("redshift",),
) -> Sample:
    """True clusters with their covariates and whether they were detected and selected.

    ``columns`` are required in ``truth.h5`` and must be valid for every kept row; ``extra``
    columns are carried along when present (for plots), without dropping rows.
    """
    truth = cat.truth
    src = str(cat.file("truth"))
    kind = np.asarray(truth["kind"]).astype(str)
    rows = np.flatnonzero(kind == "cluster")
    if rows.size == 0:
        raise SelfuncError(f"{src}: no rows of kind 'cluster' (the completeness denominator)")
    values = {c: column(truth, c, src)[rows] for c in columns}
    for c in extra:
        if c in truth.colnames and c not in values:
            values[c] = column(truth, c, src)[rows]
    cand_row = matched_candidates(cat, rows)
    passes = selection.apply(cat.candidates, source=str(cat.file("candidates")))
    selected = (cand_row >= 0) & passes[np.maximum(cand_row, 0)]
    keep, dropped = _finite(values, columns)
    values = {k: v[keep] for k, v in values.items()}
    values["detected"] = (cand_row >= 0)[keep]
    return Sample(values, selected[keep],
                  f"{int(keep.sum())} true clusters, {int(selected[keep].sum())} selected by "
                  f"[{selection.expression}]", dropped)


def purity_sample(cat: Catalogues, selection: Selection,
                  columns: Sequence[str] = ("rate", "ext"),
                  extra: Sequence[str] = ("ext_ml", "det_ml", "offaxis", "exposure")) -> Sample:
    """Candidates passing ``selection`` with their measured covariates and ``is_cluster``."""
    cand = cat.candidates
    src = str(cat.file("candidates"))
    if "is_cluster" not in cand.colnames:
        raise SelfuncError(f"{src} lacks column 'is_cluster' (needed for purity)")
    passes = selection.apply(cand, source=src)
    values = {c: column(cand, c, src)[passes] for c in columns}
    for c in extra:
        if c in cand.colnames and c not in values:
            values[c] = column(cand, c, src)[passes]
    is_cluster = np.asarray(cand["is_cluster"]).astype(bool)[passes]
    keep, dropped = _finite(values, columns)
    values = {k: v[keep] for k, v in values.items()}
    return Sample(values, is_cluster[keep],
                  f"{int(keep.sum())} candidates selected by [{selection.expression}], "
                  f"{int(is_cluster[keep].sum())} true clusters", dropped)
