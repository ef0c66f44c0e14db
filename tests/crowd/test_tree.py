import numpy as np
import pytest

from selfunc.crowd import DEFAULT_TREE, load_tree, preset_path
from selfunc.errors import SelfuncError

from .conftest import REPO


def test_default_tree_matches_the_paper(tree):
    # §2: six questions of two or three answers.
    assert tree.n_questions == 6
    assert all(len(q.answers) in (2, 3) for q in tree.questions)
    ending = {a.key: a.leaf for a in tree.answers if a.leaf}
    # §5.1/Figure 6: these ending answers; Figure 2: only the two cluster answers are red.
    assert set(ending) == {
        "no_emission", "edge", "point", "nearby_galaxy", "no_optical_image",
        "nearby_cluster", "not_nearby_cluster", "distant_cluster", "not_distant_cluster",
    }
    assert {k for k, leaf in ending.items() if leaf == "cluster"} == {"nearby_cluster", "distant_cluster"}
    # Figure 6 leaves out the two answers without an expert counterpart.
    assert {a.key for a in tree.answers if a.leaf and not a.expert_match} == {"not_nearby_cluster", "not_distant_cluster"}
    assert len(tree.paths()) == 9
    assert tree.max_depth == 5


def test_derived_arrays(tree):
    assert tree.question_offsets[-1] == tree.n_answers == len(tree.answer_keys)
    for code, a in enumerate(tree.answers):
        q = tree.answer_question[code]
        assert a in tree.questions[q].answers
        nxt = tree.answer_next[code]
        assert (nxt < 0) == (a.leaf is not None)
        if nxt >= 0:
            assert tree.questions[nxt].task == a.next
    # Every path starts at the first question and ends at a leaf.
    for path in tree.paths():
        assert tree.answer_question[path[0]] == tree.first_question
        assert tree.answer_leaf[path[-1]] >= 0 and np.all(tree.answer_leaf[list(path[:-1])] < 0)


def test_preset_and_path_load_the_same_tree():
    by_name = load_tree(DEFAULT_TREE)
    by_path = load_tree(REPO / "configs" / "crowd" / "hunt_for_galaxy_clusters.toml")
    assert by_name.model_dump() == by_path.model_dump()
    assert preset_path(DEFAULT_TREE).resolve() == (REPO / "configs" / "crowd" / "hunt_for_galaxy_clusters.toml").resolve()


def test_unknown_preset_is_a_user_error():
    with pytest.raises(SelfuncError, match="no decision-tree preset 'nope'"):
        load_tree("nope")


TWO_QUESTIONS = """
name = "test"
first_task = "T0"
[[questions]]
task = "T0"
answers = [
  {{ key = "yes", label = "Yes", {t0_yes} }},
  {{ key = "no", label = "No", leaf = "non-cluster" }},
]
[[questions]]
task = "T1"
answers = [
  {{ key = "cl", label = "Cluster", {t1_cl} }},
  {{ key = "other", label = "Other", leaf = "non-cluster" }},
]
"""


@pytest.mark.parametrize(
    "t0_yes, t1_cl, message",
    [
        ('next = "T1"', 'leaf = "clustr"', r"key 'questions\[1\].answers\[0\].leaf' = 'clustr': Input should be 'cluster' or 'non-cluster'"),
        ('next = "T2"', 'leaf = "cluster"', r"next 'T2' is not a question task"),
        ('next = "T1"', 'next = "T0"', r"the tree loops: T0 -> T1 -> T0"),
        ('leaf = "cluster"', 'leaf = "cluster"', r"questions \['T1'\] cannot be reached from T0"),
        ('next = "T1", leaf = "cluster"', 'leaf = "cluster"', r"needs exactly one of 'next'"),
        ('next = "T1"', 'leaf = "non-cluster"', r"at least one 'cluster' and one 'non-cluster' leaf"),
        ('next = "T1"', 'leaf = "cluster", expert_match = ["quasar"]', r"'quasar' is not an expert category"),
    ],
)
def test_invalid_trees_give_one_line_errors(tmp_path, t0_yes, t1_cl, message):
    path = tmp_path / "tree.toml"
    path.write_text(TWO_QUESTIONS.format(t0_yes=t0_yes, t1_cl=t1_cl))
    with pytest.raises(SelfuncError, match=message) as info:
        load_tree(path)
    text = str(info.value)
    assert text.startswith(str(path)) and "\n" not in text


def test_valid_small_tree(tmp_path):
    path = tmp_path / "tree.toml"
    path.write_text(TWO_QUESTIONS.format(t0_yes='next = "T1"', t1_cl='leaf = "cluster"'))
    tree = load_tree(path)
    assert tree.answer_keys == ("yes", "no", "cl", "other")
    assert tree.paths() == [(0, 2), (0, 3), (1,)]


def test_not_toml_and_missing_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("name = \n")
    with pytest.raises(SelfuncError, match="not valid TOML"):
        load_tree(bad)
    with pytest.raises(SelfuncError, match="cannot read decision tree"):
        load_tree(tmp_path / "missing.toml")


def test_unknown_key_is_rejected(tmp_path):
    path = tmp_path / "tree.toml"
    path.write_text('colour = "red"\n' + TWO_QUESTIONS.format(t0_yes='next = "T1"', t1_cl='leaf = "cluster"'))
    with pytest.raises(SelfuncError, match=r"key 'colour' = 'red': Extra inputs are not permitted"):
        load_tree(path)
