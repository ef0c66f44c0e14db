"""Forced photometry (selfunc.detect.photometry): band rates and HR of isolated simulated
sources recover the injected values within their errors (pulls), the sources injected through
the simulator's rendering path (xray.observe with instrument.bands), not the fit's model."""

import numpy as np
import pytest
from astropy.table import Table

from helpers import empty_population, spec, truth_of
from selfunc.config.models import DetectionConfig, InstrumentConfig
from selfunc.detect.inputs import band_inputs
from selfunc.detect.photometry import fit_normalisation, forced_photometry, hardness_ratio
from selfunc.pointing import rng_for
from selfunc.xray import observe

INST = InstrumentConfig(bands="xxl", npix=384, chip_gaps=False)
OFFSETS = (-100, 0, 100)


def _field(k, extended):
    rows = []
    for i, dx in enumerate(OFFSETS):
        for j, dy in enumerate(OFFSETS):
            if extended:
                rows.append(dict(kind="cluster", spectrum="cluster", xi=-dx * 2.5, eta=dy * 2.5,
                                 flux=6e-14, core_radius=12.0, beta=2 / 3, redshift=0.3))
            else:
                rows.append(dict(kind="agn", spectrum="agn", xi=-dx * 2.5, eta=dy * 2.5,
                                 flux=3e-14))
    t = truth_of(*rows)
    obs = observe(spec(id=k, exposure=20_000.0), t, INST, empty_population(),
                  rng_for(21, k, "xray"))
    truth = obs.truth
    cand = Table({"x": truth["x"], "y": truth["y"], "C1": np.full(len(t), extended),
                  "C2": np.zeros(len(t), bool),
                  "rc_cluster": np.full(len(t), 12.0 if extended else np.nan)})
    return truth, forced_photometry(cand, band_inputs(obs, INST), DetectionConfig())


def _pulls(extended, n_fields):
    cols = ("rate_05_1", "rate_1_2", "rate_2_10", "hr")
    pulls = {c: [] for c in cols}
    for k in range(n_fields):
        truth, cat = _field(k, extended)
        for c in cols:
            pulls[c].append((np.asarray(cat[c]) - np.asarray(truth[c])) / np.asarray(cat[f"{c}_err"]))
    return {c: np.concatenate(v) for c, v in pulls.items()}, cat


@pytest.mark.slow
@pytest.mark.parametrize("extended", [False, True], ids=["point", "extended"])
def test_band_rates_and_hr_pulls_of_isolated_sources(extended):
    pulls, cat = _pulls(extended, 23)  # 23 fields x 9 sources = 207 injections
    assert cat["rate_05_1"].unit == "1/s" and cat["rate_2_10_err"].unit == "1/s"
    for c, p in pulls.items():
        assert p.size >= 200 and np.all(np.isfinite(p)), c
        assert abs(np.mean(p)) < 0.2, (c, np.mean(p), np.std(p))
        assert abs(np.std(p) - 1.0) < 0.2, (c, np.mean(p), np.std(p))


def test_normalisation_fit_is_the_poisson_mle_with_fisher_error():
    # Independent path: for a flat profile q on pixels with no background the Cash MLE is
    # sum(n)/sum(q) and its Fisher error sqrt(a/sum(q)).
    rng = np.random.default_rng(3)
    q = np.full(400, 0.01)
    n = rng.poisson(50.0 * q)
    a, err, ok = fit_normalisation(n, np.zeros_like(q), q)
    assert ok and a == pytest.approx(n.sum() / q.sum(), rel=1e-7)
    assert err == pytest.approx(np.sqrt(a / q.sum()), rel=1e-6)
    # with background, below-background counts give a negative rate (not clipped at 0)
    a, err, ok = fit_normalisation(np.zeros(400), np.full(400, 0.5), q)
    assert ok and a < 0


def test_hardness_ratio_and_first_order_error():
    hr, err = hardness_ratio([2.0], [0.2], [1.0], [0.1])
    assert hr[0] == pytest.approx(2.0)
    assert err[0] == pytest.approx(2.0 * np.hypot(0.1, 0.1), rel=1e-12)
    hr, err = hardness_ratio([1.0], [0.1], [0.0], [0.1])
    assert np.isnan(hr[0]) and np.isnan(err[0])
