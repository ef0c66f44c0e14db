"""Decision trees of Zooniverse question workflows (Kosiba et al. 2020, Figure 2).

A tree is data: a TOML file validated once into a frozen :class:`DecisionTree`. Each
question (a Zooniverse task such as ``T0``) has two or more answers; an answer either leads
to the ``next`` question or ends the classification with a ``leaf`` class, ``cluster`` (the
red leaves of Figure 2) or ``non-cluster`` (the yellow ones). An ending answer may name the
expert categories (§2.4) it corresponds to, for the per-answer comparison of Figure 6.

Answers are numbered globally in file order; these *answer codes* are what the reader
stores per classification and what the aggregation counts.
"""

from __future__ import annotations

import tomllib
from functools import cached_property
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from selfunc.crowd.experts import canonical_category
from selfunc.errors import SelfuncError

__all__ = ["Answer", "Question", "DecisionTree", "load_tree", "preset_path", "DEFAULT_TREE"]

#: Preset name of the tree modelled on The Hunt for Galaxy Clusters.
DEFAULT_TREE = "hunt_for_galaxy_clusters"

LEAF_CLASSES = ("cluster", "non-cluster")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Answer(_Frozen):
    """One answer of a question.

    Attributes
    ----------
    key : str
        Short unique name used in tables (``no_emission``).
    label : str
        The answer text as the project shows it; string values in an export are matched
        against it (integer values are matched by position in the question).
    next : str or None
        Task of the next question; ``None`` for an answer that ends the classification.
    leaf : {"cluster", "non-cluster"} or None
        Class of an ending answer.
    expert_match : tuple of str
        Expert categories that agree with this ending answer (Figure 6).
    """

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1)
    next: str | None = None
    leaf: Literal["cluster", "non-cluster"] | None = None
    expert_match: tuple[str, ...] = ()

    @field_validator("expert_match")
    @classmethod
    def _known_categories(cls, value):
        return tuple(canonical_category(v) for v in value)

    @model_validator(mode="after")
    def _next_or_leaf(self):
        if (self.next is None) == (self.leaf is None):
            raise ValueError(
                f"answer {self.key!r} needs exactly one of 'next' (a task) or 'leaf' "
                f"({' or '.join(LEAF_CLASSES)})"
            )
        if self.expert_match and self.leaf is None:
            raise ValueError(f"answer {self.key!r}: 'expert_match' is only for ending answers")
        return self


class Question(_Frozen):
    """One question (a Zooniverse single-answer question task)."""

    task: str = Field(min_length=1)
    text: str = ""
    answers: tuple[Answer, ...] = Field(min_length=2)

    @model_validator(mode="after")
    def _distinct_labels(self):
        labels = [a.label for a in self.answers]
        if len(set(labels)) != len(labels):
            raise ValueError(f"question {self.task}: answer labels repeat: {labels}")
        return self


