"""Zooniverse (Panoptes) classification exports: a streaming reader, and a writer.

An export is a CSV file with one row per classification and, among others, the columns
``classification_id, user_name, user_id, workflow_id, workflow_version, created_at,
annotations, subject_ids``. ``annotations`` is a JSON list of ``{"task": …, "value": …}``
objects in the order the volunteer answered. For a single-answer question ``value`` is the
answer's position (classic exports) or its label (newer exports); both are accepted.

The reader checks every row against the decision tree. A malformed row is never dropped
silently: it either stops the reading with its row number and the reason, or, with
``on_error="collect"``, is listed in the report.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import hashlib
import json
import warnings
import zlib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import numpy as np

from selfunc.crowd.classifications import Classifications
from selfunc.crowd.tree import DecisionTree
from selfunc.errors import SelfuncError

__all__ = ["BadRow", "ExportReport", "read_export", "write_export", "EXPORT_COLUMNS"]

#: The columns of a standard Panoptes classification export, in its order.
EXPORT_COLUMNS = (
    "classification_id",
    "user_name",
    "user_id",
    "user_ip",
    "workflow_id",
    "workflow_name",
    "workflow_version",
    "created_at",
    "gold_standard",
    "expert",
    "metadata",
    "annotations",
    "subject_data",
    "subject_ids",
)

_REQUIRED = ("classification_id", "user_name", "user_id", "workflow_id", "created_at", "annotations", "subject_ids")

# Unique annotation strings are few in practice (one per path through the tree and answer
# encoding), so parsed paths are cached; the cap keeps memory bounded for exports whose
# annotations are all different (free-text tasks).
_CACHE_LIMIT = 200_000
_FIELD_LIMIT = 1 << 30


@dataclass(frozen=True)
class BadRow:
    """A malformed row: its record number (1 = first data row), first line, id and why."""

    row: int
    line: int
    classification_id: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row} (line {self.line}): {self.reason}"


@dataclass(frozen=True)
class ExportReport:
    """What the reader did with each row of an export.

    ``n_rows = n_classifications + n_other_workflow + n_old_version + len(bad_rows)``.
    """

    path: str
    n_rows: int
    n_classifications: int
    n_other_workflow: int
    n_old_version: int
    bad_rows: tuple[BadRow, ...] = field(default=())


class _RowError(Exception):
    pass


class _AnnotationParser:
    """Turns an ``annotations`` string into the index of a validated path."""

    def __init__(self, tree: DecisionTree):
        self.tree = tree
        self.task_index = {q.task: i for i, q in enumerate(tree.questions)}
        self.ignore = frozenset(tree.ignore_tasks)
        self.labels = []
        for q in tree.questions:
            exact = {a.label: j for j, a in enumerate(q.answers)}
            folded = {a.label.strip().casefold(): j for j, a in enumerate(q.answers)}
            self.labels.append((exact, folded))
        self.paths: list[tuple[int, ...]] = []
        self._path_index: dict[tuple[int, ...], int] = {}
        self._cache: dict[str, int | _RowError] = {}

    def __call__(self, text: str) -> int:
        hit = self._cache.get(text)
        if hit is None:
            try:
                hit = self._parse(text)
            except _RowError as exc:
                hit = exc
            if len(self._cache) < _CACHE_LIMIT:
                self._cache[text] = hit
        if isinstance(hit, _RowError):
            raise hit
        return hit

    def _answer(self, q: int, value) -> int:
        question = self.tree.questions[q]
        n = len(question.answers)
        if isinstance(value, bool) or value is None:
            raise _RowError(f"task {question.task} has value {value!r}, expected one answer")
        if isinstance(value, int):
            if not 0 <= value < n:
                raise _RowError(f"task {question.task} has answer index {value}, expected 0..{n - 1}")
            return value
        if isinstance(value, str):
            exact, folded = self.labels[q]
            j = exact.get(value)
            if j is None:
                j = folded.get(value.strip().casefold())
            if j is None and value.strip().isdigit() and int(value) < n:
                j = int(value)
            if j is None:
                labels = [a.label for a in question.answers]
                raise _RowError(f"task {question.task} has answer {value!r}, expected one of {labels}")
            return j
        if isinstance(value, list):
            raise _RowError(
                f"task {question.task} has a list value (a multiple-answer, drawing or survey task), "
                "expected a single answer"
            )
        raise _RowError(f"task {question.task} has value {value!r}, expected an answer index or label")

    def _parse(self, text: str) -> int:
        try:
            annotations = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _RowError(f"column 'annotations' is not valid JSON ({exc.msg} at character {exc.pos})") from None
        if not isinstance(annotations, list):
            raise _RowError("column 'annotations' must be a JSON list of {task, value} objects")
        tree = self.tree
        offsets, next_question = tree.question_offsets, tree.answer_next
        expected = tree.first_question
        path: list[int] = []
        for k, item in enumerate(annotations):
            if not isinstance(item, dict) or "task" not in item or "value" not in item:
                raise _RowError(f"annotation {k} is not a {{task, value}} object")
            task = item["task"]
            if task in self.ignore:
                continue
            q = self.task_index.get(task)
            if q is None:
                raise _RowError(
                    f"task {task!r} is not in the decision tree (list it under ignore_tasks to skip it)"
                )
            if expected < 0:
                raise _RowError(
                    f"task {task} was answered after the classification ended at {tree.answer_keys[path[-1]]!r}"
                )
            if q != expected:
                raise _RowError(f"task {task} was answered where the tree asks {tree.questions[expected].task}")
            code = int(offsets[q]) + self._answer(q, item["value"])
            path.append(code)
            expected = int(next_question[code])
        if not path:
            raise _RowError("no annotation answers a question of the decision tree")
        if expected >= 0:
            raise _RowError(
                f"the classification stops at {tree.answer_keys[path[-1]]!r} before an ending answer "
                f"(the tree asks {tree.questions[expected].task} next)"
            )
        key = tuple(path)
        index = self._path_index.get(key)
        if index is None:
            index = self._path_index[key] = len(self.paths)
            self.paths.append(key)
        return index


def _open_text(path: Path, encoding: str):
    # surrogateescape lets a row with undecodable bytes be reported on its own instead of
    # aborting the whole file at an unknown row.
    opener = gzip.open if path.suffix == ".gz" else open
    return opener(path, "rt", encoding=encoding, errors="surrogateescape", newline="")


@contextlib.contextmanager
def _large_fields():
    # Drawing tasks can make annotations longer than csv's default limit of 128 KiB; the
    # limit is process-wide, so it is put back afterwards.
    previous = csv.field_size_limit(_FIELD_LIMIT)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.strip().split("."))


def read_export(
    path,
    tree: DecisionTree,
    *,
    on_error: str = "raise",
    encoding: str = "utf-8",
) -> tuple[Classifications, ExportReport]:
    """Read a Zooniverse classification export, streaming, row by row.

    Parameters
    ----------
    path : path-like
        The CSV export (``.csv`` or ``.csv.gz``).
    tree : DecisionTree
        Every classification must follow it from ``tree.first_task`` to an ending answer.
        Rows of another ``tree.workflow_id`` or older than ``tree.min_workflow_version``
        are skipped and counted.
    on_error : {"raise", "collect"}
        ``"raise"`` stops at the first malformed row with a :class:`SelfuncError` that
        gives the row number, the line and the reason; ``"collect"`` lists the malformed
        rows in the report and goes on.
    encoding : str
        Text encoding of the file. Bytes that are not valid in it make a row malformed when
        they are in a column that is used.

    Returns
    -------
    classifications : Classifications
    report : ExportReport
    """
    if on_error not in ("raise", "collect"):
        raise ValueError(f"on_error must be 'raise' or 'collect', not {on_error!r}")
    path = Path(path)
    required = _REQUIRED + (("workflow_version",) if tree.min_workflow_version else ())
    bad_rows: list[BadRow] = []

    def bad(row: int, line: int, cid: str, reason: str):
        if on_error == "raise":
            raise SelfuncError(f"{path}: row {row} (line {line}): {reason}")
        bad_rows.append(BadRow(row, line, cid, reason))

    parse = _AnnotationParser(tree)
    workflow_ok: dict[str, bool] = {}
    version_ok: dict[str, bool] = {}
    min_version = _version_tuple(tree.min_workflow_version) if tree.min_workflow_version else None
    subject_map: dict[str, int] = {}
    user_map: dict[str, int] = {}
    anonymous_map: dict[str, int] = {}
    user_ids: list[str] = []
    logged_in: list[bool] = []
    out_subject, out_user, out_path, out_created, out_cid, out_row, out_line = [], [], [], [], [], [], []
    seen_ids: dict[int, int] = {}
    n_rows = n_other = n_old = 0

    try:
        handle = _open_text(path, encoding)
    except OSError as exc:
        raise SelfuncError(f"{path}: cannot read classification export ({exc.strerror})") from None
    except LookupError:
        raise SelfuncError(f"{path}: unknown text encoding {encoding!r}") from None
    with handle, _large_fields():
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise SelfuncError(f"{path}: empty file, expected a Zooniverse classification export") from None
        except (csv.Error, UnicodeError, OSError, EOFError, zlib.error) as exc:
            raise SelfuncError(f"{path}: cannot read the header row ({exc})") from None
        header = [h.lstrip("\ufeff").strip() for h in header]
        column = {name: i for i, name in enumerate(header)}
        missing = [c for c in required if c not in column]
        if missing:
            raise SelfuncError(
                f"{path}: not a Zooniverse classification export: missing column(s) {missing}; "
                f"found {header[:20]}"
            )
        n_fields = len(header)
        i_cid, i_name, i_uid, i_wf, i_created, i_ann, i_subj = (column[c] for c in _REQUIRED)
        i_version = column.get("workflow_version")
        checked = ((i_cid, "classification_id"), (i_name, "user_name"), (i_uid, "user_id"), (i_wf, "workflow_id"),
                   (i_created, "created_at"), (i_ann, "annotations"), (i_subj, "subject_ids"))
        wanted_workflow = tree.workflow_id

        while True:
            line = reader.line_num + 1
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                n_rows += 1
                bad(n_rows, line, "", f"CSV error: {exc}")
                continue
            except (UnicodeError, OSError, EOFError, zlib.error) as exc:  # a truncated .gz
                raise SelfuncError(f"{path}: cannot read past line {line} ({exc}); expected a "
                                   "complete export (truncated download?)") from None
            if not fields:
                continue  # a blank line is not a row
            n_rows += 1
            if len(fields) != n_fields:
                bad(n_rows, line, fields[i_cid] if len(fields) > i_cid else "",
                    f"has {len(fields)} fields, the header has {n_fields}")
                continue
            try:
                for i, column_name in checked:
                    value = fields[i]
                    if not value.isascii():
                        try:
                            value.encode("utf-8")
                        except UnicodeEncodeError:
                            raise _RowError(
                                f"column {column_name!r} has bytes that are not valid {encoding} "
                                "(read the file with its encoding, e.g. latin-1)"
                            ) from None
                if wanted_workflow is not None:
                    text = fields[i_wf]
                    ok = workflow_ok.get(text)
                    if ok is None:
                        try:
                            ok = workflow_ok[text] = int(text) == wanted_workflow
                        except ValueError:
                            raise _RowError(f"workflow_id {text!r} is not an integer") from None
                    if not ok:
                        n_other += 1
                        continue
                if min_version is not None:
                    text = fields[i_version]
                    ok = version_ok.get(text)
                    if ok is None:
                        try:
                            ok = version_ok[text] = _version_tuple(text) >= min_version
                        except ValueError:
                            raise _RowError(f"workflow_version {text!r} is not like '16.55'") from None
                    if not ok:
                        n_old += 1
                        continue
                try:
                    cid = int(fields[i_cid])
                except ValueError:
                    raise _RowError(f"classification_id {fields[i_cid]!r} is not an integer") from None
                subject = fields[i_subj].strip()
                if not subject:
                    raise _RowError("column 'subject_ids' is empty")
                uid = fields[i_uid].strip()
                if uid:
                    code = user_map.get(uid)
                    if code is None:
                        code = user_map[uid] = len(user_ids)
                        user_ids.append(uid)
                        logged_in.append(True)
                else:
                    name = fields[i_name].strip()
                    if not name:
                        raise _RowError("no user_id and no user_name")
                    code = anonymous_map.get(name)
                    if code is None:
                        code = anonymous_map[name] = len(user_ids)
                        user_ids.append(name)
                        logged_in.append(False)
                path_id = parse(fields[i_ann])
                first = seen_ids.get(cid)
                if first is not None:
                    raise _RowError(f"classification_id {cid} repeats row {first}")
                seen_ids[cid] = n_rows
            except _RowError as exc:
                bad(n_rows, line, fields[i_cid], str(exc))
                continue
            s = subject_map.get(subject)
            if s is None:
                s = subject_map[subject] = len(subject_map)
            created = fields[i_created].strip()
            out_subject.append(s)
            out_user.append(code)
            out_path.append(path_id)
            out_created.append(created[:-4] if created.endswith(" UTC") else created)
            out_cid.append(cid)
            out_row.append(n_rows)
            out_line.append(line)

    created_at, valid = _parse_times(out_created)
    for k in np.flatnonzero(~valid):
        bad(out_row[k], out_line[k], str(out_cid[k]),
            f"created_at {out_created[k]!r} is not a UTC time like '2019-01-02 12:34:56 UTC'")
    if bad_rows:
        bad_rows.sort(key=lambda b: b.row)

    table = np.full((max(len(parse.paths), 1), tree.max_depth), -1, dtype=np.int16)
    for i, p in enumerate(parse.paths):
        table[i, : len(p)] = p
    classifications = Classifications(
        tree=tree,
        subject=np.asarray(out_subject, dtype=np.int64),
        user=np.asarray(out_user, dtype=np.int64),
        path=table[np.asarray(out_path, dtype=np.int64)],
        subject_ids=np.array(list(subject_map), dtype=str),
        user_ids=np.array(user_ids, dtype=str),
        logged_in=np.array(logged_in, dtype=bool),
        created_at=created_at,
        classification_id=np.asarray(out_cid, dtype=np.int64),
        row=np.asarray(out_row, dtype=np.int64),
    ).subset(valid)
    report = ExportReport(
        path=str(path),
        n_rows=n_rows,
        n_classifications=len(classifications),
        n_other_workflow=n_other,
        n_old_version=n_old,
        bad_rows=tuple(bad_rows),
    )
    return classifications, report


def _parse_times(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Parse times in bulk; where that fails, find the rows that made it fail."""
    # numpy only warns on a time-zone offset ("+02:00"); Zooniverse writes UTC without one,
    # so such a row is malformed rather than silently shifted.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            times = np.array(texts, dtype="datetime64[ms]") if texts else np.array([], dtype="datetime64[ms]")
            return times, ~np.isnat(times)
        except (ValueError, Warning):
            pass
        times = np.full(len(texts), np.datetime64("NaT"), dtype="datetime64[ms]")
        for k, text in enumerate(texts):
            try:
                times[k] = np.datetime64(text, "ms")
            except (ValueError, Warning):
                pass
    return times, ~np.isnat(times)


