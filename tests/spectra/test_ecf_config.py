"""The count-rate settings of the instrument config (ecf)."""

import pytest
from pydantic import ValidationError

from selfunc.config.load import configs_dir, load_toml
from selfunc.config.models import EcfConfig, InstrumentConfig


def test_epic_preset_uses_spectral_ecfs_with_the_xxl_reference_defaults():
    inst = InstrumentConfig(**load_toml(configs_dir() / "instrument" / "epic.toml"))
    ecf = inst.ecf
    assert (ecf.model, ecf.flux) == ("spectral", "intrinsic")
    assert (ecf.cluster_temperature, ecf.cluster_redshift, ecf.metallicity) == (2.0, 0.3, 0.3)
    # the constant tables stay (old campaigns, camera weights) and index by camera
    assert ecf["pn"].cluster == 7.03e11 and "mos2" in ecf and "mos3" not in ecf


def test_spectral_ecfs_need_a_band_the_pn_redistribution_knows():
    with pytest.raises(ValidationError, match="band edges among"):
        InstrumentConfig(band=(0.4, 2.0))
    InstrumentConfig(band=(0.5, 4.5))  # 4XMM band edges: fine
    InstrumentConfig(band=(0.4, 2.0), ecf=EcfConfig(model="constant"))


def test_unknown_model_is_an_error_naming_the_choices():
    with pytest.raises(ValidationError, match="spectral"):
        EcfConfig(model="apec")
