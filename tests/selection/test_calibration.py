"""Light simulation-based calibration.

The ≥ 100-replica run is ``scripts/validate/selection_sbc.py``.
"""

import math

import numpy as np
import pytest
from scipy import stats

from selfunc.selection.calibration import CalibrationResult, calibrate
from selfunc.selection.models import Prior, completeness_model

from .conftest import draw_clusters

# The script's prior of plausible values, repeated here so the test does not import scripts/.
PRIORS = {
    "mu0": Prior("normal", 0.0, 0.3), "mu_core_radius": Prior("normal", 0.4, 0.2),
    "mu_exposure": Prior("normal", -0.5, 0.2), "mu_offaxis": Prior("normal", 0.3, 0.1),
    "lnw0": Prior("normal", math.log(0.15), 0.3), "lnw_core_radius": Prior("normal", 0.0, 0.3),
    "lnw_exposure": Prior("normal", 0.0, 0.3), "lnw_offaxis": Prior("normal", 0.0, 0.3),
    "amax": Prior("uniform", 0.8, 1.0),
}


def test_result_arithmetic():
    truths = np.array([[0.0, 1.0], [0.5, 1.0], [2.0, 1.0], [0.1, 5.0]])
    lower, upper = np.zeros((4, 2)), np.ones((4, 2))
    res = CalibrationResult(("a", "b"), truths, lower, upper, np.full((4, 2), 0.5),
                            np.ones(4, bool), 0.68, 1.0)
    np.testing.assert_allclose(res.coverage, [0.75, 0.75])
    assert res.pooled_coverage == 0.75
    assert res.standard_error == pytest.approx(math.sqrt(0.68 * 0.32 / 4))
    assert "pooled: coverage  75.0%" in res.report()


@pytest.mark.slow
def test_light_sbc_covers_at_the_nominal_rate():
    model = completeness_model(priors=PRIORS)
    res = calibrate(model, lambda rng: {k: v for k, v in draw_clusters(300, rng).items()
                                        if k != "redshift"},
                    n_replicas=40, rng=np.random.default_rng(2024))
    assert res.converged.all()
    # 40 replicas × 9 parameters: the pooled binomial s.e. is 2.5 % for independent
    # intervals, more since a replica's intervals are correlated; allow ±10 %.
    assert abs(res.pooled_coverage - 0.68) < 0.10, res.report()
    # No parameter wildly off (per-parameter s.e. is 7.4 % with 40 replicas; 4 σ).
    assert np.all(np.abs(res.coverage - 0.68) < 0.30), res.report()
    # Ranks of the truths among the posterior samples are uniform.
    assert stats.kstest(res.ranks.ravel(), "uniform").pvalue > 1e-3, res.report()
