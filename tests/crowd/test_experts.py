import csv

import numpy as np
import pytest

from selfunc.crowd import BINARY_CLASS, EXPERT_CATEGORIES, FIVE_CLASS, canonical_category, read_experts, resolve_expert_labels
from selfunc.errors import SelfuncError


def test_twelve_categories_and_their_schemes():
    assert len(EXPERT_CATEGORIES) == 12
    # §2.4: low- and high-z clusters are clusters, the next six non-clusters, the last four unused.
    assert [BINARY_CLASS.get(c) for c in EXPERT_CATEGORIES] == ["cluster"] * 2 + ["non-cluster"] * 6 + [None] * 4
    # §5.5: five classes over the same eight categories.
    assert [FIVE_CLASS.get(c) for c in EXPERT_CATEGORIES] == [
        "low-z", "hi-z", "galaxy", "point", "point", "point", "other", "other", None, None, None, None,
    ]


@pytest.mark.parametrize(
    "text, canonical",
    [("Low redshift cluster", "low-z cluster"), ("HIGH_Z_CLUSTER", "high-z cluster"), ("star/AGN", "star or AGN"),
     ("artifact", "artefact"), ("no_optical_image", "no optical image"), (" Edge ", "edge")],
)
def test_category_spellings(text, canonical):
    assert canonical_category(text) == canonical


def test_unknown_category():
    with pytest.raises(ValueError, match="'quasar' is not an expert category"):
        canonical_category("quasar")


def test_two_experts_and_a_moderator():
    category, resolution = resolve_expert_labels(
        ["edge", "low-z cluster", "point source", "artefact"],
        ["edge", "high-z cluster", "double source", "artefact"],
        ["", "high-z cluster", "", "edge"],
    )
    assert category.tolist() == ["edge", "high-z cluster", "", "artefact"]
    assert resolution.tolist() == ["agreed", "moderator", "unresolved", "agreed"]


def _write(path, header, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_read_experts_resolves_and_maps(tmp_path):
    path = _write(tmp_path / "experts.csv", ["subject_id", "expert_1", "expert_2", "moderator", "subsets"], [
        ["1", "low redshift cluster", "low-z cluster", "", "spec"],
        ["2", "point source", "star or AGN", "star or AGN", ""],
        ["3", "fossil group", "fossil group", "", "spec;bright"],
        ["4", "edge", "artefact", "", ""],
    ])
    experts = read_experts(path)
    assert experts["category"].tolist() == ["low-z cluster", "star or AGN", "fossil group", ""]
    assert experts["resolution"].tolist() == ["agreed", "moderator", "agreed", "unresolved"]
    assert experts["binary"].tolist() == ["cluster", "non-cluster", "", ""]
    assert experts["five_class"].tolist() == ["low-z", "point", "", ""]
    assert experts["subsets"].tolist() == ["spec", "", "spec;bright", ""]


def test_read_resolved_categories(tmp_path):
    path = _write(tmp_path / "experts.csv", ["subject_id", "category"], [["7", "hi-z cluster"], ["8", "nearby galaxy"]])
    experts = read_experts(path)
    assert experts["binary"].tolist() == ["cluster", "non-cluster"]
    assert np.all(experts["resolution"] == "given")


@pytest.mark.parametrize(
    "header, rows, message",
    [
        (["id", "category"], [["1", "edge"]], r"expected a 'subject_id' column"),
        (["subject_id", "expert_1"], [["1", "edge"]], r"expected a 'category' column or 'expert_1' and 'expert_2'"),
        (["subject_id", "category"], [["1", "edge"], ["1", "edge"]], r"row 2: subject_id 1 repeats row 1"),
        (["subject_id", "category"], [["1", "quasar"]], r"row 1: column 'category': 'quasar' is not an expert category"),
        (["subject_id", "expert_1", "expert_2"], [["1", "edge", ""]], r"row 1: column 'expert_2' is empty"),
        (["subject_id", "category"], [], r"no expert labels"),
    ],
)
def test_read_experts_errors(tmp_path, header, rows, message):
    path = _write(tmp_path / "experts.csv", header, rows)
    with pytest.raises(SelfuncError, match=message) as info:
        read_experts(path)
    assert str(info.value).startswith(str(path))


def test_spreadsheet_bom_is_accepted(tmp_path):
    path = tmp_path / "experts.csv"
    path.write_text("subject_id,category\n5,edge\n", encoding="utf-8-sig")
    assert read_experts(path)["binary"].tolist() == ["non-cluster"]
