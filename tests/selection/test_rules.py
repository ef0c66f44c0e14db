import numpy as np
import pytest
from astropy.table import Table

from selfunc.errors import SelfuncError
from selfunc.rules import NAMED_SELECTIONS, Selection, parse_rule


@pytest.fixture
def table():
    return Table({
        "C1": np.array([True, True, False, False, True]),
        "C2": np.array([False, False, True, False, False]),
        "double": np.array([False, True, False, False, False]),
        "p_cluster": np.array([0.9, 0.4, 0.7, 0.99, np.nan]),
        "ext": np.array([10.0, 3.0, 30.0, 80.0, 6.0]),
        "kind": np.array(["a", "b", "c", "d", "e"]),
    })


@pytest.mark.parametrize("rule, expected", [
    ("C1", [1, 1, 0, 0, 1]),
    ("C1 or C2", [1, 1, 1, 0, 1]),
    ("C1 and p_cluster > 0.5", [1, 0, 0, 0, 0]),          # NaN p_cluster fails
    ("(C1 or C2) and p_cluster > 0.5", [1, 0, 1, 0, 0]),
    ("C1 | C2 & p_cluster > 0.5", [1, 1, 1, 0, 1]),       # and binds tighter than or
    ("not C1", [0, 0, 1, 1, 0]),
    ("! C1 and not double", [0, 0, 1, 1, 0]),
    ("5 < ext <= 30", [1, 0, 1, 0, 1]),                    # chained comparison
    ("ext >= 6 and ext != 30", [1, 0, 0, 1, 1]),
    ("p_cluster <= 0.4 or p_cluster == 0.99", [0, 1, 0, 1, 0]),
    ("C1 AND NOT double", [1, 0, 0, 0, 1]),                # keywords case-insensitive
    ("true", [1, 1, 1, 1, 1]),
    ("ext > 1e1", [0, 0, 1, 1, 0]),
])
def test_rules_evaluate(table, rule, expected):
    np.testing.assert_array_equal(Selection(rule).apply(table), np.array(expected, bool))


def test_named_selections_resolve(table):
    sel = Selection.from_string("C1+C2+CNN")
    assert sel.name == "C1+C2+CNN"
    assert sel.expression == NAMED_SELECTIONS["C1+C2+CNN"] == "(C1 or C2) and p_cluster > 0.5"
    assert sel.columns == ("C1", "C2", "p_cluster")
    np.testing.assert_array_equal(sel.apply(table), [1, 0, 1, 0, 0])
    # A plain expression keeps itself as name.
    assert Selection.from_string(" C1 and ext > 5 ").name == "C1 and ext > 5"


def test_rules_work_on_plain_mappings():
    d = {"C1": np.array([True, False]), "rate": np.array([0.1, 0.2])}
    np.testing.assert_array_equal(Selection("C1 or rate > 0.15").apply(d), [True, True])


@pytest.mark.parametrize("rule, fragment", [
    ("", "empty"),
    ("C1 and", "expected a column name"),
    ("(C1 or C2", "expected ')'"),
    ("C1 C2", "unexpected token"),
    ("C1 ; import os", "cannot read"),
    ("__import__('os')", "cannot read"),
    ("C1 and p_cluster >", "expected a column name"),
])
def test_bad_syntax_is_a_clear_error(rule, fragment):
    with pytest.raises(SelfuncError, match="selection") as exc:
        parse_rule(rule)
    assert fragment in str(exc.value)


def test_missing_column_names_it(table):
    t = table.copy()
    t.remove_column("p_cluster")
    with pytest.raises(SelfuncError, match="needs column 'p_cluster'.*apply-cnn.*candidates.h5"):
        Selection("C1 and p_cluster > 0.5").apply(t, source="candidates.h5")


def test_type_errors(table):
    with pytest.raises(SelfuncError, match="'ext' .* is not boolean"):
        Selection("ext and C1").apply(table)
    with pytest.raises(SelfuncError, match="dtype"):
        Selection("kind > 1").apply(table)
    with pytest.raises(SelfuncError, match="not a condition"):
        Selection("3").apply(table)


def test_round_trip_dict():
    sel = Selection("(C1 or C2) and p_cluster > 0.5", name="mine")
    assert Selection.from_dict(sel.to_dict()) == sel
