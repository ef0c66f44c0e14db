import numpy as np
import pytest
from scipy import stats

from selfunc.errors import SelfuncError
from selfunc.selection.binned import (
    beta_interval, bin_edges, bin_index, binned_fraction, compare,
)


def test_beta_interval_numbers():
    # 7 of 10 with a uniform prior: Beta(8, 4).
    med, lo, hi = beta_interval(7, 10)
    assert med == pytest.approx(stats.beta(8, 4).median())
    assert lo == pytest.approx(stats.beta(8, 4).ppf(0.16))
    assert hi == pytest.approx(stats.beta(8, 4).ppf(0.84))
    # k = n: one-sided [q(1 - level), 1], which contains the mode k/n = 1.
    med, lo, hi = beta_interval(5, 5)
    assert hi == 1.0 and lo == pytest.approx(0.32 ** (1 / 6))
    # k = 0: [0, q(level)].
    med, lo, hi = beta_interval(0, 5)
    assert lo == 0.0 and hi == pytest.approx(1 - 0.32 ** (1 / 6))
    # Empty: NaN, not the prior.
    assert np.all(np.isnan(beta_interval(0, 0)))
    # Jeffreys prior.
    med, lo, hi = beta_interval(3, 10, prior=(0.5, 0.5), level=0.9)
    assert lo == pytest.approx(stats.beta(3.5, 7.5).ppf(0.05))


def test_bin_edges_and_index():
    e = bin_edges(np.array([1e-15, 1e-13, 1e-14]), 2, "flux")
    np.testing.assert_allclose(e, [1e-15, 1e-14, 1e-13])          # logarithmic for flux
    e = bin_edges(np.array([0.0, 10.0]), 4, "offaxis")
    np.testing.assert_allclose(e, [0, 2.5, 5, 7.5, 10])           # linear otherwise
    idx = bin_index([0.0, 2.5, 9.99, 10.0, 10.01, np.nan], e)
    np.testing.assert_array_equal(idx, [0, 1, 3, 3, -1, -1])     # last edge closed
    with pytest.raises(SelfuncError, match="single value"):
        bin_edges(np.ones(3), 2, "exposure")


def test_binned_fraction_counts_2d():
    x = np.array([1, 1, 2, 2, 3, 3, 3, 9.0])
    y = np.array([10, 10, 10, 30, 30, 30, 30, 30.0])
    ok = np.array([1, 0, 1, 1, 1, 1, 0, 1], bool)
    bf = binned_fraction({"x": x, "y": y}, ok, {"x": [0, 2, 4], "y": [0, 20, 40]})
    np.testing.assert_array_equal(bf.n, [[2, 0], [1, 4]])
    np.testing.assert_array_equal(bf.k, [[1, 0], [1, 3]])
    np.testing.assert_array_equal(bf.index, [0, 0, 2, 3, 3, 3, 3, -1])   # x = 9 outside
    assert np.isnan(bf.fraction[0, 1]) and bf.fraction[1, 1] == 0.75
    assert bf.median[1, 1] == pytest.approx(stats.beta(4, 2).median())


def test_binned_fraction_recovers_a_known_curve():
    rng = np.random.default_rng(5)
    f = 10 ** rng.uniform(-15, -13, 40000)
    p = stats.norm.cdf((np.log10(f) + 14) / 0.2)
    y = rng.random(f.size) < p
    bf = binned_fraction({"flux": f}, y, {"flux": 10})
    truth = np.array([p[bf.index == i].mean() for i in range(10)])
    inside = (truth >= bf.lower) & (truth <= bf.upper)
    # 68 % intervals: at least 5 of 10 must contain the truth (binomial p ≈ 0.03 of failing
    # for a correct interval; the seed is fixed).
    assert inside.sum() >= 5
    assert np.max(np.abs(bf.fraction - truth)) < 0.03


def test_compare_pulls_and_chi2():
    rng = np.random.default_rng(2)
    f = 10 ** rng.uniform(-15, -13, 20000)
    p = stats.norm.cdf((np.log10(f) + 14) / 0.2)
    y = rng.random(f.size) < p
    bf = binned_fraction({"flux": f}, y, {"flux": 12})
    good = compare(bf, p)
    assert good.dof == 12
    assert 0.01 < good.pvalue
    # A model shifted by 0.05 dex is rejected.
    bad = compare(bf, stats.norm.cdf((np.log10(f) + 14.05) / 0.2))
    assert bad.pvalue < 1e-6
    # Parameter draws widen the expected spread.
    draws = np.stack([p, np.clip(p * 1.05, 0, 1), p * 0.95])
    wide = compare(bf, draws)
    assert np.all(wide.sd >= good.sd - 1e-12)
    with pytest.raises(SelfuncError, match="probabilities for"):
        compare(bf, p[:-1])
