"""The ``volunteers`` campaign stage (issue 18, item 5): simulated volunteers screen the merged
candidates, deterministic for the campaign seed; their columns join the merged catalogue and a
rule on them is checked and fitted like any other."""

import numpy as np
import pytest
from astropy.table import Table

from selfunc.campaign.volunteers import campaign_volunteers
from selfunc.cli import main
from selfunc.config.campaign import DEFAULT_STAGES, STAGES, CampaignConfig
from selfunc.crowd.volunteers import VOLUNTEER_COLUMNS

RULE = "C1 and p_volunteer_cluster > 0.5"

# Small (256-px) pointings with bright grid clusters, so that a few pointings give subjects.
CONFIG = """
instrument = {{ preset = "epic", npix = 256 }}
survey = "xclass10"
population = {{ preset = "grid", grid = {{ n_per_pointing = 8, flux = {{ min = 4e-14, max = 3e-13 }} }}, agn = {{ flux_min = 5e-15 }} }}
detection = "xamin"
outputs = {{ images = "none", stamps = false }}
[campaign]
name = "volunteer-stage"
seed = 11
n_pointings = 4
stages = {stages}
selection = "{rule}"
"""


def write(path, stages=("sky", "xray", "detect", "volunteers", "fit"), rule=RULE):
    path.write_text(CONFIG.format(stages=list(stages), rule=rule).replace("'", '"'))
    return path


def test_the_stage_is_listed_after_screening_and_not_a_default():
    assert STAGES.index("cnn") < STAGES.index("volunteers") < STAGES.index("fit")
    assert "volunteers" not in DEFAULT_STAGES
    assert CampaignConfig().campaign.stages == DEFAULT_STAGES


def test_volunteers_need_detection(tmp_path, capsys):
    cfg = write(tmp_path / "c.toml", stages=("sky", "xray", "volunteers"), rule="C1")
    assert main(["simulate", str(cfg), "--out", str(tmp_path / "run")]) == 2
    assert "stage 'volunteers' needs the 'detect' stage" in capsys.readouterr().err


@pytest.mark.slow
def test_stage_is_deterministic_and_its_rule_fits(tmp_path, capsys):
    from selfunc.selection.function import SelectionFunction

    cfg = write(tmp_path / "c.toml")
    runs = []
    for name in ("a", "b"):
        assert main(["simulate", str(cfg), "--out", str(tmp_path / name), "--workers", "1"]) == 0
        runs.append(Table.read(tmp_path / name / "catalogues" / "candidates.h5"))
    assert "volunteers: " in capsys.readouterr().out
    a, b = runs
    shown = np.asarray(a["C1"]) | np.asarray(a["C2"])  # the campaign's [cnn] screen
    assert shown.sum() >= 5
    for col in VOLUNTEER_COLUMNS:  # same seed: the same votes, bit for bit
        assert np.array_equal(np.asarray(a[col]), np.asarray(b[col]), equal_nan=True), col
    assert np.all(np.asarray(a["n_volunteer_votes"])[shown] == 30)  # §2: 30 per candidate
    assert np.isnan(np.asarray(a["p_volunteer_cluster"])[~shown]).all()
    assert a.meta["VOLSEED"] == 11 and a.meta["VOLSCRN"] == "C1 or C2"
    # the stage is campaign_volunteers on the merged catalogue with the campaign's seed
    again, _ = campaign_volunteers(tmp_path / "a", write=False)
    assert np.array_equal(np.asarray(again["p_volunteer_cluster"]),
                          np.asarray(a["p_volunteer_cluster"]), equal_nan=True)
    sf = SelectionFunction.load(tmp_path / "a" / "selection.h5")
    assert sf.selection.expression == RULE


@pytest.mark.slow
def test_a_rule_on_volunteer_columns_without_the_stage_is_refused(tmp_path, capsys):
    cfg = write(tmp_path / "c.toml", stages=("sky", "xray", "detect", "fit"))
    assert main(["simulate", str(cfg), "--out", str(tmp_path / "run"), "--workers", "1"]) == 2
    assert "no candidate column 'p_volunteer_cluster'" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()  # a failed start leaves nothing


def test_weighted_votes_beat_the_unweighted_majority_on_the_stage_path(tmp_path):
    """The stage's own call (campaign_volunteers on a merged catalogue) on synthetic
    campaigns of ~730 screened candidates each: Eq.-1 weights are more accurate against the
    truth than one vote per volunteer (measured +0.10 to +0.11 on seeds 0–2)."""
    from selection.conftest import write_campaign

    gains = []
    for seed in range(3):
        camp = write_campaign(tmp_path / f"c{seed}", n_pointings=20, seed=seed)
        table, _ = campaign_volunteers(camp, screen="C1 or C2", seed=seed, write=False)
        shown = np.asarray(table["n_volunteer_votes"]) > 0
        truth = np.asarray(table["is_cluster"])[shown]
        w = np.asarray(table["p_volunteer_cluster"])[shown] > 0.5
        u = np.asarray(table["p_volunteer_cluster_unweighted"])[shown] > 0.5
        gains.append(np.mean(w == truth) - np.mean(u == truth))
    assert min(gains) > 0.05, gains


def test_a_screen_that_selects_none_leaves_the_columns_empty(tmp_path):
    """The stage on a campaign without a screened candidate: columns present, nothing shown
    (the CLI, asked to screen nothing, says so instead)."""
    from selection.conftest import write_campaign
    from selfunc.campaign.volunteers import summary_line
    from selfunc.errors import SelfuncError

    camp = write_campaign(tmp_path / "c", n_pointings=3, seed=1)
    table, screening = campaign_volunteers(camp, screen="C1 and not C1", seed=1, write=False,
                                           allow_empty=True)
    assert screening is None and "nothing to classify" in summary_line(table, screening)
    assert np.all(np.asarray(table["n_volunteer_votes"]) == 0)
    assert np.isnan(np.asarray(table["p_volunteer_cluster"])).all()
    with pytest.raises(SelfuncError, match="screen selects none"):
        campaign_volunteers(camp, screen="C1 and not C1", seed=1, write=False)
