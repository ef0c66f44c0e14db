"""Cluster members: richness, luminosity function, m*(z), BCG, positions, colours."""

import numpy as np
import pytest
from scipy import integrate, stats

from selfunc.optical import members
from selfunc.optical.config import ClusterGalaxyConfig
from selfunc import scaling
from selfunc.scaling import astropy_cosmology

COSMO = astropy_cosmology()
MASS = 2e14
REDSHIFTS = (0.1, 0.3, 0.5, 0.8)
N = 300


def draw(cfg, z, n=N, mass=MASS, seed=0):
    return members.draw_clusters(np.random.default_rng(seed), np.full(n, mass), np.full(n, z),
                                 np.zeros(n), np.zeros(n), cfg, COSMO, depth=22.5)


def visible(mem, n, limit, band="red"):
    mag = mem["mag_r"] if band == "red" else mem["mag_b"]
    return np.bincount(mem["cluster"][mag < limit], minlength=n)


@pytest.mark.parametrize("alpha", [-1.3, -1.0, -0.7, 0.2])
def test_schechter_integral(alpha):
    num, _ = integrate.quad(lambda x: x**alpha * np.exp(-x), 0.01, 3.0)
    assert members.schechter_integral(0.01, 3.0, alpha) == pytest.approx(num, rel=1e-8)


def test_members_above_plate_limit_match_the_luminosity_function():
    """No scatter: the mean count brighter than R_F = 20.8 equals the analytic LF integral."""
    cfg = ClusterGalaxyConfig(richness_scatter=0.0, bcg_scatter=0.0)
    for z in REDSHIFTS:
        mem, _ = draw(cfg, z)
        n_vis = visible(mem, N, 20.8)
        expected = members.expected_members(MASS, z, 20.8, cfg, COSMO)[0]
        err = max(np.sqrt(expected / N), 0.01)
        print(f"z={z}: drawn {n_vis.mean():.2f}, LF {expected:.2f}")
        assert abs(n_vis.mean() - expected) < 4 * err, (z, n_vis.mean(), expected)


def test_visible_members_drop_steeply_with_redshift():
    cfg = ClusterGalaxyConfig()
    means = [visible(draw(cfg, z)[0], N, 20.8).mean() for z in REDSHIFTS]
    print("mean members with R_F < 20.8 at M500 = 2e14:",
          ", ".join(f"z={z}: {m:.1f}" for z, m in zip(REDSHIFTS, means)))
    assert means[0] > 2.5 * means[1] > 2.5 * 2 * means[2]
    assert means[1] > 10            # still a cluster on DSS2 at z = 0.3
    assert means[3] < 1.0           # gone by z = 0.8 (paper §5.1, §5.3: DSS to z ≈ 0.3)


def test_magnitudes_follow_the_schechter_shape():
    cfg = ClusterGalaxyConfig(richness_scatter=0.0, bcg_scatter=0.0)
    mem, summ = draw(cfg, 0.1, n=100)
    x = 10 ** (-0.4 * (mem["mag_r"][~mem["is_bcg"]] - summ["m_star_r"][0]))
    x_min = 10 ** (-0.4 * (22.5 - summ["m_star_r"][0]))
    x_bcg = 10 ** (0.4 * cfg.bcg_delta + 0.4 * cfg.bcg_mass_slope * np.log10(MASS / 1e14))
    cdf = lambda v: (members.schechter_integral(x_min, np.clip(v, x_min, x_bcg), cfg.lf_alpha)
                     / members.schechter_integral(x_min, x_bcg, cfg.lf_alpha))
    assert stats.kstest(x, cdf).pvalue > 0.01


@pytest.mark.slow
def test_richness_relation_and_scatter():
    cfg = ClusterGalaxyConfig()
    assert members.mean_richness(cfg.mass_pivot, cfg) == pytest.approx(60.0)
    _, summ = draw(cfg, 0.3, n=2000, mass=cfg.mass_pivot)
    lnl = np.log(summ["richness"])
    assert lnl.mean() == pytest.approx(np.log(60.0), abs=0.02)
    assert lnl.std() == pytest.approx(0.2, abs=0.015)


def test_bcg_is_central_bright_and_red():
    cfg = ClusterGalaxyConfig()
    mem, summ = draw(cfg, 0.2, n=400)
    brightest = np.array([np.argmin(np.where(mem["cluster"] == k, mem["mag_r"], np.inf)) for k in range(400)])
    assert np.mean(mem["is_bcg"][brightest]) > 0.95
    r500 = scaling.r500_mpc(MASS, 0.2, COSMO) * scaling.arcsec_per_mpc(0.2, COSMO)
    off = np.hypot(summ["bcg_xi"], summ["bcg_eta"]) / r500
    assert np.median(off) < 0.1
    assert np.mean(off > 0.2) == pytest.approx((1 - cfg.bcg_central_fraction) * np.exp(-0.5 * (0.2 / 0.25) ** 2), abs=0.05)
    colour = summ["mag_bcg_b"] - summ["mag_bcg_r"]
    assert np.median(colour) == pytest.approx(members.red_sequence_colour(0.2, cfg)
                                              + cfg.colour_tilt * (np.median(summ["mag_bcg_r"] - summ["m_star_r"])), abs=0.03)


def test_positions_follow_projected_nfw():
    cfg = ClusterGalaxyConfig()
    x_max = 4.0
    r = members.sample_projected_nfw(np.random.default_rng(1), 5000, x_max)
    assert r.max() <= x_max
    assert stats.kstest(r, lambda v: members.projected_nfw_cdf(v, x_max)).pvalue > 0.01
    # numerical check of the CDF: Σ_NFW(X) ∝ (1 − F(X)) / (X² − 1)
    def sigma(v):
        f = np.arccosh(1 / v) / np.sqrt(1 - v**2) if v < 1 else np.arccos(1 / v) / np.sqrt(v**2 - 1)
        return (1 - f) / (v**2 - 1) if abs(v - 1) > 1e-6 else 1 / 3
    tot = integrate.quad(lambda v: 2 * np.pi * v * sigma(v), 1e-6, x_max, points=[1.0])[0]
    part = integrate.quad(lambda v: 2 * np.pi * v * sigma(v), 1e-6, 1.5, points=[1.0])[0]
    assert members.projected_nfw_cdf(1.5, x_max) == pytest.approx(part / tot, rel=1e-3)
    assert cfg.concentration > 0


def test_blue_plate_differs_from_red():
    """Red-sequence members are B_J − R_F ≈ 1.7–2.4 redder: the blue plate loses clusters
    sooner even though it is 1.7 mag deeper."""
    cfg = ClusterGalaxyConfig()
    for z in (0.3, 0.5):
        mem, _ = draw(cfg, z)
        red = visible(mem, N, 20.8, "red").mean()
        blue = visible(mem, N, 22.5, "blue").mean()
        print(f"z={z}: red plate {red:.1f}, blue plate {blue:.1f}")
        assert blue < 0.85 * red
    mem, _ = draw(cfg, 0.3)
    colour = mem["mag_b"] - mem["mag_r"]
    assert np.median(colour) == pytest.approx(members.red_sequence_colour(0.3, cfg), abs=0.15)
    assert members.red_sequence_colour(0.5, cfg) > members.red_sequence_colour(0.1, cfg) + 0.5
