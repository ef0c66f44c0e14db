"""The preset loader of the DSS2-like optical plates' configuration. :class:`OpticalConfig`
and its parts are defined in :mod:`selfunc.config.optical` (with the other configs), whose
docstring says what the values mean and where they come from; presets live in
``configs/optical/`` (``dss2_red``, ``dss2_blue``).
"""

from __future__ import annotations

from pathlib import Path

from selfunc.config.load import configs_dir, load_toml, validate
from selfunc.config.optical import (BAND_DEFAULTS, ClusterGalaxyConfig,  # noqa: F401
                                    FieldGalaxyConfig, NearbyGalaxyOptical, OpticalConfig,
                                    PlateResponse, PointSourceColours, RenderConfig,
                                    StarCountConfig)
from selfunc.errors import SelfuncError

__all__ = ["OpticalConfig", "PlateResponse", "FieldGalaxyConfig", "StarCountConfig",
           "ClusterGalaxyConfig", "NearbyGalaxyOptical", "PointSourceColours", "RenderConfig",
           "BAND_DEFAULTS", "load_optical_config"]


def load_optical_config(name: str | Path = "dss2_red") -> OpticalConfig:
    """Read a preset name (``configs/optical/<name>.toml``) or a TOML file path.

    Errors are one line naming the file and key (:class:`~selfunc.errors.SelfuncError`).
    """
    path = Path(name)
    if not str(name).endswith(".toml"):
        path = configs_dir() / "optical" / f"{name}.toml"
        if not path.is_file():
            known = sorted(p.stem for p in (configs_dir() / "optical").glob("*.toml"))
            raise SelfuncError(f"optical preset '{name}' not found; known presets: "
                               f"{', '.join(known) or 'none'}")
    return validate(OpticalConfig, load_toml(path), [path])
