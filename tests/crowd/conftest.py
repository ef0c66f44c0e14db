"""Shared fixtures for the crowd tests: the default tree, hand-written exports, real exports."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from helpers import missing_real_data
from selfunc.crowd import load_tree
from selfunc.crowd.export import EXPORT_COLUMNS

REPO = Path(__file__).resolve().parents[2]
# The shared folder sits beside the repository (CI clones main next to it); some
# checkouts carry it inside. Real-data tests skip when neither has the Zooniverse exports.
# A worktree (/work/wt/NAME) has it two levels up.
_SHARED_CANDIDATES = (REPO.parent / "shared", REPO / "shared", REPO.parent.parent / "shared")
ZOONIVERSE = next(
    (p / "data" / "real" / "zooniverse" for p in _SHARED_CANDIDATES if (p / "data" / "real" / "zooniverse").is_dir()),
    None,
)


@pytest.fixture
def zooniverse_data() -> Path:
    """Folder of the real Zooniverse exports (shared/data/real/zooniverse)."""
    if ZOONIVERSE is None:
        missing_real_data("real Zooniverse exports not found: no data/real/zooniverse under "
                          + " or ".join(str(p) for p in _SHARED_CANDIDATES))
    return ZOONIVERSE


@pytest.fixture(scope="session")
def tree():
    return load_tree()


def annotation(*answers) -> str:
    """Annotations JSON for (task, value) pairs, as Panoptes writes them."""
    return json.dumps([{"task": t, "task_label": f"question {t}", "value": v} for t, v in answers])


# Paths through the default tree, as (task, answer index) pairs.
NO_EMISSION = (("T0", 1),)
EDGE = (("T0", 0), ("T1", 1))
POINT = (("T0", 0), ("T1", 0), ("T2", 0))
NEARBY_GALAXY = (("T0", 0), ("T1", 0), ("T2", 1), ("T3", 0))
NEARBY_CLUSTER = (("T0", 0), ("T1", 0), ("T2", 1), ("T3", 1), ("T4", 0))
NOT_NEARBY_CLUSTER = (("T0", 0), ("T1", 0), ("T2", 1), ("T3", 1), ("T4", 1))
DISTANT_CLUSTER = (("T0", 0), ("T1", 0), ("T2", 1), ("T3", 2), ("T5", 0))


def export_row(cid, user, subject, answers, *, minute=0, logged_in=True, workflow_id=1, version="1.1",
               annotations=None) -> dict:
    """One export row; ``user`` is an int (user id) or the anonymous user name."""
    return {
        "classification_id": str(cid),
        "user_name": f"volunteer-{user}" if logged_in else str(user),
        "user_id": str(user) if logged_in else "",
        "user_ip": "0a1b2c",
        "workflow_id": str(workflow_id),
        "workflow_name": "Classify",
        "workflow_version": version,
        "created_at": f"2019-01-01 10:{minute:02d}:00 UTC",
        "gold_standard": "",
        "expert": "",
        "metadata": "{}",
        "annotations": annotations if annotations is not None else annotation(*answers),
        "subject_data": "{}",
        "subject_ids": str(subject),
    }


def write_rows(path: Path, rows, columns=EXPORT_COLUMNS) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path
