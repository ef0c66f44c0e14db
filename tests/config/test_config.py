"""Configs: presets validate; bad input gives one clear line and a non-zero exit."""

import subprocess
import sys
from pathlib import Path

import pytest

from selfunc.cli import main
from selfunc.config import configs_dir, load_campaign
from selfunc.errors import SelfuncError

PRESETS = sorted((configs_dir() / "campaign").glob("*.toml"))


@pytest.mark.parametrize("path", PRESETS, ids=lambda p: p.stem)
def test_campaign_presets_validate(path):
    cfg = load_campaign(path)
    assert cfg.campaign.n_pointings >= 1


def test_units_are_converted():
    cfg = load_campaign(configs_dir() / "campaign" / "quickstart.toml")
    assert cfg.survey.exposures == (10_000.0, 20_000.0)  # "10 ks", "20 ks"
    assert cfg.instrument.pixel_size == 2.5
    assert cfg.instrument.fov_radius == 15.0


def write(tmp_path, text):
    p = tmp_path / "c.toml"
    p.write_text(text)
    return p


BAD = {
    "unknown key": ('[campaign]\nseed = 1\nsede = 2\n', "unknown key 'campaign.sede'"),
    "negative exposure": ('survey = { exposures = [-10.0], exposure_weights = [1.0] }\n',
                          "exposures must be positive"),
    "inverted flux range": ('population = { grid = { flux = { min = 1e-13, max = 1e-14 } } }\n',
                            "must not exceed max"),
    "missing preset file": ('instrument = "nonexistent.toml"\n', "not found"),
    "wrong unit": ('survey = { exposures = ["10 arcsec"], exposure_weights = [1.0] }\n',
                   "not convertible to s"),
    "wrong type": ('[campaign]\nn_pointings = "many"\n', "campaign.n_pointings"),
    "unknown preset": ('population = "nosuch"\n', "known presets"),
    "bad toml": ('[campaign\n', "not valid TOML"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_config_one_line_error(tmp_path, case, capsys):
    text, expected = BAD[case]
    path = write(tmp_path, text)
    with pytest.raises(SelfuncError) as err:
        load_campaign(path)
    msg = str(err.value)
    assert expected in msg
    assert "\n" not in msg
    assert str(path) in msg or "preset" in msg
    # The command line: one line on stderr, exit status 2, no traceback.
    rc = main(["simulate", str(path), "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert rc == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0]
    assert "Traceback" not in captured.err


def test_missing_config_file(tmp_path, capsys):
    rc = main(["simulate", str(tmp_path / "absent.toml"), "--out", str(tmp_path / "o")])
    assert rc == 2
    assert "config file not found" in capsys.readouterr().err


@pytest.mark.slow
def test_cli_exit_status_in_a_subprocess(tmp_path):
    path = write(tmp_path, '[campaign]\nseed = -3\n')
    out = subprocess.run([sys.executable, "-m", "selfunc", "simulate", str(path), "--out",
                          str(tmp_path / "o")], capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "campaign.seed" in out.stderr


def test_help_lists_commands(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "simulate" in capsys.readouterr().out


def test_relative_paths_are_relative_to_the_campaign_file(tmp_path):
    from selfunc.config import load_campaign

    folder = tmp_path / "runs"
    folder.mkdir()
    cfg_file = folder / "c.toml"
    cfg_file.write_text("""
[population]
preset = "grid"
[population.gas]
fraction = 0.5
[[population.gas.models]]
name = "sim"
kind = "dataset"
path = "data/halo.h5"
center = [0, 0, 0]
redshift = 0.3
radius = 1500
core_radius = 20
[[population.gas.models]]
name = "abs"
kind = "dataset"
path = "/abs/halo.h5"
center = [0, 0, 0]
redshift = 0.3
radius = 1500
core_radius = 20
[cnn]
model = "models/m.keras"
""")
    cfg = load_campaign(cfg_file)
    assert cfg.population.gas.models[0].path == str(folder / "data" / "halo.h5")
    assert cfg.population.gas.models[1].path == "/abs/halo.h5"
    assert cfg.cnn.model == str(folder / "models" / "m.keras")
