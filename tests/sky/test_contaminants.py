"""Contaminants as X-CLASS sees them (docs/physics.md §8): the optical counterparts of X-ray
stars, nearby galaxies and AGN, against their cited references and independent paths."""

import numpy as np
import pytest

from selfunc import scaling
from selfunc.config.models import NearbyGalaxyConfig, PopulationConfig, StarConfig
from selfunc.config.optical import OpticalConfig
from selfunc.optical.catalogue import draw_catalogue
from selfunc.pointing import rng_for
from selfunc.sky.draw import draw, nearby_galaxy_optics

C_KMS = 299792.458
PC_CM = 3.0857e18


def log_fx_fr(table, mask):
    """log(f_X/f_R) = log f_X + m_R/2.5 + 5.5 (the definition sky.draw states)."""
    return np.log10(np.asarray(table["flux"])[mask]) + np.asarray(table["mag_r"])[mask] / 2.5 + 5.5


def sky(n, pop, glat=60.0):
    from helpers import spec

    return [draw(spec(id=i, glat=glat), pop, 15.0, rng_for(9, i, "sky")) for i in range(n)]


def test_star_ratios_are_the_rass_coronal_range_in_our_bands():
    """RASS solar-type coronal sources: −5 < log(f_X/f_V) < −1.8 (0.1–2.4 keV; A&AS 1998,
    ds6453 §5). In 0.5–2 keV (half the 0.1–2.4 keV flux of a 0.3–1 keV corona) and R_F
    (V − R ≈ 0.6 for G–M dwarfs, with f_R's zero point 5.5 against f_V's 5.37):
    log(f_X/f_R) = log(f_X/f_V) − 0.30 − 0.6/2.5 + 0.13 ≈ ratio − 0.4 [A], −5.4 … −2.2."""
    pop = PopulationConfig(stars=StarConfig(density_at_pole=200.0))
    tables = sky(20, pop)
    r = np.concatenate([log_fx_fr(t, np.asarray(t["kind"]) == "star") for t in tables])
    assert r.size > 500
    lo, hi = -5.0 - 0.4, -1.8 - 0.4
    assert lo - 1e-9 <= r.min() and r.max() <= hi + 1e-9
    assert r.min() < lo + 0.1 and r.max() > hi - 0.2  # the whole range is used
    # so an X-ray star bright enough to be a C1/C2 contaminant (≥ 10⁻¹³) is R_F < 13.3:
    # saturated on DSS2 (R_F ≲ 15–16 saturate, docs/optical.md)
    flux = np.concatenate([np.asarray(t["flux"])[np.asarray(t["kind"]) == "star"] for t in tables])
    mag = np.concatenate([np.asarray(t["mag_r"])[np.asarray(t["kind"]) == "star"] for t in tables])
    assert mag[flux > 1e-13].max() < 2.5 * (hi + 13 - 5.5)


def test_nearby_galaxy_light_follows_lx_lb_by_an_independent_path():
    """At z = 0.01 (Hubble law, 1 % from the exact distances) a galaxy of 10⁻¹⁴ erg s⁻¹ cm⁻²
    and log(L_X/L_B) = 29.7 has L_B = 4πD²f / 10^29.7 and m_B = M_B☉ − 2.5 log L_B + 5 log(D/10 pc)."""
    ng = NearbyGalaxyConfig()
    cosmo = scaling.astropy_cosmology(PopulationConfig().mass_function.cosmology)
    z, f = 0.01, 1e-14
    mag, radius = nearby_galaxy_optics(np.array([f]), np.array([z]), np.array([29.7]), ng, cosmo)
    d_pc = C_KMS * z / cosmo.H0.value * 1e6  # Mpc → pc
    lb = 4 * np.pi * (d_pc * PC_CM) ** 2 * f / 10**29.7
    m_b = 5.48 - 2.5 * np.log10(lb) + 5 * np.log10(d_pc / 10.0)
    assert mag[0] == pytest.approx(m_b - 1.3, abs=0.03)
    r25 = 10.0 * (lb / 1e10) ** 0.5  # kpc
    assert radius[0] == pytest.approx(r25 / (d_pc / 1e3) * 206264.8, rel=0.03)
    # A linear L_X–L_B is a fixed log(f_X/f_B): ≈ −3.3 for these galaxies, below the
    # log(f_X/f_opt) < −2 of X-ray-selected normal galaxies (Georgakakis et al. 2006)
    assert np.log10(f) + m_b / 2.5 + 5.37 < -2.0


