"""Galactic photoelectric absorption (Morrison & McCammon 1983)."""

import ecfxa  # test dependency (pyproject [test]): ECFs through the real EPIC responses
import numpy as np
import pytest

from selfunc.spectra import absorption, agn_ecf


def test_cross_section_at_1kev_is_the_table_value():
    # MM83 Table 2, 0.867-1.303 keV: (120.6 + 169.3 E - 47.7 E^2) E^-3 1e-24 cm^2 at E = 1.
    assert absorption.cross_section(1.0) == pytest.approx(2.422e-22, rel=1e-4)
    # 0.532-0.707 keV range at 0.6 keV: (95.5 + 145.8 E - 61.1 E^2) E^-3 1e-24 cm^2
    assert absorption.cross_section(0.6) == pytest.approx(7.453e-22, rel=1e-3)
    # the O K edge at 0.532 keV: sigma rises across it
    below, above = absorption.cross_section([0.5319, 0.5321])
    assert above > 1.5 * below


@pytest.mark.parametrize("nh", [3e20, 1e21, 3e21])
def test_band_transmission_matches_xspec_phabs(nh):
    # Independent reference: ecfxa (Ruiz 2024) folds XSPEC phabs (Balucinska-Church &
    # McCammon cross-sections, Anders & Grevesse abundances) through the real pn responses;
    # its ECF per unabsorbed over per absorbed flux is the energy-weighted transmission of
    # a Gamma = 1.7 power law in 0.5-2 keV.
    ref = ecfxa.XMMEPIC("EPN", "Thin", eband="SOFT")
    t_ref = (ref(nh, 1.7, abscorr=True) / ref(nh, 1.7)).value
    ours = agn_ecf("pn", 1.7, nh) / agn_ecf("pn", 1.7, nh, flux="observed")
    assert ours == pytest.approx(t_ref, rel=0.01)


def test_bad_input_names_what_is_wrong():
    with pytest.raises(ValueError, match="energy must be"):
        absorption.cross_section(0.01)
    with pytest.raises(ValueError, match="nh must be"):
        absorption.transmission(1.0, -1.0)
    assert absorption.transmission(np.array([0.5, 1.0]), 0.0).tolist() == [1.0, 1.0]
