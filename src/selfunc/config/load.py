"""Reading TOML configs, resolving presets, and turning validation errors into one line.

A campaign file has the sections ``[campaign]``, ``instrument``, ``survey`` and
``population``. Each of the last three is either a preset name / path (a string), an
inline table, or a table with ``preset = "name"`` plus keys that override the preset
(deep merge). Preset names are looked up in the ``configs/<section>/`` folder shipped with
the package; paths are relative to the file that names them.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from selfunc.config.campaign import CampaignConfig
from selfunc.config.models import (DetectionConfig, InstrumentConfig, PopulationConfig,
                                   SurveyConfig)
from selfunc.config.optical import OpticalConfig
from selfunc.config.stamps import StampConfig
from selfunc.errors import SelfuncError
from selfunc.rules import Selection

__all__ = ["configs_dir", "load_campaign", "load_stamp_config", "load_toml", "resolve_preset",
           "validate"]

SECTIONS = {"instrument": InstrumentConfig, "survey": SurveyConfig,
            "population": PopulationConfig, "detection": DetectionConfig,
            "optical": OpticalConfig, "stamps": StampConfig}


def configs_dir() -> Path:
    """The preset folder: ``selfunc/_configs`` in a wheel, ``<repo>/configs`` in a checkout."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "_configs", here.parent.parent / "configs"):
        if candidate.is_dir():
            return candidate
    raise SelfuncError("cannot find the selfunc preset folder 'configs' (broken install?)")


#: Largest config file read (a config is a few kB; a bigger file is not one).
MAX_TOML_BYTES = 16 * 2**20


def load_toml(path: str | Path) -> dict[str, Any]:
    """A TOML file as a dict; any unreadable file becomes a one-line :class:`SelfuncError`."""
    path = Path(path)
    if path.is_dir():
        raise SelfuncError(f"{path}: is a folder, expected a TOML config file")
    if not path.is_file():
        raise SelfuncError(f"{path}: config file not found")
    try:
        if path.stat().st_size > MAX_TOML_BYTES:
            raise SelfuncError(f"{path}: {path.stat().st_size} bytes, too large for a TOML "
                               f"config (at most {MAX_TOML_BYTES} bytes)")
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SelfuncError(f"{path}: not a UTF-8 text file (byte {exc.start}); expected a "
                           "TOML config") from None
    except OSError as exc:
        raise SelfuncError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SelfuncError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise SelfuncError(f"{path}: not valid TOML: arrays or tables nested too deeply") from None


def resolve_preset(section: str, name: str, named_in: Path) -> Path:
    """A preset name (``"epic"``) or a path to a TOML file (relative to ``named_in``'s folder)."""
    as_path = (named_in.parent / name) if not Path(name).is_absolute() else Path(name)
    if name.endswith(".toml"):
        if not as_path.is_file():
            raise SelfuncError(f"{named_in}: key '{section}': file '{as_path}' not found")
        return as_path
    preset = configs_dir() / section / f"{name}.toml"
    if not preset.is_file():
        known = sorted(p.stem for p in (configs_dir() / section).glob("*.toml"))
        raise SelfuncError(
            f"{named_in}: key '{section}': preset '{name}' not found; known presets: "
            f"{', '.join(known) or 'none'}")
    return preset


def _merge(base: dict, override: dict) -> dict:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _section(section: str, value: Any, where: Path) -> tuple[dict, list[Path]]:
    """Resolve one section to a plain dict and the files it came from."""
    if isinstance(value, str):
        path = resolve_preset(section, value, where)
        return load_toml(path), [path]
    if isinstance(value, dict):
        value = dict(value)
        name = value.pop("preset", None)
        if name is None:
            return value, [where]
        if not isinstance(name, str):
            raise SelfuncError(f"{where}: key '{section}.preset' = {name!r}: expected a preset name")
        path = resolve_preset(section, name, where)
        return _merge(load_toml(path), value), [path, where]
    raise SelfuncError(
        f"{where}: key '{section}' = {value!r}: expected a preset name or a table")


def _format_error(exc: ValidationError, files: list[Path], prefix: str = "") -> str:
    err = exc.errors()[0]
    key = ".".join(str(p) for p in (prefix, *err["loc"]) if p != "")
    msg = err["msg"].removeprefix("Value error, ")
    where = " / ".join(str(f) for f in dict.fromkeys(files))
    if err["type"] == "extra_forbidden":
        return f"{where}: unknown key '{key}'"
    if err["type"] == "missing":
        return f"{where}: missing key '{key}'"
    value = err.get("input")
    shown = f" = {value!r}" if not isinstance(value, dict) else ""
    more = f" (and {len(exc.errors()) - 1} more problem(s))" if len(exc.errors()) > 1 else ""
    return f"{where}: key '{key}'{shown}: {msg}{more}"


