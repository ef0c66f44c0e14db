"""SurveySelection: P(selected | M500, z) of a survey on a grid, for cosmology codes."""

import numpy as np
import pytest
from astropy.io import fits
import astropy.units as u

from selfunc import scaling
from selfunc.config.models import ClusterMassFunction, Cosmology, ScalingRelations
from selfunc.errors import SelfuncError
from selfunc.selection.function import SelectionFunction
from selfunc.selection.massz import selection_mz
from selfunc.selection.models import completeness_model
from selfunc.selection.survey import SurveySelection, offaxis_nodes

from .conftest import TRUE_C1, theta_of

REL = ScalingRelations()
COSMO_CFG = Cosmology()
COSMO = scaling.astropy_cosmology(COSMO_CFG)


@pytest.fixture(scope="module")
def sf():
    m = completeness_model()
    th = theta_of(m, TRUE_C1)
    rng = np.random.default_rng(0)
    return SelectionFunction(m, th + 0.02 * rng.standard_normal((200, m.ndim)))


@pytest.fixture(scope="module")
def survey(sf):
    return SurveySelection.build(sf, relations=REL, cosmology=COSMO_CFG,
                                 exposures=[1e4] * 3 + [2e4], max_offaxis=13.0,
                                 log10_mass=np.linspace(13.3, 15.3, 21),
                                 redshift=np.linspace(0.05, 1.2, 24), draws=30)


def test_offaxis_nodes_are_equal_area_rings():
    th, w = offaxis_nodes(13.0, 8)
    assert w.sum() == pytest.approx(1.0)
    # mean of θ² over a uniform disc is R²/2: exact for equal-area ring midpoints in θ².
    assert np.sum(w * th**2) == pytest.approx(13.0**2 / 2)


def test_grid_nodes_equal_the_direct_survey_average(sf, survey):
    """At the nodes, the table equals selection_mz averaged over the exposures (3:1) and a
    uniform disc of off-axis angles, computed here by brute force (32 rings)."""
    lm, z = survey.log10_mass[::5], survey.redshift[::6]
    th = 13.0 * np.sqrt((np.arange(32) + 0.5) / 32)   # 32 equal-area rings
    cond = {"exposure": np.repeat([1e4, 2e4], 32), "offaxis": np.tile(th, 2)}
    w = np.repeat([3.0, 1.0], 32)
    direct = selection_mz(sf, 10 ** lm[:, None], z[None, :], cosmology=COSMO, relations=REL,
                          n_nodes=8, conditions=cond, weights=w,
                          mass_function=ClusterMassFunction(cosmology=COSMO_CFG, scaling=REL))
    got = survey.completeness(10**lm, z, grid=True)
    assert np.all((direct > 0.0) & (direct < 1.0))
    np.testing.assert_allclose(got, direct, atol=5e-3)
    assert (direct > 0.5).any() and (direct < 0.2).any()


def test_between_nodes_interpolation_is_close_and_quantiles_bracket(survey, sf):
    m = np.geomspace(3e13, 8e14, 7)
    z = np.array([0.1, 0.33, 0.71])
    p = survey(m, z, grid=True)
    lo, hi = survey(m, z, grid=True, table="q16"), survey(m, z, grid=True, table="q84")
    assert np.all(lo <= p + 1e-9) and np.all(p <= hi + 1e-9) and np.any(hi - lo > 1e-3)
    # Monotone in mass at fixed redshift.
    assert np.all(np.diff(p, axis=0) >= -1e-3)
    # Quantity masses; broadcasting.
    np.testing.assert_array_equal(survey(m * u.Msun, 0.33), survey(m, 0.33))


def test_out_of_range_names_the_axis(survey):
    with pytest.raises(SelfuncError, match=r"redshift = 2 is outside .*\[0.05, 1.2\]"):
        survey(1e14, 2.0)
    with pytest.raises(SelfuncError, match="mass"):
        survey(1e16, 0.3)
    with pytest.raises(SelfuncError, match="table"):
        survey(1e14, 0.3, table="q50")


def test_save_load_export_round_trip(survey, tmp_path):
    path = tmp_path / "sel.h5"
    survey.save(path)
    with pytest.raises(SelfuncError, match="exists"):
        survey.save(path)
    back = SurveySelection.load(path)
    for k in ("median", "q16", "q84"):
        np.testing.assert_array_equal(back.tables[k], survey.tables[k])
    assert back.meta["relations"]["mt_slope"] == REL.mt_slope
    out = survey.export(tmp_path / "grid.fits")
    with fits.open(out) as h:
        d = h[1].data
        assert h[1].columns["M500"].unit == "solMass"
        assert len(d) == survey.log10_mass.size * survey.redshift.size
        # The flat table reproduces the evaluator at its nodes.
        np.testing.assert_allclose(d["P_MEDIAN"], survey(d["M500"], d["Z"]), atol=1e-12)
    survey.export(tmp_path / "grid.h5")
    with pytest.raises(SelfuncError, match="fits or .h5"):
        survey.export(tmp_path / "grid.csv")


def test_posterior_draws_are_kept_and_their_quantiles_are_the_tables(survey, tmp_path):
    d = survey.draws
    assert d.shape == (30, 21, 24)
    np.testing.assert_allclose(np.quantile(d, 0.16, axis=0), survey.tables["q16"], atol=1e-12)
    m, z = survey.log10_mass[[2, 7]], survey.redshift[[3, 5, 9]]
    got = survey.completeness_draws(10**m, z)
    np.testing.assert_allclose(got, d[:, [2, 7]][:, :, [3, 5, 9]], atol=1e-12)
    path = tmp_path / "sel.h5"
    survey.save(path)
    np.testing.assert_array_equal(SurveySelection.load(path).draws, d)
    with pytest.raises(SelfuncError, match="redshift"):
        survey.completeness_draws([1e14], [2.0])
    bare = SurveySelection(survey.log10_mass, survey.redshift, survey.tables["median"])
    with pytest.raises(SelfuncError, match="no posterior draws"):
        bare.completeness_draws([1e14], [0.3])
