import warnings

import astropy.units as u
import h5py
import numpy as np
import pytest

from selfunc.errors import SelfuncError
from selfunc.selection.fitting import ConvergenceWarning, fit
from selfunc.selection.function import SelectionFunction
from selfunc.selection.models import completeness_model, purity_model
from selfunc.rules import Selection

from .conftest import TRUE_C1, draw_clusters, theta_of


@pytest.fixture(scope="module")
def sf():
    rng = np.random.default_rng(21)
    m = completeness_model()
    vals = draw_clusters(1500, rng)
    y = m.simulate(theta_of(m, TRUE_C1), vals, rng)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        post = fit(m, vals, y, rng=rng)
    return SelectionFunction.from_posterior(
        post, values=vals, selection=Selection.from_string("C1"),
        grid_shape={"flux": 30, "core_radius": 8, "exposure": 3, "offaxis": 6},
        provenance={"campaign": "synthetic", "seed": 21, "nested": {"a": [1, 2.5]}})


def _walk(group):
    """Every dataset and attribute under an HDF5 group, by path."""
    out = {}

    def visit(name, obj):
        out[name] = (obj[()] if isinstance(obj, h5py.Dataset) else None, dict(obj.attrs))
    group.visititems(visit)
    out["."] = (None, dict(group.attrs))
    return out


def _assert_same(a: dict, b: dict):
    assert a.keys() == b.keys()
    for k in a:
        (da, aa), (db, ab) = a[k], b[k]
        if da is not None:
            assert da.dtype == db.dtype and np.array_equal(da, db, equal_nan=True), k
        assert aa.keys() == ab.keys(), k
        for key in aa:
            assert np.array_equal(aa[key], ab[key]), (k, key)


