"""Vignetting: the analytic default and the CCF XAREAEF loader."""

import numpy as np
import pytest
from astropy.io import fits

from selfunc.errors import SelfuncError
from selfunc.xray import vignetting


def test_analytic_default_matches_the_approximate_calibration_points():
    v = vignetting.analytic()
    assert v(1.5, 0.0) == pytest.approx(1.0)
    # xmm_facts §3 [A] at 1.5 keV: ≈0.85-0.9 at 5', 0.6-0.7 at 10', 0.45-0.55 at 15'.
    assert 0.85 <= v(1.5, 5.0) <= 0.9
    assert 0.6 <= v(1.5, 10.0) <= 0.7
    assert 0.45 <= v(1.5, 15.0) <= 0.55
    assert np.all(np.diff(v(1.5, np.linspace(0, 20, 50))) < 0)
    assert v(6.0, 10.0) < v(1.5, 10.0)  # steeper at high energy


def write_ccf(path, d_theta=1.0):
    energy = np.array([500.0, 1500.0, 5000.0])
    theta = np.arange(0, 16) * d_theta
    factors = np.stack([np.exp(-theta / s) for s in (30.0, 20.0, 10.0)]).astype(np.float32)
    cols = fits.ColDefs([fits.Column(name="ENERGY", format="E", array=energy),
                         fits.Column(name="VIGNETTING_FACTOR", format="16E", array=factors)])
    hdu = fits.BinTableHDU.from_columns(cols, name="VIGNETTING")
    hdu.header["D_THETA"] = d_theta
    fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(path)
    return theta, factors


def test_xareaef_loader_reads_the_ccf_layout(tmp_path):
    path = tmp_path / "XRT3_XAREAEF_0001.CCF"
    theta, factors = write_ccf(path)
    v = vignetting.from_xareaef(path)
    assert v(1.5, 7.0) == pytest.approx(np.exp(-7.0 / 20.0), rel=1e-6)
    assert v(1.0, 7.0) == pytest.approx(0.5 * (np.exp(-7 / 30) + np.exp(-7 / 20)), rel=1e-6)


def test_xareaef_loader_errors_name_the_problem(tmp_path):
    with pytest.raises(SelfuncError, match="not found"):
        vignetting.from_xareaef(tmp_path / "absent.ccf")
    bad = tmp_path / "bad.ccf"
    fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU.from_columns(
        [fits.Column(name="ENERGY", format="E", array=[1.0])], name="VIGNETTING")]).writeto(bad)
    with pytest.raises(SelfuncError, match="VIGNETTING_FACTOR"):
        vignetting.from_xareaef(bad)
    other = tmp_path / "other.fits"
    fits.PrimaryHDU(np.zeros(3)).writeto(other)
    with pytest.raises(SelfuncError, match="no 'VIGNETTING' extension"):
        vignetting.from_xareaef(other)


def test_instrument_config_uses_the_ccf_when_given(tmp_path):
    from selfunc.config.models import InstrumentConfig, VignettingConfig
    from selfunc.xray.observe import vignetting_tables
    path = tmp_path / "XRT1_XAREAEF.CCF"
    write_ccf(path)
    inst = InstrumentConfig(cameras=("mos1",),
                            vignetting=VignettingConfig(model="xareaef", files={"mos1": str(path)}))
    tables = vignetting_tables(inst)
    assert tables["mos1"].source == str(path)
    # No silent fallback: every camera needs its file.
    import pydantic
    with pytest.raises(pydantic.ValidationError, match="needs a file for camera"):
        InstrumentConfig(vignetting=VignettingConfig(model="xareaef", files={"mos1": str(path)}))
