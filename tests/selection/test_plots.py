import numpy as np
import pytest
from matplotlib.collections import PathCollection

from selfunc.errors import SelfuncError
from selfunc.selection import plots
from selfunc.selection.function import SelectionFunction
from selfunc.selection.models import completeness_model
from selfunc.rules import Selection

from .conftest import TRUE_C1, draw_clusters, theta_of


@pytest.fixture(scope="module")
def known():
    """A selection function whose samples scatter tightly around the generating truth."""
    rng = np.random.default_rng(9)
    m = completeness_model()
    th = theta_of(m, TRUE_C1)
    sf = SelectionFunction(m, th + 0.01 * rng.standard_normal((500, m.ndim)),
                           selection=Selection("C1"))
    vals = draw_clusters(3000, rng)
    return sf, vals, m.simulate(th, vals, rng)


def test_completeness_curves_panel_per_core_radius_bin(known, tmp_path):
    sf, vals, y = known
    fig = plots.completeness_curves(sf, vals, y, group_bins=[5, 15, 40, 120], driver_bins=10)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 3
    for ax in visible:
        assert ax.get_xscale() == "log"
        (model_line,) = [ln for ln in ax.get_lines() if ln.get_label() == "model median"]
        yy = model_line.get_ydata()
        # The model rises from ~0 to the ceiling 0.93 over the flux range.
        assert yy[0] < 0.3 and 0.85 < yy[-1] <= 0.93 + 1e-6
        assert np.all(np.diff(yy) >= -1e-9)
    assert "5 ≤ core_radius < 15 arcsec" in visible[0].get_title()
    fig.savefig(tmp_path / "c.png")


def test_completeness_map_has_three_panels_and_sane_pulls(known):
    sf, vals, y = known
    fig = plots.completeness_map(sf, vals, y, xbins=8, ybins=5)
    assert len([a for a in fig.axes if a.get_label() != "<colorbar>"]) == 3
    title = fig.axes[2].get_title()
    chi2, dof = (float(v) for v in title.split("=")[1].strip(" )").split("/"))
    # The model generated the data: χ² per degree of freedom near one.
    assert dof == 40 and chi2 / dof < 2.0


def test_corner_plot_shape_and_truth_markers():
    rng = np.random.default_rng(0)
    s = rng.multivariate_normal([0, 1, 2], [[1, 0.8, 0], [0.8, 1, 0], [0, 0, 0.5]], 4000)
    fig = plots.corner(s, ["a", "b", "c"], truths=[0, 1, 2])
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 6                    # lower triangle incl. diagonal of 3 × 3
    assert "a = " in visible[0].get_title()


def test_corner_plot_explains_every_parameter_with_its_pivot_and_unit(known):
    sf, _, _ = known
    names = sf.parameter_names
    text = [sf.model.describe(n) for n in names]
    assert [t.split(":")[0] for t in text] == list(names)
    # The pivots and units of completeness_model's covariates (selection.models.COVARIATES).
    joined = "\n".join(text)
    for needle in ("log10(flux / 1e-14 erg / (s cm2))", "log10(core_radius / 20 arcsec)",
                   "log10(exposure / 10000 s)", "(offaxis / 10 arcmin)²"):
        assert needle in joined
    fig = plots.corner(sf.samples, names, descriptions=text)
    shown = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert shown == [joined]
    with pytest.raises(ValueError, match="'mu_redshift' is not a parameter"):
        sf.model.describe("mu_redshift")


def test_extent_likelihood_plane_by_label_and_by_truth():
    cand = {"ext": np.array([1.0, 8.0, 30.0, 3.0, 12.0]),
            "ext_ml": np.array([2.0, 40.0, 200.0, 20.0, 17.0]),
            "label": np.array(["point", "low-z", "hi-z", "other", "galaxy"]),
            "is_cluster": np.array([False, True, True, False, False])}
    fig = plots.extent_likelihood_plane(cand, selected=np.array([0, 1, 1, 0, 0], bool))
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["point (1)", "other (1)", "galaxy (1)", "hi-z (1)", "low-z (1)", "selected"]
    # C1 and C2 boundaries: EXT_ML = 33 and 15 beyond 5 arcsec.
    bounds = {ln.get_ydata()[-1] for ln in ax.get_lines()}
    assert {33.0, 15.0} <= bounds
    no_label = {k: v for k, v in cand.items() if k != "label"}
    fig = plots.extent_likelihood_plane(no_label)
    pts = [c for c in fig.axes[0].collections if isinstance(c, PathCollection)]
    assert sum(len(c.get_offsets()) for c in pts) == 5
    with pytest.raises(SelfuncError, match="'label' or 'is_cluster'"):
        plots.extent_likelihood_plane({"ext": cand["ext"], "ext_ml": cand["ext_ml"]})
    with pytest.raises(SelfuncError, match="column 'ext_ml'"):
        plots.extent_likelihood_plane({"ext": cand["ext"]})
