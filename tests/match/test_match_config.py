"""The match rule is a config section ([match]) and part of the recorded config."""

import pytest

from selfunc.campaign.provenance import resolved_config
from selfunc.config import load_campaign
from selfunc.errors import SelfuncError


def _campaign(tmp_path, tables, top=""):
    path = tmp_path / "c.toml"
    path.write_text(top + '[campaign]\nname = "m"\n' + tables)
    return path


def test_match_section_is_read_with_units_and_recorded(tmp_path):
    cfg = load_campaign(_campaign(tmp_path, '[match]\npoint_radius = "0.2 arcmin"\n'
                                            'extended_max = 45\nmin_counts = 3\n'))
    assert cfg.match.point_radius == pytest.approx(12.0)      # 0.2′ = 12″
    assert (cfg.match.extended_min, cfg.match.extended_max) == (20.0, 45.0)
    recorded = resolved_config(cfg)["match"]
    assert recorded["point_radius"] == pytest.approx(12.0)
    assert recorded["min_counts"] == 3.0 and recorded["lowz_max"] == 0.3


@pytest.mark.parametrize("top, tables, needle", [
    ("", "[match]\nextended_min = 70\n", "key 'match': extended_min must not exceed extended_max"),
    ("", "[match]\npoint_radius = -1\n", "key 'match.point_radius' = -1"),
    ("", "[match]\nradius = 3\n", "unknown key 'match.radius'"),
    ("match = 3\n", "", "key 'match' must be a table"),
])
def test_bad_match_section_is_one_line_naming_the_key(tmp_path, top, tables, needle):
    with pytest.raises(SelfuncError, match="^[^\n]*$") as exc:
        load_campaign(_campaign(tmp_path, tables, top))
    assert needle in str(exc.value)
    assert str(tmp_path / "c.toml") in str(exc.value)
