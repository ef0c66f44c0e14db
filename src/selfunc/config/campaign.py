"""The campaign config: what a campaign file holds, each section a model of its own."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from selfunc.config.models import (DetectionConfig, Frozen, InjectConfig, InstrumentConfig,
                                   PopulationConfig, SurveyConfig)
from selfunc.config.optical import OpticalConfig

__all__ = ["CampaignSettings", "CampaignConfig"]


class CampaignSettings(Frozen):
    name: str = "campaign"
    seed: int = Field(default=0, ge=0)
    n_pointings: int = Field(default=1, ge=1)
    stages: tuple[Literal["sky", "xray", "optical", "detect", "fit", "report"], ...] = (
        "sky", "xray", "optical", "detect", "fit", "report")
    selection: str = "C1"


class CampaignConfig(Frozen):
    campaign: CampaignSettings = CampaignSettings()
    instrument: InstrumentConfig = InstrumentConfig()
    survey: SurveyConfig = SurveyConfig()
    population: PopulationConfig = PopulationConfig()
    detection: DetectionConfig = DetectionConfig()
    inject: InjectConfig | None = None
    optical: OpticalConfig = OpticalConfig()
