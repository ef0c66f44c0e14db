"""Typed configuration: TOML presets in ``configs/`` validated into frozen models."""

from selfunc.config.campaign import CampaignConfig, CampaignSettings
from selfunc.config.load import configs_dir, load_campaign, load_toml, validate
from selfunc.config.models import *  # noqa: F401,F403
from selfunc.config.models import __all__ as _models_all
from selfunc.config.optical import OpticalConfig

__all__ = ["configs_dir", "load_campaign", "load_toml", "validate", "CampaignConfig",
           "CampaignSettings", "OpticalConfig", *_models_all]