class DecisionTree(_Frozen):
    """A validated decision tree.

    Attributes
    ----------
    name, reference : str
        What the tree is and where it comes from.
    first_task : str
        The task every classification starts with.
    questions : tuple of Question
    workflow_id : int or None
        If set, export rows of other workflows are skipped (and counted).
    min_workflow_version : str or None
        If set (``"16.55"``), rows made with an older workflow version are skipped (and
        counted): answers of an older tree may mean something else.
    ignore_tasks : tuple of str
        Tasks in the export that are not part of the tree (a drawing or comment task); their
        annotations are skipped. Any other task not in the tree makes the row malformed.
    """

    name: str
    reference: str = ""
    first_task: str
    questions: tuple[Question, ...] = Field(min_length=1)
    workflow_id: int | None = None
    min_workflow_version: str | None = Field(default=None, pattern=r"^\d+(\.\d+)?$")
    ignore_tasks: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _consistent(self):
        tasks = [q.task for q in self.questions]
        if len(set(tasks)) != len(tasks):
            raise ValueError(f"question tasks repeat: {tasks}")
        keys = [a.key for q in self.questions for a in q.answers]
        repeated = sorted({k for k in keys if keys.count(k) > 1})
        if repeated:
            raise ValueError(f"answer keys must be unique across the tree; repeated: {repeated}")
        if self.first_task not in tasks:
            raise ValueError(f"first_task {self.first_task!r} is not a question task {tasks}")
        both = sorted(set(self.ignore_tasks) & set(tasks))
        if both:
            raise ValueError(f"ignore_tasks {both} are questions of the tree")
        for q in self.questions:
            for a in q.answers:
                if a.next is not None and a.next not in tasks:
                    raise ValueError(
                        f"answer {a.key!r} of {q.task}: next {a.next!r} is not a question task {tasks}"
                    )
        # Walk from the first question: every question must be reachable and no path may
        # loop, otherwise a classification could never end.
        index = {t: i for i, t in enumerate(tasks)}
        state = {}  # 1: on the current path, 2: done

        def visit(task, trail):
            state[task] = 1
            for a in self.questions[index[task]].answers:
                if a.next is None:
                    continue
                if state.get(a.next) == 1:
                    raise ValueError(f"the tree loops: {' -> '.join(trail + [task, a.next])}")
                if a.next not in state:
                    visit(a.next, trail + [task])
            state[task] = 2

        visit(self.first_task, [])
        unreachable = [t for t in tasks if t not in state]
        if unreachable:
            raise ValueError(f"questions {unreachable} cannot be reached from {self.first_task}")
        leaves = {a.leaf for q in self.questions for a in q.answers}
        if not set(LEAF_CLASSES) <= leaves:
            raise ValueError("the tree needs at least one 'cluster' and one 'non-cluster' leaf")
        return self

    # -- derived arrays (answer codes are global, in file order) ------------------------

    @cached_property
    def answers(self) -> tuple[Answer, ...]:
        """All answers, indexed by answer code."""
        return tuple(a for q in self.questions for a in q.answers)

    @cached_property
    def answer_keys(self) -> tuple[str, ...]:
        return tuple(a.key for a in self.answers)

    @cached_property
    def answer_question(self) -> np.ndarray:
        """Question index of each answer code."""
        return np.repeat(np.arange(len(self.questions)), [len(q.answers) for q in self.questions])

    @cached_property
    def question_offsets(self) -> np.ndarray:
        """First answer code of each question, plus the total number of answers."""
        return np.concatenate([[0], np.cumsum([len(q.answers) for q in self.questions])])

    @cached_property
    def answer_next(self) -> np.ndarray:
        """Question index that each answer leads to, −1 for ending answers."""
        index = {q.task: i for i, q in enumerate(self.questions)}
        return np.array([index[a.next] if a.next else -1 for a in self.answers], dtype=np.int64)

    @cached_property
    def answer_leaf(self) -> np.ndarray:
        """1 for a cluster leaf, 0 for a non-cluster leaf, −1 for an answer that goes on."""
        code = {"cluster": 1, "non-cluster": 0, None: -1}
        return np.array([code[a.leaf] for a in self.answers], dtype=np.int8)

    @property
    def n_answers(self) -> int:
        return len(self.answers)

    @property
    def n_questions(self) -> int:
        return len(self.questions)

    @cached_property
    def first_question(self) -> int:
        return [q.task for q in self.questions].index(self.first_task)

    @cached_property
    def max_depth(self) -> int:
        """Largest number of questions on one path through the tree."""
        return max(len(p) for p in self.paths())

    def paths(self) -> list[tuple[int, ...]]:
        """Every path from the first question to an ending answer, as answer codes."""
        out = []

        def walk(q, trail):
            for j in range(len(self.questions[q].answers)):
                code = int(self.question_offsets[q]) + j
                nxt = int(self.answer_next[code])
                if nxt < 0:
                    out.append((*trail, code))
                else:
                    walk(nxt, (*trail, code))

        walk(self.first_question, ())
        return out

    def answer_code(self, key: str) -> int:
        """Answer code of the answer named ``key``."""
        try:
            return self.answer_keys.index(key)
        except ValueError:
            raise KeyError(f"no answer {key!r} in tree {self.name!r}") from None


def _location(loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _validation_message(source, exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = _location(first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    value = first.get("input")
    shown = "" if isinstance(value, dict) else f" = {value!r}"
    more = exc.error_count() - 1
    tail = f" (and {more} more problem{'s' * (more > 1)})" if more else ""
    return f"{source}: key '{where}'{shown}: {message}{tail}"


def _config_roots() -> list[Path]:
    package = Path(__file__).resolve().parent.parent  # .../selfunc
    # Installed wheels carry the repository's configs/ as selfunc/_configs; an editable
    # install runs from <repo>/src/selfunc and finds <repo>/configs.
    return [package / "_configs", package.parent.parent / "configs"]


def preset_path(name: str) -> Path:
    """Path of the tree preset ``name`` (a file ``configs/crowd/<name>.toml``)."""
    tried = []
    for root in _config_roots():
        candidate = root / "crowd" / f"{name}.toml"
        if candidate.is_file():
            return candidate
        tried.append(str(candidate.parent))
    raise SelfuncError(f"no decision-tree preset {name!r}: looked in {', '.join(tried)}")


def load_tree(spec: str | Path = DEFAULT_TREE) -> DecisionTree:
    """Load a decision tree from a TOML file, or a preset by name.

    Parameters
    ----------
    spec : str or path-like
        A path to a ``.toml`` file, or the name of a preset in ``configs/crowd/``
        (default: the tree modelled on The Hunt for Galaxy Clusters).

    Raises
    ------
    SelfuncError
        If the file is missing, not TOML, or does not describe a valid tree; the message
        names the file, the key, the value and what was expected.
    """
    return load_preset_model(spec, DecisionTree, "decision tree")


def load_preset_model(spec: str | Path, model, what: str):
    """``model`` (a pydantic model) validated from a TOML file, or from a preset of
    ``configs/crowd/`` by name; every failure is one line naming the file and, for ``what``
    (e.g. "decision tree"), what was expected."""
    path = Path(spec)
    if path.suffix != ".toml" and not path.exists() and "/" not in str(spec):
        path = preset_path(str(spec))
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SelfuncError(f"{path}: cannot read {what} ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise SelfuncError(f"{path}: not a UTF-8 text file (byte {exc.start}); expected a "
                           f"{what} TOML") from None
    except tomllib.TOMLDecodeError as exc:
        raise SelfuncError(f"{path}: not valid TOML ({exc})") from None
    except RecursionError:
        raise SelfuncError(f"{path}: not valid TOML (nested too deeply)") from None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise SelfuncError(_validation_message(path, exc)) from None