# -- writer ------------------------------------------------------------------------------

def write_export(
    path,
    classifications: Classifications,
    *,
    values: str = "index",
    workflow_id: int = 1,
    workflow_name: str = "Classify candidates",
    workflow_version: str = "1.1",
    comment_task: str | None = None,
) -> Path:
    """Write classifications as a standard 14-column Panoptes classification export.

    Parameters
    ----------
    values : {"index", "label"}
        Write single-answer values as the answer position (classic exports) or as the
        answer label.
    comment_task : str, optional
        Add an annotation for a free-text task of this name with text unique to each row,
        like a project's "any comments?" task (it must be in the tree's ``ignore_tasks``
        for the export to be read back).

    Notes
    -----
    User names of logged-in volunteers are ``volunteer-<user id>``; ``user_ip`` is a
    made-up hash. ``metadata`` and ``subject_data`` have the usual keys so that the file
    has the size and shape of a real export.
    """
    if values not in ("index", "label"):
        raise ValueError(f"values must be 'index' or 'label', not {values!r}")
    path = Path(path)
    tree = classifications.tree
    question_of = tree.answer_question
    offsets = tree.question_offsets

    def annotation(p: tuple[int, ...]) -> str:
        items = []
        for code in p:
            q = int(question_of[code])
            question = tree.questions[q]
            j = code - int(offsets[q])
            items.append({"task": question.task, "task_label": question.text,
                          "value": j if values == "index" else question.answers[j].label})
        return json.dumps(items, separators=(",", ":"))

    paths, path_id = np.unique(classifications.path, axis=0, return_inverse=True)
    path_id = path_id.reshape(-1)
    annotations = [annotation(tuple(int(c) for c in row if c >= 0)) for row in paths]
    user_ids = classifications.user_ids.tolist()
    logged_in = classifications.logged_in.tolist()
    names = [f"volunteer-{uid}" if logged else uid for uid, logged in zip(user_ids, logged_in)]
    ids = [uid if logged else "" for uid, logged in zip(user_ids, logged_in)]
    ips = [hashlib.blake2b(u.encode(), digest_size=10).hexdigest() for u in user_ids]
    finished = classifications.created_at.astype("datetime64[ms]")
    started = finished - np.timedelta64(timedelta(seconds=23))
    created_text = np.datetime_as_string(finished, unit="s")
    started_text = np.datetime_as_string(started, unit="ms")
    finished_text = np.datetime_as_string(finished, unit="ms")
    subject_ids = classifications.subject_ids.tolist()
    rows_subject = classifications.subject.tolist()
    rows_user = classifications.user.tolist()
    cids = classifications.classification_id.tolist()
    from selfunc.io import atomic_path

    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(EXPORT_COLUMNS)
        for k in range(len(classifications)):
            u = rows_user[k]
            sid = subject_ids[rows_subject[k]]
            ann = annotations[path_id[k]]
            if comment_task is not None:
                comment = f'{{"task":"{comment_task}","task_label":"Any comments?","value":"comment {cids[k]}"}}'
                ann = f"{ann[:-1]},{comment}]"
            metadata = (
                f'{{"source":"api","session":"{cids[k] * 2654435761 % 2**48:012x}",'
                f'"viewport":{{"width":1440,"height":789}},"started_at":"{started_text[k]}Z",'
                f'"user_agent":"Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",'
                f'"utc_offset":"0","finished_at":"{finished_text[k]}Z","live_project":true,'
                f'"user_language":"en","subject_dimensions":[{{"clientWidth":512,"clientHeight":512,'
                f'"naturalWidth":356,"naturalHeight":356}}]}}'
            )
            subject_data = f'{{"{sid}":{{"retired":null,"image":"cand_{sid}.png"}}}}'
            writer.writerow((
                cids[k], names[u], ids[u], ips[u],
                workflow_id, workflow_name, workflow_version,
                created_text[k].replace("T", " ") + " UTC", "", "", metadata, ann, subject_data, sid,
            ))
    return path
