"""Cross-matching detections with the truth, and the paper's labels."""

import numpy as np
from astropy.table import Table

from selfunc.config.models import MatchConfig
from selfunc.match import crossmatch

TRUTH = Table(dict(
    id=[0, 1, 2, 3, 4, 5, 6, 7],
    kind=["cluster", "central_agn", "cluster", "agn", "nearby_galaxy", "double", "double", "agn"],
    group=[0, 0, 1, 2, 3, 4, 4, 5],
    x=[100.0, 100.0, 300.0, 200.0, 50.0, 400.0, 404.0, 250.0],
    y=[100.0, 100.0, 300.0, 50.0, 300.0, 400.0, 400.0, 250.0],
    core_radius=[30.0, np.nan, 15.0, np.nan, 20.0, np.nan, np.nan, np.nan],
    redshift=[0.2, 0.2, 0.8, np.nan, 0.01, np.nan, np.nan, np.nan],
    counts_expected=[300.0, 500.0, 150.0, 80.0, 60.0, 50.0, 40.0, 1.0],
))


def cands(xy, det=None):
    n = len(xy)
    return Table(dict(cand_id=np.arange(n), x=[p[0] for p in xy], y=[p[1] for p in xy],
                      det_ml=det if det is not None else np.full(n, 50.0)))


def test_labels_and_rules():
    c = cands([(101, 99), (305, 302), (202, 51), (52, 302), (401, 401), (600, 600), (250, 251)])
    mc, mt = crossmatch(c, TRUTH, pixel=2.5)
    # The AC cluster's central AGN (brighter) stands for its cluster: low-z cluster.
    assert list(mc["label"]) == ["low-z", "hi-z", "point", "galaxy", "point", "other", "other"]
    assert list(mc["is_cluster"]) == [True, True, False, False, False, False, False]
    assert mc["truth_id"][0] == 0 and mc["truth_component"][0] == 1
    # An AGN with 1 expected count cannot explain a detection.
    assert mc["truth_id"][6] == -1
    assert list(mt["detected"]) == [True, False, True, True, True, True, False, False]


def test_radius_rule_point_vs_extended():
    # 12" from a point source (radius 10") does not match; 12" from a cluster with
    # r_c = 15" (radius 20") does.
    c = cands([(200 + 12 / 2.5, 50), (300 + 12 / 2.5, 300)])
    mc, _ = crossmatch(c, TRUTH, pixel=2.5)
    assert list(mc["label"]) == ["other", "hi-z"]
    c = cands([(200 + 9 / 2.5, 50)])
    assert crossmatch(c, TRUTH, pixel=2.5, rule=MatchConfig(point_radius=8.0))[0]["label"][0] == "other"


def test_split_cluster_counts_once_with_the_best_candidate():
    c = cands([(302, 300), (296, 301)], det=np.array([20.0, 90.0]))
    mc, mt = crossmatch(c, TRUTH, pixel=2.5)
    assert list(mc["truth_id"]) == [2, 2]
    assert mt["match"][2] == 1 and mt["n_match"][2] == 2