def test_nearby_galaxies_are_bright_and_large_on_dss2():
    pop = PopulationConfig(nearby_galaxies=NearbyGalaxyConfig(per_pointing=5.0))
    tables = sky(30, pop)
    g = [t[np.asarray(t["kind"]) == "nearby_galaxy"] for t in tables]
    mag = np.concatenate([np.asarray(t["mag_r"]) for t in g])
    rad = np.concatenate([np.asarray(t["optical_radius"]) for t in g])
    assert mag.size > 100
    # 1σ of 0.4 dex in L_X/L_B is 1 mag: 95 % brighter than the DSS2 limit by > 4 mag
    assert np.quantile(mag, 0.95) < 20.8 - 4.0
    assert np.median(rad) > 15.0  # several seeing discs (2.5″): extended on the plate


def test_agn_redshifts_are_those_of_x_ray_surveys():
    """Brandt & Hasinger 2005 §2.3: most AGN of deep X-ray surveys have z ≈ 0–2."""
    pop = PopulationConfig()
    tables = sky(6, pop)
    z = np.concatenate([np.asarray(t["redshift"])[np.isin(np.asarray(t["kind"]), ("agn", "double"))]
                        for t in tables])
    assert z.size > 500 and np.isfinite(z).all() and (z > 0).all()
    assert np.mean(z < 2.0) > 0.93
    assert np.median(z) == pytest.approx(0.88, abs=0.08)  # Gamma(3, 0.33)
    ratio = np.concatenate([log_fx_fr(t, np.asarray(t["kind"]) == "agn") for t in tables])
    assert np.mean(np.abs(ratio) < 1.0) == pytest.approx(0.954, abs=0.03)  # −1 … +1 at 2σ


def test_agn_hosts_are_galaxies_under_the_nucleus_seen_at_their_redshift():
    from helpers import spec

    pop = PopulationConfig()
    s = spec(id=0, glat=60.0)
    truth = draw(s, pop, 15.0, rng_for(4, 0, "sky"))
    cfg = OpticalConfig()
    cosmo = scaling.astropy_cosmology(pop.mass_function.cosmology)
    src, _ = draw_catalogue(s, truth, cfg, rng_for(4, 0, "optical"), cosmo,
                            pop.mass_function.scaling)
    host = src["kind"] == "agn_host"
    assert host.sum() > 10
    row = {int(i): k for k, i in enumerate(np.asarray(truth["id"]))}
    rows = np.array([row[int(i)] for i in src["truth_id"][host]])
    assert set(np.asarray(truth["kind"])[rows]) <= {"agn", "double"}  # not central AGN
    z = np.asarray(truth["redshift"])[rows]
    assert np.array_equal(src["redshift"][host], z)
    # the nucleus's position
    nucleus = src["kind"] == "agn"
    pos = {int(i): (x, e) for i, x, e in zip(src["truth_id"][nucleus], src["xi"][nucleus],
                                             src["eta"][nucleus])}
    for i, x, e in zip(src["truth_id"][host], src["xi"][host], src["eta"][host]):
        assert (x, e) == pos[int(i)]
    # M_R = m − DM − K_E + Q z averages to the configured −21.7 (σ 0.6; only hosts above the
    # depth are kept, a bias toward bright ones at high z: test z < 0.5)
    c = cfg.clusters
    absolute = (src["mag_r"][host] - cosmo.distmod(z).value - (c.kcorr_r[0] * z + c.kcorr_r[1] * z**2)
                + c.evolution_r * z)
    low = z < 0.5
    assert low.sum() >= 3
    assert np.all(np.abs(absolute[low] + 21.7) < 4 * 0.6)
    # at z < 0.3 an L* host is brighter than the DSS2 limit: the AGN looks like a galaxy
    m_lstar = (-21.7 + cosmo.distmod(0.3).value + c.kcorr_r[0] * 0.3 + c.kcorr_r[1] * 0.09
               - c.evolution_r * 0.3)
    assert m_lstar < 20.8


def test_without_agn_redshifts_there_are_no_hosts():
    """A truth table of another origin (AGN redshift NaN) gets no hosts, as before."""
    from helpers import spec

    pop = PopulationConfig()
    s = spec(id=1, glat=60.0)
    truth = draw(s, pop, 15.0, rng_for(4, 1, "sky"))
    agn = np.isin(np.asarray(truth["kind"]), ("agn", "double"))
    truth["redshift"][agn] = np.nan
    cosmo = scaling.astropy_cosmology(pop.mass_function.cosmology)
    src, _ = draw_catalogue(s, truth, OpticalConfig(), rng_for(4, 1, "optical"), cosmo,
                            pop.mass_function.scaling)
    assert not np.any(src["kind"] == "agn_host")
