"""Human classifications from Zooniverse (Kosiba et al. 2020, §2.3–2.4 and §5.1).

Read a Panoptes classification export through a decision tree, drop classifications by
volunteers who were not logged in and repeated ones, weight each volunteer question-wise
by agreement with the majority (Eq. 1), vote per subject, and compare the crowd with
expert labels (Table 1, Figures 5 and 6)::

    from selfunc.crowd import load_tree, read_export, aggregate, read_experts, classification_table

    tree = load_tree()                       # the Hunt for Galaxy Clusters preset
    classifications, report = read_export("export.csv", tree)
    result = aggregate(classifications)      # result.subjects: labels and scores
    table1 = classification_table(result.subjects, read_experts("experts.csv"))

Simulated volunteers on candidates (:func:`screen_by_volunteers`, behaviour from a real
export: :func:`load_behaviour`), Zooniverse subject sets (:func:`write_subjects`,
:func:`read_subjects`), and the folder of ``selfunc crowd aggregate``
(:func:`aggregate_export`).
"""

from selfunc.crowd.aggregate import CrowdResult, aggregate
from selfunc.crowd.behaviour import VolunteerBehaviour, load_behaviour, vote_statistics
from selfunc.crowd.classifications import Classifications, Selection, select_classifications
from selfunc.crowd.compare import (
    answer_agreement,
    answer_expert_counts,
    classification_table,
    matched_subjects,
    roc_table,
)
from selfunc.crowd.experts import (
    BINARY_CLASS,
    EXPERT_CATEGORIES,
    FIVE_CLASS,
    canonical_category,
    read_experts,
    resolve_expert_labels,
)
from selfunc.crowd.export import BadRow, ExportReport, read_export, write_export
from selfunc.metrics import (
    Confusion,
    accuracy,
    confusion,
    false_positive_rate,
    precision,
    recall,
    roc_auc,
    roc_curve,
)
from selfunc.crowd.outputs import aggregate_export
from selfunc.crowd.plots import plot_answer_agreement, plot_roc
from selfunc.crowd.simulate import SimulatedCrowd, simulate_crowd
from selfunc.crowd.subjects import read_subjects, write_subjects
from selfunc.crowd.tree import DEFAULT_TREE, Answer, DecisionTree, Question, load_tree, preset_path
from selfunc.crowd.volunteers import screen_by_volunteers, volunteer_rng
from selfunc.crowd.votes import subject_votes
from selfunc.crowd.weights import VolunteerWeights, answer_counts, majority_agreement, volunteer_weights

__all__ = [
    "VolunteerBehaviour",
    "aggregate_export",
    "load_behaviour",
    "read_subjects",
    "screen_by_volunteers",
    "volunteer_rng",
    "vote_statistics",
    "write_subjects",
    "Answer",
    "BINARY_CLASS",
    "BadRow",
    "Classifications",
    "Confusion",
    "CrowdResult",
    "DEFAULT_TREE",
    "DecisionTree",
    "EXPERT_CATEGORIES",
    "ExportReport",
    "FIVE_CLASS",
    "Question",
    "Selection",
    "SimulatedCrowd",
    "VolunteerWeights",
    "accuracy",
    "aggregate",
    "answer_agreement",
    "answer_counts",
    "answer_expert_counts",
    "canonical_category",
    "classification_table",
    "confusion",
    "false_positive_rate",
    "load_tree",
    "majority_agreement",
    "matched_subjects",
    "plot_answer_agreement",
    "plot_roc",
    "precision",
    "preset_path",
    "read_experts",
    "read_export",
    "recall",
    "resolve_expert_labels",
    "roc_auc",
    "roc_curve",
    "roc_table",
    "select_classifications",
    "simulate_crowd",
    "subject_votes",
    "volunteer_weights",
    "write_export",
]
