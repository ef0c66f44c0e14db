"""OpticalConfig: presets validate, band defaults, one-line errors."""

import pytest

from selfunc.config import configs_dir
from selfunc.errors import SelfuncError
from selfunc.optical import OpticalConfig, load_optical_config
from selfunc.optical.config import BAND_DEFAULTS

PRESETS = sorted((configs_dir() / "optical").glob("*.toml"))


@pytest.mark.parametrize("path", PRESETS, ids=lambda p: p.stem)
def test_presets_validate(path):
    cfg = load_optical_config(path.stem)
    assert cfg == load_optical_config(path)
    assert cfg.limiting_magnitude == BAND_DEFAULTS[cfg.band]["limiting_magnitude"]


def test_red_preset_is_the_default_config():
    assert load_optical_config("dss2_red") == OpticalConfig()


def test_blue_band_takes_blue_defaults_unless_given():
    assert OpticalConfig(band="blue").limiting_magnitude == 22.5
    assert OpticalConfig(band="blue").sky_brightness == 22.6
    assert OpticalConfig(band="blue", limiting_magnitude=21.0).limiting_magnitude == 21.0
    assert OpticalConfig().limiting_magnitude == 20.8


def test_units_are_converted():
    assert OpticalConfig(seeing_fwhm="0.05 arcmin").seeing_fwhm == pytest.approx(3.0)
    assert OpticalConfig(field_size="0.5 deg").field_size == pytest.approx(30.0)


@pytest.mark.parametrize("text, message", [
    ("band = 'green'\n", "key 'band'"),
    ("seeing_fwhm = -1.0\n", "key 'seeing_fwhm'"),
    ("moffat_beta = 2.0\n", "key 'moffat_beta'"),
    ("[plate]\nfog_level = 5000.0\n", "fog_level < sky_level < saturation_level"),
    ("sede = 1\n", "unknown key 'sede'"),
])
def test_bad_values_give_one_line(tmp_path, text, message):
    p = tmp_path / "bad.toml"
    p.write_text(text)
    with pytest.raises(SelfuncError) as exc:
        load_optical_config(p)
    assert message in str(exc.value)
    assert "\n" not in str(exc.value)
    assert str(p) in str(exc.value)


def test_unknown_preset_lists_known_ones():
    with pytest.raises(SelfuncError, match="known presets: dss2_blue, dss2_red"):
        load_optical_config("dss3")
