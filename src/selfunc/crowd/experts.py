"""Expert classifications of cluster candidates (Kosiba et al. 2020, §2.4 and §5.5).

Each candidate is classified by two experts; a moderator decides where they disagree. An
expert picks one of twelve categories. The binary scheme calls the two cluster categories
*cluster*, the next six *non-cluster*, and does not use the last four. The five-class scheme
of §5.5 groups the same eight categories into ``low-z``, ``hi-z``, ``galaxy``, ``point``
(point source, star or AGN, double source) and ``other`` (artefact, edge), the labels used
across selfunc (see ``docs/catalogues.md``).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
from astropy.table import Table

from selfunc.errors import SelfuncError

__all__ = [
    "EXPERT_CATEGORIES",
    "BINARY_CLASS",
    "FIVE_CLASS",
    "canonical_category",
    "resolve_expert_labels",
    "read_experts",
]

#: The twelve categories, in the order of §2.4; the last four are not used for labels.
EXPERT_CATEGORIES = (
    "low-z cluster",
    "high-z cluster",
    "nearby galaxy",
    "point source",
    "star or AGN",
    "double source",
    "artefact",
    "edge",
    "fossil group",
    "high background image",
    "no optical image",
    "dubious source",
)

#: category -> "cluster" / "non-cluster"; the last four categories are absent on purpose.
BINARY_CLASS = {
    **{c: "cluster" for c in EXPERT_CATEGORIES[:2]},
    **{c: "non-cluster" for c in EXPERT_CATEGORIES[2:8]},
}

#: category -> five-class label (§5.5); the last four categories are absent on purpose.
FIVE_CLASS = {
    "low-z cluster": "low-z",
    "high-z cluster": "hi-z",
    "nearby galaxy": "galaxy",
    "point source": "point",
    "star or AGN": "point",
    "double source": "point",
    "artefact": "other",
    "edge": "other",
}

# Spellings seen in expert tables (the paper's wording, snake_case keys, short forms).
_ALIASES = {
    "low redshift cluster": "low-z cluster",
    "low z": "low-z cluster",
    "lowz cluster": "low-z cluster",
    "high redshift cluster": "high-z cluster",
    "high z": "high-z cluster",
    "hi z cluster": "high-z cluster",
    "highz cluster": "high-z cluster",
    "point": "point source",
    "star": "star or AGN",
    "agn": "star or AGN",
    "star agn": "star or AGN",
    "double": "double source",
    "artifact": "artefact",
    "fossil": "fossil group",
    "high background": "high background image",
    "no optical": "no optical image",
    "dubious": "dubious source",
}


def _normalise(name: str) -> str:
    return re.sub(r"[\s_/\-]+", " ", name.strip().casefold()).strip()


_LOOKUP = {_normalise(c): c for c in EXPERT_CATEGORIES}
_LOOKUP.update({_normalise(a): c for a, c in _ALIASES.items()})


def canonical_category(name: str) -> str:
    """Return the canonical spelling of an expert category.

    Case, underscores, hyphens and slashes are ignored, and a few common spellings are
    accepted (``"low redshift cluster"``, ``"low_z_cluster"``, ``"artifact"``, ``"AGN"``).

    Raises
    ------
    ValueError
        If ``name`` is none of the twelve categories of §2.4.
    """
    try:
        return _LOOKUP[_normalise(name)]
    except KeyError:
        raise ValueError(
            f"{name!r} is not an expert category; expected one of {', '.join(EXPERT_CATEGORIES)}"
        ) from None


def resolve_expert_labels(first, second, moderator=None):
    """Resolve two expert categories per candidate, with a moderator on conflicts (§2.4).

    Parameters
    ----------
    first, second : sequence of str
        Canonical categories given by the two experts.
    moderator : sequence of str or None, optional
        The moderator's category, or ``""``/``None`` where there was no moderation.

    Returns
    -------
    category : ndarray of str
        The final category; ``""`` where the experts disagree and no moderator decided.
    resolution : ndarray of str
        ``"agreed"``, ``"moderator"`` or ``"unresolved"``.

    Notes
    -----
    A conflict is a different *category*, not only a different binary class: the moderators
    of X-CLASS decided on the category, which the five-class labels need.
    """
    first = np.asarray(first, dtype=str)
    second = np.asarray(second, dtype=str)
    if moderator is None:
        moderator = np.full(first.shape, "", dtype=str)
    moderator = np.asarray(moderator, dtype=str)
    agreed = first == second
    moderated = ~agreed & (moderator != "")
    category = np.where(agreed, first, np.where(moderated, moderator, ""))
    resolution = np.where(agreed, "agreed", np.where(moderated, "moderator", "unresolved"))
    return category.astype(str), resolution.astype(str)


def read_experts(path) -> Table:
    """Read expert classifications from a CSV file.

    The file has a ``subject_id`` column and either a ``category`` column (labels already
    resolved) or ``expert_1`` and ``expert_2`` columns with an optional ``moderator`` column
    (resolved here with :func:`resolve_expert_labels`). An optional ``subsets`` column holds
    ``;``-separated tags (e.g. ``spec`` for the spectroscopically confirmed test sample of
    §5.1); comparisons are then also made on each tagged subset.

    Returns
    -------
    astropy.table.Table
        Columns ``subject_id``, ``category`` (canonical, ``""`` if unresolved),
        ``resolution``, ``binary`` (``cluster``/``non-cluster``/``""`` where not used),
        ``five_class`` (``""`` where not used) and ``subsets``.

    Raises
    ------
    SelfuncError
        On a missing column, an unknown category or a repeated subject, naming the file,
        row and column.
    """
    path = Path(path)
    try:  # read whole (expert tables are small) so that bad bytes are one clear line
        with open(path, newline="", encoding="utf-8-sig") as fh:  # -sig: spreadsheets' BOM
            handle = io.StringIO(fh.read(), newline="")
    except OSError as exc:
        raise SelfuncError(f"{path}: cannot read expert labels ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise SelfuncError(f"{path}: not a UTF-8 text file (byte {exc.start}); expected an "
                           "expert labels CSV") from None
    with handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        if "subject_id" not in header:
            raise SelfuncError(f"{path}: expected a 'subject_id' column; found {header}")
        resolved = "category" in header
        if not resolved and not {"expert_1", "expert_2"} <= set(header):
            raise SelfuncError(
                f"{path}: expected a 'category' column or 'expert_1' and 'expert_2' columns; "
                f"found {header}"
            )
        columns = ["category"] if resolved else ["expert_1", "expert_2", "moderator"]
        values = {c: [] for c in columns}
        subject_ids, subsets, seen = [], [], {}
        for row_number, row in enumerate(reader, start=1):
            subject = (row["subject_id"] or "").strip()
            if not subject:
                raise SelfuncError(f"{path}: row {row_number}: column 'subject_id' is empty")
            if subject in seen:
                raise SelfuncError(
                    f"{path}: row {row_number}: subject_id {subject} repeats row {seen[subject]}"
                )
            seen[subject] = row_number
            subject_ids.append(subject)
            for c in columns:
                raw = (row.get(c) or "").strip()
                if not raw and c != "moderator":
                    raise SelfuncError(f"{path}: row {row_number}: column {c!r} is empty")
                try:
                    values[c].append(canonical_category(raw) if raw else "")
                except ValueError as exc:
                    raise SelfuncError(f"{path}: row {row_number}: column {c!r}: {exc}") from None
            subsets.append(";".join(t.strip() for t in (row.get("subsets") or "").split(";") if t.strip()))
    if not subject_ids:
        raise SelfuncError(f"{path}: no expert labels (the file has a header only)")
    if resolved:
        category = np.array(values["category"], dtype=str)
        resolution = np.full(category.shape, "given", dtype="U10")
    else:
        category, resolution = resolve_expert_labels(
            values["expert_1"], values["expert_2"], values["moderator"]
        )
    binary = np.array([BINARY_CLASS.get(c, "") for c in category], dtype="U11")
    five = np.array([FIVE_CLASS.get(c, "") for c in category], dtype="U6")
    return Table(
        {
            "subject_id": np.array(subject_ids, dtype=str),
            "category": category,
            "resolution": resolution,
            "binary": binary,
            "five_class": five,
            "subsets": np.array(subsets, dtype=str) if any(subsets) else np.full(len(subsets), "", "U1"),
        }
    )
