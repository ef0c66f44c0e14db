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

__all__ = ["resolved_config", "write_campaign_toml", "check_same_config", "config_differences",
           "stored_config", "git_revision", "GROWTH_KEYS"]

_PACKAGES = ("numpy", "scipy", "astropy", "h5py", "colossus", "pydantic", "galsim", "keras",
             "tensorflow-cpu", "tensorflow", "yt", "pyxsim")


def resolved_config(cfg: CampaignConfig) -> dict:
    return cfg.model_dump(mode="json", exclude_none=True)  # TOML has no null


def git_revision() -> str:
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
            "command": " ".join(sys.argv), "git_revision": git_revision(),
            "versions": versions}


def write_campaign_toml(cfg: CampaignConfig, out: Path) -> Path:
    path = out / "campaign.toml"
    doc = {"config": resolved_config(cfg), "provenance": provenance()}
    with atomic_path(path) as tmp:
        tmp.write_text(tomli_w.dumps(doc))
    return path


def _canonical(config) -> str:
    return json.dumps(config, sort_keys=True)


#: Keys that say how many pointings a campaign has, not what a pointing is: pointing ``i``
#: depends only on (seed, i) and the rest of the config, so a campaign grows by them.
GROWTH_KEYS = ("campaign.n_pointings",)


def _flat(config, prefix: str = "") -> dict:
    flat = {}
    for key, value in (config or {}).items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flat(value, f"{name}."))
        else:
            flat[name] = json.dumps(value, sort_keys=True)  # NaN equals itself as text
    return flat


def config_differences(old: dict, new: dict) -> list[str]:
    """The dotted keys whose values differ between two resolved configs (sorted). A key that
    ``old`` lacks (a folder made before the key existed) differs only if ``new`` does not
    hold its default."""
    a, b = _flat(old), _flat(new)
    defaults = _flat(resolved_config(CampaignConfig()))
    return sorted(k for k in a.keys() | b.keys()
                  if a.get(k, defaults.get(k)) != b.get(k, defaults.get(k)))


def stored_config(out: Path) -> dict | None:
    """The resolved config of ``out/campaign.toml`` (None when there is none)."""
    import tomllib

    path = out / "campaign.toml"
    if not path.is_file():
        return None
    with path.open("rb") as fh:
        return tomllib.load(fh).get("config")


def check_same_config(cfg: CampaignConfig, out: Path, force: bool) -> list[str]:
    """Refuse to add to a campaign folder made with another config, unless ``force``; a
    refusal names the keys that differ. Returns the keys that differ and are allowed to
    (:data:`GROWTH_KEYS`): a campaign that grows."""
    old = stored_config(out)
    if old is None:
        return []
    diff = config_differences(old, resolved_config(cfg))
    if force:
        return diff
    defining = [k for k in diff if k not in GROWTH_KEYS]
    if defining:
        shown = ", ".join(defining[:8]) + (f" and {len(defining) - 8} more" if len(defining) > 8 else "")
        raise SelfuncError(
            f"{out}: this folder holds a campaign made with a different config (keys that "
            f"differ: {shown}; see its campaign.toml); use another --out, or --force to "
            "overwrite it")
    return diff
