"""The thermal plasma table: linear in metallicity, lines where APEC has them."""

import numpy as np
import pytest

from selfunc.spectra import thermal


def _band(e, n, lo, hi):
    m = (e >= lo) & (e <= hi)
    return np.trapezoid((n * e)[m], e[m])


def test_metal_share_of_the_soft_band_grows_as_temperature_falls():
    e = np.geomspace(0.5, 2.0, 3000)
    share = []
    for t in (1.0, 2.0, 5.0):
        full, cont = thermal.photon_spectrum(e, t, 0.3), thermal.photon_spectrum(e, t, 0.0)
        share.append(1 - _band(e, cont, 0.5, 2.0) / _band(e, full, 0.5, 2.0))
    assert share[0] > share[1] > share[2] > 0.02


def test_iron_k_line_at_6_7_kev_in_a_hot_cluster():
    # Fe XXV K-alpha (6.70 keV) on a 5 keV continuum: the bins holding it stand well above
    # the neighbouring continuum, and the contrast grows with Z. (Not tested at Z = 0: the
    # linear extrapolation of the emulator keeps a residual line there, docs/physics.md §5.)
    e = thermal.grid()["energy"]
    line = np.argmin(abs(e - 6.70))
    side = np.r_[line - 40:line - 25, line + 25:line + 40]

    def contrast(z):
        s = thermal.photon_spectrum(e, 5.0, z)
        return s[line - 3:line + 4].max() / np.interp(e[line], e[side], s[side])

    assert contrast(0.3) > 3.0
    assert contrast(1.0) > 1.5 * contrast(0.3)


def test_temperature_outside_the_table_is_an_error():
    with pytest.raises(ValueError, match="temperature must be within"):
        thermal.photon_spectrum(1.0, 0.1, 0.3)
