"""Scoring the candidates of one pointing of a campaign folder, as the campaign's ``cnn``
stage does, from the files the campaign wrote.

The campaign keeps no optical plate on disc: a pointing's plate is a pure function of its
spec, its truth and the campaign's optical config, drawn from the pointing's own random
stream (``rng_for(seed, id, "optical")``, as :func:`selfunc.campaign.simulate.optical_scene`).
:func:`pointing_inputs` re-draws it from ``campaign.toml``, ``done.json`` and ``truth.fits``,
so the stamps, and the scores, are bit for bit those of the campaign
(``tests/cnn/test_apply_pointing.py``). The folder layout is that of
:mod:`selfunc.campaign.simulate` (``DIR/pointings/NNNNN/``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import numpy as np
from astropy.table import Table

from selfunc.config.campaign import CampaignConfig
from selfunc.config.load import campaign_config
from selfunc.errors import SelfuncError
from selfunc.fitsimage import read_fits_table
from selfunc.pointing import PointingSpec, rng_for

__all__ = ["PointingInputs", "campaign_config", "pointing_inputs", "score_pointing"]


@dataclasses.dataclass(frozen=True, eq=False)
class PointingInputs:
    """What scoring a campaign pointing needs: ``cfg`` (the campaign's resolved config),
    ``spec``, ``candidates`` (``candidates.fits``), ``xray`` ((counts, wcs) of the combined
    cameras) and ``scene`` (the pointing's optical plate, :class:`selfunc.optical.OpticalScene`)."""

    cfg: CampaignConfig
    spec: PointingSpec
    candidates: Table
    xray: tuple
    scene: object

    def optical(self, ra: float, dec: float, size_arcmin: float = 7.0):
        """(image, wcs) of the plate about (ra, dec): the band callable of make_stamps."""
        from selfunc import optical as opt

        c = opt.cutout(self.scene, ra, dec, size_arcmin)
        return c.image, c.wcs


def pointing_inputs(folder: str | Path, pointing: int) -> PointingInputs:
    """Read one finished pointing of a campaign folder and re-draw its optical plate.

    Raises
    ------
    SelfuncError
        Not a campaign folder, the pointing is not finished, or a file is missing.
    """
    from selfunc import optical
    from selfunc.stamps import read_image

    folder = Path(folder)
    cfg = campaign_config(folder)
    pdir = folder / "pointings" / f"{int(pointing):05d}"
    done = pdir / "done.json"
    if not done.is_file():
        raise SelfuncError(f"{folder}: pointing {pointing} is not finished (no {done.relative_to(folder)}); "
                           f"the campaign has {cfg.campaign.n_pointings} pointings")
    row = dict(json.loads(done.read_text())["spec"])
    row["date"] = dt.date.fromisoformat(row["date"])
    spec = PointingSpec(**row)
    truth = read_fits_table(pdir / "truth.fits", "truth table")
    cand = read_fits_table(pdir / "candidates.fits", "candidate catalogue (run the 'detect' stage)")
    xray = read_image(pdir / "xray.fits", "COUNTS")
    mf = cfg.population.mass_function
    scene = optical.scene(spec, truth, cfg.optical, rng_for(spec.seed, spec.id, "optical"),
                          cosmology=mf.cosmology, relations=mf.scaling)
    return PointingInputs(cfg=cfg, spec=spec, candidates=cand, xray=xray, scene=scene)


def score_pointing(model, meta: dict, inputs: PointingInputs, mask: np.ndarray, *,
                   batch_size: int = 32) -> Table:
    """The pointing's candidates with ``p_cluster`` and the class probabilities of
    ``model`` for the candidates of ``mask`` (the campaign's ``[cnn] screen``, applied by
    the caller), NaN for the others: the columns the campaign's ``cnn`` stage writes."""
    from selfunc.cnn.score import probability_columns, score_candidates

    cand = inputs.candidates
    mask = np.asarray(mask, dtype=bool)
    out = cand.copy()
    names = ["p_cluster", *probability_columns(meta["classes"])]
    for name in names:
        out[name] = np.full(len(out), np.nan, dtype=np.float32)
    if mask.any():
        sel = cand[mask].copy()
        sel["pointing"] = np.full(len(sel), inputs.spec.id, dtype=np.int64)
        scored = score_candidates(model, meta, sel, xray=inputs.xray, optical=inputs.optical,
                                  batch_size=batch_size)
        for name in names:
            out[name][mask] = scored[name]
    return out