def validate(model: type[BaseModel], data: dict, files: list[Path], prefix: str = ""):
    """Validate ``data`` into ``model``; a failure becomes a one-line :class:`SelfuncError`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise SelfuncError(_format_error(exc, files, prefix)) from None


def campaign_config(folder: str | Path) -> CampaignConfig:
    """The resolved config of a campaign folder (its ``campaign.toml``)."""
    path = Path(folder) / "campaign.toml"
    if not path.is_file():
        raise SelfuncError(f"{folder}: not a campaign folder (no campaign.toml)")
    doc = load_toml(path)
    if "config" not in doc:
        raise SelfuncError(f"{path}: no [config] table (not written by selfunc simulate)")
    return validate(CampaignConfig, doc["config"], [path])


def load_stamp_config(name: str | Path = "xamin") -> StampConfig:
    """A preset of ``configs/stamps/`` by name, or a TOML file (its ``[stamps]`` table, or the
    whole file)."""
    path = Path(name)
    if not (path.suffix == ".toml" and path.is_file()):
        path = configs_dir() / "stamps" / f"{name}.toml"
    data = load_toml(path)
    return validate(StampConfig, data.get("stamps", data), [path])


def load_campaign(path: str | Path) -> CampaignConfig:
    """Read a campaign TOML file, resolve its presets and validate everything."""
    path = Path(path)
    raw = load_toml(path)
    if not raw:  # running a default campaign without a word is never what was meant
        raise SelfuncError(f"{path}: empty campaign file; expected at least a [campaign] "
                           "table (see configs/campaign/quickstart.toml)")
    unknown = sorted(set(raw) - {"campaign", "inject", "cnn", "match", "outputs", *SECTIONS})
    if unknown:
        raise SelfuncError(f"{path}: unknown key '{unknown[0]}' (expected campaign, "
                           "instrument, survey, population, detection, match, optical, stamps, "
                           "cnn, outputs, inject)")
    parts: dict[str, Any] = {}
    files: list[Path] = [path]
    for section, model in SECTIONS.items():
        data, origin = _section(section, raw.get(section, {}), path)
        if section == "population":
            data = _dataset_paths(data, origin[-1])
        parts[section] = validate(model, data, origin, prefix=section)
        files += origin
    campaign = raw.get("campaign", {})
    if not isinstance(campaign, dict):
        raise SelfuncError(f"{path}: key 'campaign' must be a table")
    cnn = raw.get("cnn", {})
    if not isinstance(cnn, dict):
        raise SelfuncError(f"{path}: key 'cnn' must be a table")
    if "model" in cnn and cnn["model"] != "default" and isinstance(cnn["model"], str):
        model = Path(cnn["model"])
        cnn = {**cnn, "model": str(model if model.is_absolute() else path.parent / model)}
    parts["cnn"] = cnn
    for key in ("match", "outputs"):
        table = raw.get(key, {})
        if not isinstance(table, dict):
            raise SelfuncError(f"{path}: key '{key}' must be a table")
        parts[key] = table
    if "inject" in raw:
        parts["inject"] = _inject_paths(raw["inject"], path)
    # The sections named in other files are validated above; what is left ([campaign],
    # [cnn], [match], [outputs], [inject]) is in this file, so the error names this file only.
    cfg = validate(CampaignConfig, {"campaign": campaign, **parts}, [path])
    _check_rules(cfg, path)
    return cfg


def _check_rules(cfg: CampaignConfig, path: Path) -> None:
    """Parse the selection rules now, not after every pointing has run."""
    for key, rule in (("campaign.selection", cfg.campaign.selection),
                      ("cnn.screen", cfg.cnn.screen)):
        try:
            Selection.from_string(rule)
        except SelfuncError as exc:
            raise SelfuncError(f"{path}: key '{key}' = {rule!r}: {exc}") from None
        except RecursionError:
            raise SelfuncError(f"{path}: key '{key}': rule nested too deeply") from None


def _dataset_paths(population: dict, named_in: Path) -> dict:
    """User yt datasets of ``gas.models`` relative to the file that names them."""
    gas = population.get("gas")
    if not isinstance(gas, dict) or not isinstance(gas.get("models"), list):
        return population
    models = []
    for m in gas["models"]:
        if isinstance(m, dict) and isinstance(m.get("path"), str) and not Path(m["path"]).is_absolute():
            m = {**m, "path": str(named_in.parent / m["path"])}
        models.append(m)
    return {**population, "gas": {**gas, "models": models}}


def _inject_paths(section, path: Path) -> dict:
    """The image paths of an ``[inject]`` table, made absolute and checked to exist."""
    if not isinstance(section, dict):
        raise SelfuncError(f"{path}: key 'inject' must be a table")
    out = dict(section)
    for key in ("counts", "exposure", "background"):
        value = out.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise SelfuncError(f"{path}: key 'inject.{key}' = {value!r}: expected a file path")
        p = Path(value) if Path(value).is_absolute() else path.parent / value
        if not p.is_file():
            raise SelfuncError(f"{path}: key 'inject.{key}': file '{p}' not found")
        out[key] = str(p.resolve())
    return out
