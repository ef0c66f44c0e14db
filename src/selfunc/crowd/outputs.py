"""The work of ``selfunc crowd aggregate``: an export in, a folder of tables, figures and a
summary out (``docs/crowd.md``, "Outputs"). Every file is written atomically
(:func:`selfunc.io.atomic_path`, :mod:`selfunc.atomic`), and files of an earlier run that
this one does not write again are removed, so a folder never mixes two runs."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from selfunc.errors import SelfuncError

__all__ = ["TABLE_FILES", "OUTPUTS", "AggregateRun", "aggregate_export"]

TABLE_FILES = {
    "subjects": "per-subject votes, weighted and unweighted labels and scores",
    "volunteers": "Eq. 1 weights G = C/Q of each volunteer per question",
    "comparison": "TP/TN/FP/FN, accuracy, precision, recall, AUC against experts (Table 1)",
    "roc": "ROC curve points (Figure 5)",
    "answer_experts": "ending answers against expert categories (Figure 6)",
    "answer_agreement": "fraction of ending answers agreeing with experts (Figure 6)",
    "experts": "resolved expert labels",
}

#: Every file ``crowd aggregate`` may write.
OUTPUTS = (*(f"{n}.csv" for n in TABLE_FILES), "crowd.h5", "bad_rows.csv", "roc.png",
           "answer_agreement.png", "summary.json")


@dataclass(frozen=True, eq=False)
class AggregateRun:
    """What one run read, computed and wrote: the export's ``report``, the crowd
    ``result``, the ``tables`` by name, the ``summary`` (summary.json), the files
    ``written`` (tables, figures, summary) and the ``stale`` files of an earlier run removed."""

    report: object
    result: object
    tables: dict
    summary: dict
    written: list = field(default_factory=list)
    stale: list = field(default_factory=list)


def _write_tables(tables: dict, out: Path, fmt: str) -> list[Path]:
    from selfunc.io import atomic_path

    written = []
    if fmt == "hdf5":
        target = out / "crowd.h5"
        with atomic_path(target) as tmp:  # append=True adds paths to one fresh file
            for name, table in tables.items():
                table.write(tmp, path=name, format="hdf5", append=True, serialize_meta=True)
        written.append(target)
    else:
        for name, table in tables.items():
            target = out / f"{name}.csv"
            with atomic_path(target) as tmp:
                table.write(tmp, format="ascii.csv")
            written.append(target)
    return written


def _write_bad_rows(bad_rows, path: Path) -> Path:
    from selfunc.io import atomic_path

    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("row", "line", "classification_id", "reason"))
        writer.writerows((b.row, b.line, b.classification_id, b.reason) for b in bad_rows)
    return path


def _remove_stale(out: Path, written: list[Path]) -> list[Path]:
    keep = {p.name for p in written}
    stale = [out / n for n in OUTPUTS if n not in keep and (out / n).is_file()]
    for p in stale:
        p.unlink()
    return stale


def aggregate_export(export, out, *, tree="hunt_for_galaxy_clusters", experts=None,
                     fmt: str = "csv", skip_bad_rows: bool = False,
                     keep_not_logged_in: bool = False, keep_repeats: bool = False,
                     encoding: str = "utf-8") -> AggregateRun:
    """Read a classification export, aggregate it, compare it with experts and write the
    folder ``out``.

    Parameters
    ----------
    export : path
        Panoptes classification export (``.csv`` or ``.csv.gz``).
    out : path
        Output folder (created if needed).
    tree : str or path
        Decision tree preset or TOML file.
    experts : path, optional
        Expert labels CSV; adds the Table 1, Figure 5 and Figure 6 outputs.
    fmt : {"csv", "hdf5"}
    skip_bad_rows, keep_not_logged_in, keep_repeats, encoding
        As the command's flags.

    Raises
    ------
    SelfuncError
        A bad export, tree or expert file, nothing left to aggregate, no expert-labelled
        subject among the crowd's, or a folder that cannot be created.
    """
    from selfunc.atomic import write_text
    from selfunc.crowd.aggregate import aggregate
    from selfunc.crowd.compare import (answer_agreement, answer_expert_counts,
                                       classification_table, roc_table)
    from selfunc.crowd.experts import read_experts
    from selfunc.crowd.export import read_export
    from selfunc.crowd.plots import plot_answer_agreement, plot_roc
    from selfunc.crowd.tree import load_tree

    out = Path(out)
    tree = load_tree(tree)
    expert_table = read_experts(experts) if experts else None
    classifications, report = read_export(export, tree, on_error="collect" if skip_bad_rows else "raise",
                                          encoding=encoding)
    result = aggregate(classifications, drop_not_logged_in=not keep_not_logged_in,
                       drop_repeats=not keep_repeats)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SelfuncError(f"{out}: cannot create output folder ({exc.strerror})") from None

    tables = {"subjects": result.subjects, "volunteers": result.weights.table()}
    figures = []
    if expert_table is not None:
        tables["experts"] = expert_table
        comparison = classification_table(result.subjects, expert_table)
        if comparison.meta["n_matched"] == 0:
            raise SelfuncError(
                f"{experts}: no expert-labelled subject has a crowd label "
                f"({len(expert_table)} expert rows, {len(result.subjects)} crowd subjects); check subject_id"
            )
        roc = roc_table(result.subjects, expert_table)
        counts = answer_expert_counts(result.classifications, expert_table)
        tables.update(comparison=comparison, roc=roc, answer_experts=counts,
                      answer_agreement=answer_agreement(result.classifications, expert_table))
        if len(roc):
            figures.append(plot_roc(roc, comparison, out / "roc.png"))
        if any(tree.answers[tree.answer_code(a)].expert_match for a in counts["answer"]):
            figures.append(plot_answer_agreement(counts, tree, out / "answer_agreement.png"))
    written = _write_tables(tables, out, fmt)
    if report.bad_rows:
        written.append(_write_bad_rows(report.bad_rows, out / "bad_rows.csv"))
    s = result.selection
    summary = {
        "export": str(export),
        "tree": tree.name,
        "rows": report.n_rows,
        "bad_rows": len(report.bad_rows),
        "other_workflow": report.n_other_workflow,
        "older_workflow_version": report.n_old_version,
        "classifications_read": report.n_classifications,
        "not_logged_in_dropped": s.n_not_logged_in,
        "repeats_dropped": s.n_repeated,
        "classifications_used": s.n_kept,
        "subjects": len(result.subjects),
        "volunteers": len(tables["volunteers"]),
    }
    if expert_table is not None:
        summary.update({k: v for k, v in tables["comparison"].meta.items() if k.startswith("n_")})
    write_text(out / "summary.json", json.dumps(summary, indent=2) + "\n")
    written = [*written, *figures, out / "summary.json"]
    stale = _remove_stale(out, written)
    return AggregateRun(report=report, result=result, tables=tables, summary=summary,
                        written=written, stale=stale)
