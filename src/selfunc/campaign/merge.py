"""Merging the pointings' tables into campaign catalogues in bounded memory.

``DIR/catalogues/{truth,candidates}.h5`` are astropy HDF5 tables (``Table.read(path,
path=name)`` reads them; units and metadata in ``name.__table_column_meta__``, as astropy's
own writer puts them). They are streamed: pass 1 reads the FITS headers of every pointing
(column names and text widths, no data); pass 2 appends each pointing's rows, in pointing
order, to a chunked, resizable dataset, flushing a buffer of at most ``chunk_rows`` rows. The
memory held is one pointing's table plus the buffer, whatever the number of pointings (10⁵
pointings are ~10⁷ truth rows, ~3 GB on disk). The same inputs give the same bytes.

The merged tables keep provenance in their metadata: the campaign name and seed, the
number of pointings, selfunc's version and git revision, and for candidates the number of
fits that did not converge (``NUNCONV``) and the CNN model (``CNNMODEL``).
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
from astropy.io import fits
from astropy.table import Table
from astropy.table import meta as table_meta

from selfunc.errors import SelfuncError
from selfunc.io import atomic_path

__all__ = ["merge_table", "CHUNK_ROWS"]

#: Rows per HDF5 chunk and per write (~20 MB of truth rows).
CHUNK_ROWS = 65_536


def _schema(files: list[Path]) -> tuple[list[str], dict[str, int]]:
    """Column names (the same in every file) and the widest text of each text column."""
    names, widths = None, {}
    for f in files:
        with fits.open(f, memmap=False, lazy_load_hdus=True) as hdul:
            cols = hdul[1].columns  # the header only: no row is read
            these = list(cols.names)
            if names is None:
                names = these
            elif these != names:
                raise SelfuncError(f"{f}: columns {', '.join(these)} differ from those of the "
                                   f"other pointings ({', '.join(names)}); cannot merge")
            for c in cols:
                if c.format.endswith("A"):
                    w = int(c.format[:-1] or 1)
                    widths[c.name] = max(widths.get(c.name, 1), w)
    return names or [], widths


def _normalise(t: Table, pid: int, widths: dict, row: dict, truth: bool) -> Table:
    t.add_column(np.full(len(t), pid, dtype=np.int64), name="pointing", index=0)
    for col in list(t.colnames):
        if col in widths:  # FITS text: bytes of the campaign's widest value
            t[col] = np.asarray(t[col]).astype(f"S{widths[col]}")
    if truth and "exposure" not in t.colnames:  # injection truth: the image's exposure
        t["exposure"] = np.full(len(t), row.get("exposure", np.nan))
        t["exposure"].unit = "s"
    if truth and "match" not in t.colnames:  # no detection stage: nothing matched
        t["match"] = np.full(len(t), -1, dtype=np.int64)
    return t


def merge_table(out: Path, rows: list[dict], name: str, dest: Path, *, folder,
                meta: dict | None = None, chunk_rows: int = CHUNK_ROWS) -> int:
    """Stream ``folder(out, pid)/name.fits`` of every pointing of ``rows`` into ``dest``
    (table ``name``); returns the number of rows. A truth table gets each pointing's
    exposure where it has none, and ``match = -1`` without a detection."""
    files = [folder(out, r["pointing"]) / f"{name}.fits" for r in rows]
    _, widths = _schema(files)
    meta = dict(meta or {})
    nunconv = 0
    total = 0
    with atomic_path(dest) as tmp:
        with h5py.File(tmp, "w") as h5:
            ds, template, buffer, held = None, None, [], 0
            for r, f in zip(rows, files):
                t = Table.read(f, format="fits", character_as_bytes=True)
                nunconv += int(t.meta.get("NUNCONV", 0))
                if "CNNMODEL" in t.meta:
                    meta.setdefault("CNNMODEL", t.meta["CNNMODEL"])
                t = _normalise(t, r["pointing"], widths, r, name == "truth")
                # NaN stays NaN: the FITS reader masks it, the merged table holds the value
                a = np.ma.getdata(t.as_array())
                if ds is None:
                    template = t[:0].copy()
                    template.meta.clear()
                    ds = h5.create_dataset(name, shape=(0,), maxshape=(None,), dtype=a.dtype,
                                           chunks=(chunk_rows,))
                elif a.dtype != ds.dtype:
                    a = a.astype(ds.dtype)  # e.g. an empty table's default float column
                buffer.append(a)
                held += len(a)
                if held >= chunk_rows:
                    total = _flush(ds, buffer, total)
                    buffer, held = [], 0
            if ds is None:
                raise SelfuncError(f"{out}: no pointing to merge into {dest.name}")
            total = _flush(ds, buffer, total)
            if name == "candidates":
                meta["NUNCONV"] = nunconv
            meta["NROWS"] = total
            template.meta.update(meta)
            header = table_meta.get_yaml_from_table(template)
            h5.create_dataset(f"{name}.__table_column_meta__",
                              data=np.array([h.encode("utf-8") for h in header]))
    return total


def _flush(ds, buffer: list, total: int) -> int:
    if not buffer:
        return total
    block = np.concatenate(buffer)
    ds.resize((total + len(block),))
    ds[total:total + len(block)] = block
    return total + len(block)
