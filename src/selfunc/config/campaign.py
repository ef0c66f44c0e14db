"""The campaign config: what a campaign file holds, each section a model of its own."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from selfunc.config.models import (DetectionConfig, Frozen, InjectConfig, InstrumentConfig,
                                   MatchConfig, PopulationConfig, SurveyConfig)
from selfunc.config.optical import OpticalConfig
from selfunc.config.stamps import StampConfig

__all__ = ["CampaignSettings", "CampaignConfig", "CnnStageConfig", "OutputsConfig", "STAGES",
           "DEFAULT_STAGES"]

#: The most pointings a campaign may have: its pointing table is drawn up front (~2 ms a
#: pointing), and 10⁵ is several times the whole XMM-Newton archive.
MAX_POINTINGS = 100_000

#: Stages of a pointing, in the order they run (``volunteers``, ``fit`` and ``report`` run on
#: the merged campaign).
STAGES = ("sky", "xray", "optical", "detect", "stamps", "cnn", "volunteers", "fit", "report")

#: The stages a campaign runs unless it lists its own: all but ``volunteers`` (simulated human
#: screening is asked for, not assumed; a default that ran it would also change every
#: existing campaign's catalogues).
DEFAULT_STAGES = tuple(s for s in STAGES if s != "volunteers")


class CampaignSettings(Frozen):
    name: str = "campaign"
    # The seed is stored as int64 in every catalogue's metadata: larger ones would run every
    # pointing and then fail at the merge.
    seed: int = Field(default=0, ge=0, le=2**63 - 1)
    n_pointings: int = Field(default=1, ge=1, le=MAX_POINTINGS)
    stages: tuple[Literal[STAGES], ...] = DEFAULT_STAGES
    selection: str = "C1"


class CnnStageConfig(Frozen):
    """The CNN screening of a campaign's candidates (stages ``stamps`` and ``cnn``).

    ``screen``: the candidates that get stamps and a score, a rule of
    :mod:`selfunc.rules` (the paper screened XAmin's extended candidates, C1 and
    C2). ``model``: ``"default"`` (the model shipped with selfunc) or the path of a
    ``.keras`` file written by ``selfunc train-cnn``.
    """

    screen: str = "C1 or C2"
    model: str = "default"


class OutputsConfig(Frozen):
    """What each pointing keeps on disk (``[outputs]``); none of it changes a number.

    ``images``: ``"none"`` (catalogue mode: truth, candidates, completion record; about
    0.15 MB a pointing), ``"combined"`` (``xray.fits`` with the combined counts, exposure,
    background and model: what the report's X-ray stamps and ``selfunc detect`` read) or
    ``"all"`` (the same per camera too, ~9 MB a pointing). ``stamps``: keep ``stamps.h5``
    (the stamps the CNN scored; ~0.25 MB per screened candidate, what ``selfunc train-cnn``
    reads); without it the stamps are made and scored in memory only.
    """

    images: Literal["none", "combined", "all"] = "all"
    stamps: bool = True


class CampaignConfig(Frozen):
    campaign: CampaignSettings = CampaignSettings()
    instrument: InstrumentConfig = InstrumentConfig()
    survey: SurveyConfig = SurveyConfig()
    population: PopulationConfig = PopulationConfig()
    detection: DetectionConfig = DetectionConfig()
    match: MatchConfig = MatchConfig()
    inject: InjectConfig | None = None
    optical: OpticalConfig = OpticalConfig()
    stamps: StampConfig = StampConfig()
    cnn: CnnStageConfig = CnnStageConfig()
    outputs: OutputsConfig = OutputsConfig()
