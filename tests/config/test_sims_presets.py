"""The campaign definitions in sims/ that survey users start from load and say what they are."""

from pathlib import Path

import pytest

from selfunc.config.load import load_campaign

SIMS = Path(__file__).resolve().parents[2] / "sims"


@pytest.mark.parametrize("name, mode", [("xclass", "mass_function"), ("xxl", "mass_function"),
                                        ("xclass_full", "mass_function"),
                                        ("grid", "grid"), ("cnn_training", "grid"),
                                        ("contaminants", "mass_function")])
def test_sims_campaigns_load(name, mode):
    cfg = load_campaign(SIMS / f"{name}.toml")
    assert cfg.population.mode == mode
    assert cfg.campaign.n_pointings > 0
    assert name in (SIMS / "README.md").read_text()
