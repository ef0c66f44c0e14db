"""Built-in 3-D models: profiles and the morphology of their photons."""

import numpy as np
import pytest

from selfunc.config.models import CoolCore, Cosmology, GasConfig, GasModel, Substructure
from selfunc.gas import profiles
from selfunc.gas.photons import cluster_photons

FAST = GasConfig(cells=16, levels=4)  # small grids: morphology, not resolution, is tested


def photons(model, pa=0.0, flux=1e-12, rc=20.0, seed=0):
    return cluster_photons(model, flux=flux, redshift=0.2, core_radius=rc, kt=4.0, beta=2 / 3,
                           truncation=10.0, position_angle=pa, gas_cfg=FAST, band=(0.5, 2.0),
                           cosmology_cfg=Cosmology(), max_photon_flux=flux / 20_000,
                           rng=np.random.default_rng(seed))


def test_gnfw_with_flat_core_and_alpha_2_is_the_beta_model():
    r = np.geomspace(0.01, 30, 50)
    beta = GasModel(name="b")
    gnfw = GasModel(name="g", density="gnfw", gnfw_inner=0.0, gnfw_alpha=2.0)
    np.testing.assert_allclose(profiles.density(r, 0 * r, 0 * r, gnfw, 0.7),
                               profiles.density(r, 0 * r, 0 * r, beta, 0.7), rtol=1e-12)
    cusp = GasModel(name="c", density="gnfw", gnfw_inner=1.0)
    inner = profiles.density(np.array([0.01, 0.02]), 0, 0, cusp, 0.7)
    assert inner[0] / inner[1] == pytest.approx(2.0, rel=0.02)  # n ∝ r^−γ inside r_s


def test_cool_core_temperature_and_density():
    cc = GasModel(name="cc", cool_core=CoolCore(t_min=0.4, r_cool=1.0, density_ratio=3.0))
    t = profiles.temperature(np.array([0.0, 1.0, 30.0]), 0, 0, cc, 2 / 3, 5.0)
    assert t[0] == pytest.approx(2.0)  # t_min × T at the centre
    assert t[1] == pytest.approx(5.0 * 1.4 / 2)  # half-way at r_cool
    assert t[2] == pytest.approx(5.0, rel=0.01)
    n0 = profiles.density(0.0, 0.0, 0.0, cc, 2 / 3)
    assert n0 == pytest.approx(np.sqrt(1 + 9))


@pytest.mark.slow
def test_photon_fluxes_sum_to_the_drawn_flux_inside_the_aperture():
    ph = photons(GasModel(name="s"))
    inside = np.hypot(ph.xi, ph.eta) <= 200.0
    n = inside.sum()
    assert ph.flux[inside].sum() == pytest.approx(1e-12, rel=4 / np.sqrt(n))


@pytest.mark.slow
def test_merger_substructure_shifts_the_centroid_along_its_position_angle():
    merger = GasModel(name="m", substructure=Substructure(offset=3.0, density_ratio=0.7,
                                                          core_radius=0.7))
    for pa in (0.0, 90.0):
        ph = photons(merger, pa=pa)
        r = np.hypot(ph.xi, ph.eta) < 200
        cx, cy = ph.xi[r].mean(), ph.eta[r].mean()
        along = cx * np.sin(np.radians(pa)) + cy * np.cos(np.radians(pa))
        across = -cx * np.cos(np.radians(pa)) + cy * np.sin(np.radians(pa))
        # The clump sits 3 r_c = 60" out along the position angle: the centroid follows.
        assert along > 10.0
        assert abs(across) < 3.0


@pytest.mark.slow
def test_ellipsoid_axis_ratio_shows_in_the_projected_moments():
    flat = GasModel(name="e", axis_ratio=(0.5, 1.0))
    ph = photons(flat, pa=90.0)  # long (x) axis to the east
    r = np.hypot(ph.xi, ph.eta) < 60
    ratio = np.std(ph.eta[r]) / np.std(ph.xi[r])
    assert 0.4 < ratio < 0.75
    sph = photons(GasModel(name="s"), pa=90.0)
    r = np.hypot(sph.xi, sph.eta) < 60
    assert np.std(sph.eta[r]) / np.std(sph.xi[r]) == pytest.approx(1.0, abs=0.05)
