"""Merged catalogues in bounded memory, with provenance; the fit reads only its columns
(issue 16)."""

import tracemalloc

import numpy as np
import pytest
from astropy.table import Table

from selfunc.campaign.merge import merge_table
from selfunc.campaign.simulate import merge, pointing_dir
from selfunc.selection.catalogues import read_catalogues

N_FLOAT = 24  # truth-like: ~200 bytes a row


def synthetic(out, n_pointings, rows_per_pointing, seed=3):
    """Pointings with truth and candidate tables of the campaign's layout (text, bool,
    units, per-pointing widths of the text columns that differ)."""
    rng = np.random.default_rng(seed)
    rows = []
    for pid in range(n_pointings):
        n = rows_per_pointing + int(rng.integers(-5, 6))
        kinds = np.array(["agn", "cluster", "star"])[rng.integers(0, 3 if pid % 2 else 2, n)]
        t = Table({"id": np.arange(n), "kind": kinds, "match": np.full(n, -1),
                   **{f"f{k}": rng.normal(size=n) for k in range(N_FLOAT)}})
        t["flux"] = 10 ** rng.uniform(-15, -13, n)
        t["flux"].unit = "erg / (s cm2)"
        t["match"][:3] = np.arange(3)
        d = pointing_dir(out, pid)
        d.mkdir(parents=True)
        t.write(d / "truth.fits")
        c = Table({"cand_id": np.arange(3), "is_cluster": np.array([True, False, True]),
                   "label": np.array(["cluster", "agn", "cluster"][: 3]),
                   "ext": rng.uniform(0, 30, 3), "C1": np.array([True, False, False])})
        c["ext"].unit = "arcsec"
        c.meta["NUNCONV"] = pid % 3
        c.write(d / "candidates.fits")
        rows.append({"pointing": pid, "exposure": 1e4})
    return rows


def test_merged_tables_equal_the_stacked_pointings_and_keep_provenance(tmp_path):
    rows = synthetic(tmp_path, 7, 20)
    merge(tmp_path, rows, meta={"CAMPAIGN": "synthetic", "SEED": 3})
    truth = Table.read(tmp_path / "catalogues" / "truth.h5", path="truth",
                       character_as_bytes=False)
    parts = [Table.read(pointing_dir(tmp_path, r["pointing"]) / "truth.fits") for r in rows]
    assert len(truth) == sum(len(p) for p in parts)
    assert np.array_equal(truth["f5"], np.concatenate([p["f5"] for p in parts]))
    assert list(truth["kind"]) == [k for p in parts for k in p["kind"].astype(str)]
    assert truth["flux"].unit == "erg / (s cm2)" and truth["exposure"].unit == "s"
    assert truth.meta["CAMPAIGN"] == "synthetic" and truth.meta["NROWS"] == len(truth)
    cand = Table.read(tmp_path / "catalogues" / "candidates.h5", path="candidates")
    assert cand.meta["NUNCONV"] == sum(pid % 3 for pid in range(7))
    assert cand["is_cluster"].dtype == bool and cand["ext"].unit == "arcsec"


def test_the_fit_reads_only_the_columns_it_asks_for(tmp_path):
    rows = synthetic(tmp_path, 3, 10)
    merge(tmp_path, rows)
    cat = read_catalogues(tmp_path, columns={"flux", "ext", "is_cluster"})
    assert set(cat.truth.colnames) == {"pointing", "id", "kind", "match", "flux"}
    assert set(cat.candidates.colnames) == {"pointing", "cand_id", "ext", "is_cluster"}
    full = read_catalogues(tmp_path)
    assert np.array_equal(cat.truth["flux"], full.truth["flux"])
    assert cat.truth["flux"].unit == full.truth["flux"].unit
    assert list(cat.truth["kind"]) == list(full.truth["kind"])


@pytest.mark.slow
def test_merging_many_pointings_stays_under_a_memory_bound(tmp_path):
    n_pointings, per, chunk = 300, 400, 4096
    rows = synthetic(tmp_path, n_pointings, per)
    dest = tmp_path / "truth.h5"
    tracemalloc.start()
    n = merge_table(tmp_path, rows, "truth", dest, folder=pointing_dir, chunk_rows=chunk)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    row_bytes = Table.read(dest, path="truth")[:1].as_array().nbytes
    data = n * row_bytes  # ~25 MB merged
    # The bound: the write buffer (one chunk, plus the pointing that overflows it), held
    # twice while it is concatenated, and a few copies of one pointing's table.
    bound = 2 * (chunk + per + 5) * row_bytes + 6 * (per + 5) * row_bytes + 4e6
    assert n == len(Table.read(dest, path="truth"))
    assert data > 3 * bound, (data, bound)  # the bound is well below holding everything
    assert peak < bound, (peak, bound)
