"""From classifications to crowd labels, as in Kosiba et al. (2020, §2 and §2.3)."""

from __future__ import annotations

from dataclasses import dataclass

from astropy.table import Table

from selfunc.crowd.classifications import Classifications, Selection, select_classifications
from selfunc.crowd.votes import subject_votes
from selfunc.crowd.weights import VolunteerWeights, volunteer_weights
from selfunc.errors import SelfuncError

__all__ = ["CrowdResult", "aggregate"]


@dataclass(frozen=True, eq=False)
class CrowdResult:
    """Crowd labels and what produced them.

    Attributes
    ----------
    subjects : astropy.table.Table
        Per-subject votes, labels and scores (:func:`~selfunc.crowd.votes.subject_votes`).
    weights : VolunteerWeights
        Eq. 1 weights of each volunteer and question.
    classifications : Classifications
        The classifications after the selection.
    selection : Selection
        What the selection removed.
    """

    subjects: Table
    weights: VolunteerWeights
    classifications: Classifications
    selection: Selection


def aggregate(
    classifications: Classifications, *, drop_not_logged_in: bool = True, drop_repeats: bool = True
) -> CrowdResult:
    """Select classifications, weight volunteers (Eq. 1) and vote per subject.

    Parameters
    ----------
    classifications : Classifications
        E.g. from :func:`~selfunc.crowd.export.read_export`.
    drop_not_logged_in, drop_repeats : bool
        The selection of §2 (both on in the paper).

    Raises
    ------
    SelfuncError
        If no classification is left to aggregate.
    """
    selected, selection = select_classifications(
        classifications, drop_not_logged_in=drop_not_logged_in, drop_repeats=drop_repeats
    )
    if len(selected) == 0:
        raise SelfuncError(
            f"no classifications left to aggregate: {selection.n_input} read, "
            f"{selection.n_not_logged_in} by volunteers not logged in, {selection.n_repeated} repeated"
        )
    weights = volunteer_weights(selected)
    return CrowdResult(subject_votes(selected, weights), weights, selected, selection)
