"""ObservableSelection: P(selected | CR, HR, z) — calibration from a sample, model vs grid,
units, exports and out-of-range errors."""

import astropy.units as u
import numpy as np
import pytest
from astropy.table import Table

from selfunc.errors import SelfuncError
from selfunc.selection.observable import ObservableSelection

EDGES = dict(log10_rate_edges=np.linspace(-3.0, 0.0, 13), hr_edges=np.linspace(0.2, 1.4, 7),
             redshift_edges=np.linspace(0.0, 1.5, 7))


def truth_p(rate, hr, z):
    """A smooth selection: an erf step in log10 CR whose threshold rises with z and HR."""
    from scipy.special import ndtr

    return ndtr((np.log10(rate) - (-2.0 + 0.3 * z + 0.2 * (hr - 0.8))) / 0.25)


def sample(n, seed=0):
    rng = np.random.default_rng(seed)
    rate = 10 ** rng.uniform(-3, 0, n)
    hr = rng.uniform(0.2, 1.4, n)
    z = rng.uniform(0.0, 1.5, n)
    return rate, hr, z, rng.random(n) < truth_p(rate, hr, z)


@pytest.fixture(scope="module")
def calibrated():
    rate, hr, z, sel = sample(400_000)
    return ObservableSelection.from_sample(rate, hr, z, sel, **EDGES)


def test_binned_calibration_recovers_the_selection_within_its_errors(calibrated):
    s = calibrated
    lr, h, z = np.meshgrid(*s.axes.values(), indexing="ij")
    # the cell's mean of the true P (fine sub-grid) vs the estimate, in posterior sigmas
    sub = np.linspace(-0.4375, 0.4375, 8)  # 8 midpoints per axis across a cell
    dl, dh, dz = (np.diff(e)[0] for e in (EDGES["log10_rate_edges"], EDGES["hr_edges"],
                                        EDGES["redshift_edges"]))
    mean_p = np.zeros(lr.shape)
    for a in sub:
        for b in sub:
            for c in sub:
                mean_p += truth_p(10 ** (lr + a * dl), h + b * dh, z + c * dz)
    mean_p /= sub.size ** 3
    sigma = 0.5 * (s.tables["q84"] - s.tables["q16"])
    pull = (s.tables["median"] - mean_p) / np.maximum(sigma, 1e-3)
    assert np.all(s.n > 0)
    assert abs(np.mean(pull)) < 0.2 and 0.7 < np.std(pull) < 1.3


def test_model_and_grid_evaluations_agree(calibrated):
    s = calibrated
    # at the nodes the interpolation is the table itself
    lr, h, z = np.meshgrid(*s.axes.values(), indexing="ij")
    np.testing.assert_allclose(s.completeness(10 ** lr, h, z), s.tables["median"], rtol=0, atol=1e-12)
    # grid=True equals the broadcast point evaluation, and the exported FITS table holds the nodes
    r = np.geomspace(0.005, 0.5, 7)
    hh = np.linspace(0.4, 1.2, 5)
    zz = np.linspace(0.2, 1.3, 4)
    g = s.completeness(r, hh, zz, grid=True)
    assert g.shape == (7, 5, 4)
    np.testing.assert_array_equal(g, s.completeness(r[:, None, None], hh[None, :, None], zz[None, None, :]))
    # trilinear interpolation of a linear function of (log10 CR, HR, z) is exact
    lin = ObservableSelection(*s.axes.values(), 0.1 * lr + 0.2 * h + 0.05 * z)
    x = (np.log10(r)[:, None, None], hh[None, :, None], zz[None, None, :])
    np.testing.assert_allclose(lin.completeness(r, hh, zz, grid=True),
                               0.1 * x[0] + 0.2 * x[1] + 0.05 * x[2], rtol=1e-12)


def test_exports_and_hdf5_round_trip(calibrated, tmp_path):
    s = calibrated
    s.save(tmp_path / "sf.h5")
    back = ObservableSelection.load(tmp_path / "sf.h5")
    np.testing.assert_array_equal(back.tables["median"], s.tables["median"])
    np.testing.assert_array_equal(back.n, s.n)
    for ext in (".fits", ".h5"):
        path = s.export(tmp_path / f"grid{ext}")
        t = Table.read(path, **({} if ext == ".fits" else dict(path="crhrz")))
        assert t["RATE"].unit == 1 / u.s
        np.testing.assert_allclose(s.completeness(np.asarray(t["RATE"]), np.asarray(t["HR"]),
                                                  np.asarray(t["Z"])),
                                   np.asarray(t["P_MEDIAN"]), rtol=0, atol=1e-9)


def test_units_are_checked(calibrated):
    s = calibrated
    p = s.completeness(0.02, 0.8, 0.5)
    assert s.completeness(20.0 * u.ct / u.ks, 0.8, 0.5) == pytest.approx(p, rel=1e-12)
    assert s.completeness(0.02 / u.s, 0.8 * u.one, 0.5) == pytest.approx(p, rel=1e-12)
    with pytest.raises(SelfuncError, match="rate: unit 'erg / s' is not convertible"):
        s.completeness(0.02 * u.erg / u.s, 0.8, 0.5)
    with pytest.raises(SelfuncError, match="redshift: unit 'deg'"):
        s.completeness(0.02, 0.8, 0.5 * u.deg)


def test_out_of_range_names_the_axis_and_range(calibrated):
    s = calibrated
    with pytest.raises(SelfuncError, match=r"rate .* = 2 1/s .* outside the simulated range "
                                           r"\[0.00133352, 0.749894\] 1/s"):
        s.completeness(2.0, 0.8, 0.5)
    with pytest.raises(SelfuncError, match=r"hr .* = 1.5 is outside the simulated range \[0.3, 1.3\]"):
        s.completeness(0.02, 1.5, 0.5)
    with pytest.raises(SelfuncError, match=r"redshift = 1.49 is outside .* \[0.125, 1.375\]"):
        s.completeness([0.02, 0.03], 0.8, [0.5, 1.49])
