"""A user's yt dataset through the pyxsim route (here a β-model written to a yt file)."""

import numpy as np
import pytest

from selfunc.config.models import Cosmology, GasConfig, GasModel
from selfunc.errors import SelfuncError
from selfunc.gas.photons import cluster_photons, yt_cosmology

RC_KPC, Z = 100.0, 0.2


@pytest.fixture(scope="module")
def beta_file(tmp_path_factory):
    """A 48³ uniform grid, 1.6 Mpc across, of a β = 2/3 model, saved as a yt grid dataset
    without species fields (so selfunc must supply the emission measure)."""
    import yt

    n, size = 48, 1600.0
    g = (np.arange(n) + 0.5) / n * size
    x, y, z = np.meshgrid(g, g, g, indexing="ij")
    r2 = ((x - 800) ** 2 + (y - 800) ** 2 + (z - 800) ** 2) / RC_KPC**2
    zero = (np.zeros((n,) * 3), "cm/s")
    data = {"density": (1e-27 * (1 + r2) ** -1.0, "g/cm**3"),
            "temperature": (np.full((n,) * 3, 4e7), "K"),
            "velocity_x": zero, "velocity_y": zero, "velocity_z": zero}
    ds = yt.load_uniform_grid(data, [n] * 3, length_unit="kpc", bbox=np.array([[0, size]] * 3))
    cg = ds.covering_grid(0, ds.domain_left_edge, [n] * 3)
    path = tmp_path_factory.mktemp("yt") / "beta.h5"
    return cg.save_as_dataset(str(path), fields=[("gas", f) for f in data])


def run(model, flux=1e-12):
    return cluster_photons(model, flux=flux, redshift=Z, core_radius=np.nan, kt=np.nan,
                           beta=2 / 3, truncation=10.0, position_angle=0.0,
                           gas_cfg=GasConfig(), band=(0.5, 2.0), cosmology_cfg=Cosmology(),
                           max_photon_flux=flux / 30_000, rng=np.random.default_rng(4))


@pytest.mark.slow
def test_user_dataset_gives_a_beta_profile_normalised_to_the_drawn_flux(beta_file):
    model = GasModel(name="user", kind="dataset", path=beta_file, center=(800, 800, 800),
                     redshift=Z, normal="x", radius=780.0, core_radius=30.0)
    ph = run(model)
    assert ph.flux.sum() == pytest.approx(1e-12, rel=0.03)  # the whole sphere is the flux
    d_a = yt_cosmology(Cosmology()).angular_diameter_distance(0.0, Z).to_value("kpc")
    rc = RC_KPC / d_a * 206264.8
    r = np.hypot(ph.xi, ph.eta) / rc
    assert abs(np.median(ph.xi)) < 0.05 * rc and abs(np.median(ph.eta)) < 0.05 * rc
    # Projected β = 2/3: F(<x) ∝ 1 − (1 + x²)^−½, so counts in [1, 2] r_c over [2, 4] r_c
    # is 1.27 (the sphere's edge at 7.8 r_c lowers [2, 4] r_c by ~3 %).
    ratio = np.sum((r > 1) & (r < 2)) / np.sum((r > 2) & (r < 4))
    assert ratio == pytest.approx(1.27 * 1.03, rel=0.07)


def test_missing_dataset_is_a_clear_error(tmp_path):
    model = GasModel(name="user", kind="dataset", path=str(tmp_path / "nope.h5"),
                     center=(0, 0, 0), redshift=Z, radius=100.0, core_radius=30.0)
    with pytest.raises(SelfuncError, match=r"population.gas.models.path.*nope.h5.*not found"):
        run(model)
