"""What produced a campaign: resolved config, versions, seed, command line, git revision."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import platform
import subprocess
import sys
from pathlib import Path

import tomli_w

from selfunc import __version__
from selfunc.config.campaign import CampaignConfig
from selfunc.errors import SelfuncError
from selfunc.io import atomic_path

__all__ = ["resolved_config", "write_campaign_toml", "check_same_config"]

_PACKAGES = ("numpy", "scipy", "astropy", "h5py", "colossus", "pydantic", "galsim", "keras",
             "tensorflow-cpu", "tensorflow", "yt", "pyxsim")


def resolved_config(cfg: CampaignConfig) -> dict:
    return cfg.model_dump(mode="json", exclude_none=True)  # TOML has no null


def _git_revision() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                             cwd=Path(__file__).resolve().parent, timeout=5)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def provenance() -> dict:
    versions = {"selfunc": __version__, "python": platform.python_version()}
    for name in _PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "absent"
    return {"created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "command": " ".join(sys.argv), "git_revision": _git_revision(),
            "versions": versions}


def write_campaign_toml(cfg: CampaignConfig, out: Path) -> Path:
    path = out / "campaign.toml"
    doc = {"config": resolved_config(cfg), "provenance": provenance()}
    with atomic_path(path) as tmp:
        tmp.write_text(tomli_w.dumps(doc))
    return path


def _canonical(config) -> str:
    return json.dumps(config, sort_keys=True)


def check_same_config(cfg: CampaignConfig, out: Path, force: bool) -> None:
    """Refuse to add to a campaign folder made with another config, unless ``force``."""
    import tomllib

    path = out / "campaign.toml"
    if not path.is_file() or force:
        return
    with path.open("rb") as fh:
        old = tomllib.load(fh).get("config")
    # compared as JSON text, where NaN (e.g. the optical stamps' fill value) equals itself
    if _canonical(old) != _canonical(resolved_config(cfg)):
        raise SelfuncError(
            f"{out}: this folder holds a campaign made with a different config "
            "(see its campaign.toml); use another --out, or --force to overwrite it")
