"""The volunteer stage of a campaign: simulated volunteers screen its candidates.

After the merge, the candidates of a screen rule (the campaign's ``[cnn] screen`` unless
given) become subjects of one simulated Zooniverse project (one volunteer pool for the
whole campaign, as in a real project); their Eq.-1-weighted votes
(:mod:`selfunc.crowd.volunteers`) join ``catalogues/candidates.h5`` as
``n_volunteer_votes``, ``p_volunteer_cluster`` and ``p_volunteer_cluster_unweighted``, so
that ``selfunc fit DIR --selection "C1 and p_volunteer_cluster > 0.5"`` fits a selection
that includes human screening. Subject ids are the stamps' ``PPPPP-CCCCC``. The random
stream is the campaign's volunteer stream (:func:`selfunc.crowd.volunteers.volunteer_rng`
of the campaign seed), so the same campaign and seed give the same columns bit for bit.

(A file of its own in ``campaign``: the crowd package sits below selection rules and
stamps in the import map and cannot read a campaign folder itself.)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from astropy.table import Table

from selfunc.errors import SelfuncError

__all__ = ["campaign_volunteers", "summary_line"]


def _campaign_defaults(out: Path):
    """(seed, screen rule) of a campaign folder's campaign.toml, or (None, None). Only these
    two keys are read, so a folder written by another selfunc version still works."""
    path = out / "campaign.toml"
    if not path.is_file():
        return None, None
    from selfunc.config import load_toml
    from selfunc.config.campaign import CnnStageConfig

    config = load_toml(path).get("config", {})
    seed = config.get("campaign", {}).get("seed")
    if not isinstance(seed, int):
        raise SelfuncError(f"{path}: key 'config.campaign.seed' = {seed!r}: expected an integer")
    return seed, config.get("cnn", {}).get("screen", CnnStageConfig().screen)


def campaign_volunteers(out, *, screen: str | None = None, seed: int | None = None,
                        behaviour=None, write: bool = True, allow_empty: bool = False):
    """Add the volunteer columns to a campaign's ``catalogues/candidates.h5``.

    Parameters
    ----------
    out : path
        The campaign folder (merged catalogues).
    screen : str, optional
        Rule of the candidates shown to volunteers (default: the campaign's ``[cnn] screen``).
    seed : int, optional
        Seed of the volunteers' stream (default: the campaign's seed).
    behaviour : VolunteerBehaviour, optional
        Default: the preset ``configs/crowd/volunteers.toml``.
    write : bool
        Write the catalogue back (atomically); otherwise only return it.
    allow_empty : bool
        A screen that selects no candidate gives the columns unfilled (0 votes, NaN scores)
        and ``screening`` None, instead of an error: the campaign stage, whose campaign may
        simply have found no extended candidate.

    Returns
    -------
    (candidates, screening) : the catalogue with the columns, and the
    :class:`~selfunc.crowd.volunteers.VolunteerScreening`.
    """
    from selfunc.crowd.behaviour import load_behaviour
    from selfunc.crowd.volunteers import screen_by_volunteers, volunteer_rng
    from selfunc.io import atomic_path
    from selfunc.rules import Selection
    from selfunc.stamps.make import candidate_ids

    out = Path(out)
    path = out / "catalogues" / "candidates.h5"
    if not path.is_file():
        raise SelfuncError(f"{out}: no catalogues/candidates.h5 (a campaign with the 'detect' "
                           "stage, merged)")
    seed0, screen0 = _campaign_defaults(out)
    seed = seed if seed is not None else seed0
    screen = screen or screen0
    if seed is None or screen is None:
        raise SelfuncError(f"{out}: no campaign.toml to take the seed and screen rule from; "
                           "give --seed and --screen")
    cand = Table.read(path, path="candidates")
    mask = Selection.from_string(screen).apply(cand, source=f"{path} (screen '{screen}')")
    if allow_empty and not np.any(mask):
        from selfunc.crowd.volunteers import VOLUNTEER_COLUMNS

        table, screening = cand.copy(), None
        for name in VOLUNTEER_COLUMNS:
            table[name] = (np.zeros(len(table), dtype=np.int64) if name == "n_volunteer_votes"
                           else np.full(len(table), np.nan))
    else:
        ids = candidate_ids(cand[mask])
        table, screening = screen_by_volunteers(cand, mask, volunteer_rng(seed),
                                                subject_ids=ids,
                                                behaviour=behaviour or load_behaviour())
    table.meta.update(VOLSEED=int(seed), VOLSCRN=screen)
    if write:
        with atomic_path(path) as tmp:
            table.write(tmp, path="candidates", format="hdf5", serialize_meta=True)
    return table, screening


def summary_line(table: Table, screening) -> str:
    """One line: subjects, volunteers, and the crowd's accuracy against the truth."""
    if screening is None:
        return "no candidate passed the screen rule; the volunteers had nothing to classify"
    p = np.asarray(table["p_volunteer_cluster"], float)
    shown = np.asarray(table["n_volunteer_votes"]) > 0
    truth = screening.is_cluster
    w = p[shown] > 0.5
    u = np.asarray(table["p_volunteer_cluster_unweighted"], float)[shown] > 0.5
    return (f"{int(shown.sum())} candidates classified by {len(screening.kind)} simulated "
            f"volunteers ({int((screening.kind != 'good').sum())} careless or malicious); "
            f"accuracy against the truth: weighted {np.mean(w == truth):.3f}, unweighted "
            f"{np.mean(u == truth):.3f}; {int(w.sum())} with p_volunteer_cluster > 0.5")