def test_hdf5_round_trip_is_bit_for_bit(sf, tmp_path):
    p1, p2 = tmp_path / "a.h5", tmp_path / "b.h5"
    sf.save(p1)
    back = SelectionFunction.load(p1)
    # In memory: every array identical (including NaN-free float bits), records equal.
    for name in ("samples", "log_prob", "map", "median_parameters"):
        a, b = getattr(sf, name), getattr(back, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name
    for t in ("median", "q16", "q84"):
        assert np.array_equal(getattr(sf.grid, t), getattr(back.grid, t))
    for na, nb in zip(sf.grid.nodes, back.grid.nodes):
        assert np.array_equal(na, nb)
    assert back.model == sf.model and back.selection == sf.selection
    assert back.provenance == sf.provenance and back.diagnostics == sf.diagnostics
    # On disk: saving the loaded object writes the same datasets and attributes.
    back.save(p2)
    with h5py.File(p1) as f1, h5py.File(p2) as f2:
        _assert_same(_walk(f1["completeness"]), _walk(f2["completeness"]))
    # And it evaluates identically.
    x = dict(flux=np.geomspace(5e-15, 2e-13, 50), core_radius=30.0, exposure=1e4, offaxis=4.0)
    assert np.array_equal(sf(**x), back(**x))
    assert np.array_equal(sf(**x, draws=7), back(**x, draws=7))
    assert np.array_equal(sf(**x, grid="q84"), back(**x, grid="q84"), equal_nan=True)


def test_groups_and_overwrite(sf, tmp_path):
    path = tmp_path / "sel.h5"
    sf.save(path)
    with pytest.raises(SelfuncError, match="already holds 'completeness'.*overwrite"):
        sf.save(path)
    sf.save(path, overwrite=True)
    sf.save(path, name="other")
    assert sorted(SelectionFunction.names(path)) == ["completeness", "other"]
    with pytest.raises(SelfuncError, match="no selection function 'purity'.*completeness"):
        SelectionFunction.load(path, "purity")
    with pytest.raises(SelfuncError, match="no such file"):
        SelectionFunction.load(tmp_path / "nope.h5")
    (tmp_path / "junk.h5").write_text("not hdf5")
    with pytest.raises(SelfuncError, match="not an HDF5 file"):
        SelectionFunction.load(tmp_path / "junk.h5")


def test_evaluation_shapes_units_and_draws(sf):
    f = np.geomspace(5e-15, 2e-13, 20)
    rc = np.array([8.0, 20.0, 60.0])
    p = sf(flux=f[:, None], core_radius=rc[None, :], exposure=2e4, offaxis=5.0)
    assert p.shape == (20, 3)
    q = sf(flux=f[:, None] * u.erg / u.s / u.cm**2, core_radius=(rc * u.arcsec).to(u.arcmin),
           exposure=20 * u.ks, offaxis=300 * u.arcsec)
    np.testing.assert_allclose(p, q, rtol=1e-12)
    # Same as the model at the posterior-median parameters.
    direct = sf.model.probability(np.median(sf.samples, axis=0),
                                  dict(flux=f[:, None], core_radius=rc, exposure=2e4, offaxis=5.0))
    assert np.array_equal(p, direct)
    # redshift is not in the model: accepted, and broadcast into the shape.
    pz = sf(flux=f[:, None], core_radius=rc, exposure=2e4, offaxis=5.0,
            redshift=np.zeros((4, 1, 1)))
    assert pz.shape == (4, 20, 3) and np.array_equal(pz[2], p)
    d = sf(flux=f, core_radius=20.0, exposure=1e4, offaxis=5.0, draws=50)
    assert d.shape == (50, 20)
    d2 = sf(flux=f, core_radius=20.0, exposure=1e4, offaxis=5.0, draws=5000,
            rng=np.random.default_rng(0))
    assert d2.shape == (5000, 20)
    # Posterior spread is real and the median curve sits inside it.
    lo, hi = np.percentile(d, [5, 95], axis=0)
    p0 = sf(flux=f, core_radius=20.0, exposure=1e4, offaxis=5.0)
    assert np.all(hi - lo > 0) and np.all((p0 >= lo - 1e-3) & (p0 <= hi + 1e-3))
    q16, q50, q84 = sf.quantiles(flux=f, core_radius=20.0, exposure=1e4, offaxis=5.0)
    assert np.all(q16 <= q50) and np.all(q50 <= q84)


def test_grid_agrees_with_the_analytic_model_inside_and_is_nan_outside(sf):
    rng = np.random.default_rng(4)
    n = 20000
    x = dict(flux=10 ** rng.uniform(np.log10(6e-15), np.log10(1.9e-13), n),
             core_radius=10 ** rng.uniform(np.log10(6), np.log10(110), n),
             exposure=rng.uniform(1e4, 2e4, n), offaxis=rng.uniform(0.5, 12.5, n))
    g = sf(**x, grid=True)
    a = sf(**x)
    # The grid holds the posterior median of P, the analytic value is P at the median
    # parameters, and the grid is coarse (30 × 8 × 3 × 6): they agree to a few per cent.
    assert np.all(np.isfinite(g))
    assert np.max(np.abs(g - a)) < 0.06 and np.mean(np.abs(g - a)) < 0.01
    lo, hi = sf(**x, grid="q16"), sf(**x, grid="q84")
    assert np.all(lo <= g + 1e-12) and np.all(g <= hi + 1e-12)
    out = sf(flux=1e-16, core_radius=20.0, exposure=1e4, offaxis=5.0, grid=True)
    assert np.isnan(out)
    # Exactly on grid nodes the table is returned unchanged.
    nodes = sf.grid.nodes
    at = sf(flux=nodes[0][7], core_radius=nodes[1][3], exposure=nodes[2][1],
            offaxis=nodes[3][2], grid=True)
    assert at == pytest.approx(sf.grid.median[7, 3, 1, 2], rel=1e-9)


def test_evaluation_errors(sf):
    with pytest.raises(SelfuncError, match="needs offaxis \\(arcmin\\)"):
        sf(flux=1e-14, core_radius=20.0, exposure=1e4)
    with pytest.raises(SelfuncError, match="unknown variable\\(s\\) core_radis"):
        sf(flux=1e-14, core_radis=20.0, core_radius=2.0, exposure=1e4, offaxis=1.0)
    with pytest.raises(SelfuncError, match="exceeds the"):
        sf(flux=1e-14, core_radius=20.0, exposure=1e4, offaxis=1.0, draws=10**7)
    with pytest.raises(SelfuncError, match="grid must be"):
        sf(flux=1e-14, core_radius=20.0, exposure=1e4, offaxis=1.0, grid="q50")
    with pytest.raises(SelfuncError, match="either grid= or draws="):
        sf(flux=1e-14, core_radius=20.0, exposure=1e4, offaxis=1.0, grid=True, draws=3)


def test_purity_function_reads_rate_and_ext():
    rng = np.random.default_rng(8)
    m = purity_model()
    n = 800
    vals = {"rate": 10 ** rng.uniform(-2.5, -0.7, n), "ext": 10 ** rng.uniform(0.7, 2, n)}
    th = np.array([-0.3, -0.1, np.log(0.1), 0.0, 0.98])
    y = m.simulate(th, vals, rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        post = fit(m, vals, y, rng=rng, max_steps=2000)
    sfp = SelectionFunction.from_posterior(post, values=vals)
    assert sfp.kind == "purity" and set(sfp.variables) == {"ext", "rate"}
    p = sfp(rate=0.01, ext=np.array([6.0, 10.0, 40.0]))
    assert np.all(np.diff(p) > 0)
    with pytest.raises(SelfuncError, match="purity needs rate"):
        sfp(ext=10.0)
