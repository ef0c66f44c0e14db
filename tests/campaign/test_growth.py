"""Campaigns that grow: more pointings compute only the new ones; nothing to do changes no
file; a refusal names the keys that differ (issue 16)."""

import hashlib
import json

import numpy as np
import pytest
from astropy.table import Table

from selfunc.campaign.provenance import config_differences, stored_config
from selfunc.cli import main

CONFIG = """
instrument = {{ preset = "epic", npix = 160 }}
survey = "xclass10"
population = {{ preset = "grid", grid = {{ n_per_pointing = 3 }}, agn = {{ flux_min = 5e-15 }} }}
detection = "xamin"
[campaign]
name = "growth-test"
seed = 7
n_pointings = {n}
stages = [{stages}]
[outputs]
images = "none"
"""

DETECT = '"sky", "xray", "detect"'
#: Files that say when and by which command a folder was made, not what it holds.
WHEN = {"campaign.toml", "campaign.log", "report.html"}


def write(tmp_path, n, stages=DETECT, name="c.toml"):
    path = tmp_path / name
    path.write_text(CONFIG.format(n=n, stages=stages))
    return path


def digests(folder, skip=(), timings=True):
    """sha256 of every file; ``timings=False``: of the pointings' completion records
    without the seconds each stage took (the only thing in them a run does not fix)."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if not p.is_file() or p.name in skip:
            continue
        data = p.read_bytes()
        if not timings and p.name == "done.json" and p.parent.parent.name == "pointings":
            record = json.loads(data)
            record.pop("seconds")
            data = json.dumps(record).encode()
        out[str(p.relative_to(folder))] = hashlib.sha256(data).hexdigest()
    return out


def simulate(config, out, *extra):
    return main(["simulate", str(config), "--out", str(out), "--workers", "1", *extra])


@pytest.mark.slow
def test_growing_20_to_25_runs_only_the_new_ones_and_equals_a_fresh_run(tmp_path, capsys):
    grown, fresh = tmp_path / "grown", tmp_path / "fresh"
    assert simulate(write(tmp_path, 20), grown) == 0
    first = digests(grown / "pointings")
    capsys.readouterr()
    assert simulate(write(tmp_path, 25), grown) == 0
    assert "5 of 25 pointings to run" in capsys.readouterr().out
    after = digests(grown / "pointings")
    assert {k: after[k] for k in first} == first  # the first 20 untouched
    assert simulate(write(tmp_path, 25, name="f.toml"), fresh) == 0
    assert digests(grown, WHEN, timings=False) == digests(fresh, WHEN, timings=False)
    assert config_differences(stored_config(grown), stored_config(fresh)) == []
    log = (grown / "campaign.log").read_text()  # the folder's history says it grew
    assert "20 pointings, 20 to do" in log and "25 pointings, 5 to do" in log
    # the fits that did not converge, counted in the log, are the candidates' own flags
    cand = Table.read(fresh / "catalogues" / "candidates.h5", path="candidates")
    n_unconverged = int(np.sum(~np.asarray(cand["converged"], bool)))
    assert cand.meta["NUNCONV"] == n_unconverged
    assert (f"{n_unconverged} of {len(cand)} candidates of the 25 pointings run now: fit not "
            "converged") in (fresh / "campaign.log").read_text()


@pytest.mark.slow
def test_a_rerun_with_nothing_to_do_changes_no_file(tmp_path, capsys):
    stages = DETECT + ', "fit", "report"'
    config = write(tmp_path, 6, stages)
    out = tmp_path / "run"
    assert simulate(config, out) == 0
    before = digests(out)
    digests_before = digests(out, timings=False)
    assert {"selection.h5", "report.html", "campaign.toml", "done.json"} <= set(before)
    capsys.readouterr()
    assert simulate(config, out) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert digests(out) == before
    # a lost pointing is redone, and the merge, fit and report after it: the same bytes
    # (the log grows; selection.h5 records when it was fitted, its numbers are the same)
    (out / "pointings" / "00003" / "done.json").unlink()
    assert simulate(config, out) == 0
    skip = {"campaign.log", "selection.h5"}
    again = digests(out, skip, timings=False)
    assert again == {k: v for k, v in digests_before.items() if k.split("/")[-1] not in skip}


def test_refusal_names_the_keys_that_differ(tmp_path, capsys):
    out = tmp_path / "run"
    assert simulate(write(tmp_path, 1), out) == 0
    changed = tmp_path / "changed.toml"
    changed.write_text(CONFIG.format(n=1, stages=DETECT).replace("seed = 7", "seed = 8")
                       .replace('images = "none"', 'images = "combined"'))
    assert simulate(changed, out) == 2
    err = capsys.readouterr().err
    assert "keys that differ: campaign.seed, outputs.images;" in err
    assert err.count("\n") == 1


def test_a_campaign_does_not_shrink(tmp_path, capsys):
    out = tmp_path / "run"
    assert simulate(write(tmp_path, 2), out) == 0
    capsys.readouterr()
    assert simulate(write(tmp_path, 1), out) == 2
    assert "key 'campaign.n_pointings' = 1" in capsys.readouterr().err


def test_a_folder_made_before_a_key_existed_is_the_same_config_at_its_default(tmp_path):
    """campaign.toml of a folder written before [outputs] existed: the default is what it did."""
    import tomllib

    import tomli_w

    from selfunc.campaign.provenance import check_same_config, write_campaign_toml
    from selfunc.config import load_campaign
    from selfunc.errors import SelfuncError

    cfg = load_campaign(write(tmp_path, 2))
    write_campaign_toml(cfg, tmp_path)
    doc = tomllib.loads((tmp_path / "campaign.toml").read_text())
    del doc["config"]["outputs"]
    (tmp_path / "campaign.toml").write_text(tomli_w.dumps(doc))
    default = cfg.model_copy(update={"outputs": type(cfg.outputs)()})
    assert check_same_config(default, tmp_path, force=False) == []
    with pytest.raises(SelfuncError, match="keys that differ: outputs.images;"):
        check_same_config(cfg, tmp_path, force=False)  # images = "none" is not the default
