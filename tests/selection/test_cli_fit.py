"""``selfunc fit`` end to end on a synthetic campaign folder (conftest.write_campaign)."""

import argparse

import h5py
import matplotlib.image as mpimg
import numpy as np
import pytest

import selfunc.cli
from selfunc.cli import fit as fit_cli
from selfunc.selection.function import SelectionFunction

from .conftest import TRUE_C1, theta_of


def run_main(argv, monkeypatch):
    """The real ``selfunc`` entry point with ``fit`` registered (COMMANDS is not ours)."""
    monkeypatch.setattr(selfunc.cli, "COMMANDS", ("fit",))
    return selfunc.cli.main(argv)


@pytest.fixture(scope="module")
def fitted(campaign, tmp_path_factory):
    out = tmp_path_factory.mktemp("fit")
    parser = argparse.ArgumentParser(prog="selfunc")
    fit_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["fit", str(campaign), "--selection", "C1",
                              "--out", str(out / "selection.h5"), "--plots", str(out / "plots")])
    assert args.func(args) == 0
    return out


@pytest.mark.slow
def test_fit_writes_both_functions_with_provenance(fitted, campaign):
    path = fitted / "selection.h5"
    assert sorted(SelectionFunction.names(path)) == ["completeness", "purity"]
    sf = SelectionFunction.load(path)
    assert sf.selection.expression == "C1" and sf.kind == "completeness"
    assert sf.provenance["campaign"] == str(campaign.resolve())
    assert set(sf.provenance["catalogues_sha256"]) == {"truth", "candidates", "pointings"}
    assert sf.provenance["seed"] == 1 and sf.provenance["n_pointings"] == 60
    assert sf.diagnostics["converged"]
    # The generating parameters are recovered (3 σ) from the campaign folder (the campaign
    # is drawn without the log² r_c terms of the default model: they are 0).
    th = theta_of(sf.model, TRUE_C1 | {"mu_core_radius_sq": 0.0, "lnw_core_radius_sq": 0.0})
    med = np.median(sf.samples, axis=0)
    lo, hi = np.percentile(sf.samples, [16, 84], axis=0)
    pulls = (med - th) / (0.5 * (hi - lo))
    assert np.all(np.abs(pulls) < 3), dict(zip(sf.parameter_names, pulls.round(2)))
    # Binned and parametric agree within their errors (recorded by the command).
    check = sf.diagnostics["binned_check"]
    assert check["dof"] >= 30 and check["pvalue"] > 0.01
    pur = SelectionFunction.load(path, "purity")
    assert pur.diagnostics["n_objects"] > 1000
    p = pur(rate=0.02, ext=np.array([6.0, 8.0, 15.0, 40.0]))
    assert np.all(np.diff(p) >= 0) and p[-1] > 0.95 and p[0] < 0.5
    with h5py.File(path) as f:
        assert f["completeness/grid/median"].shape == (40, 10, 10, 10)


@pytest.mark.slow
def test_fit_makes_the_plots(fitted):
    names = ["completeness_curves", "completeness_map", "completeness_corner",
             "purity_curves", "purity_corner", "extent_likelihood"]
    for n in names:
        img = mpimg.imread(fitted / "plots" / f"{n}.png")
        assert img.shape[0] > 300 and img.shape[1] > 300, n
        # Not a blank canvas: many distinct colours.
        assert len(np.unique(img.reshape(-1, img.shape[-1])[::50], axis=0)) > 50, n


def test_errors_are_one_line_and_exit_2(make_campaign, tmp_path, monkeypatch, capsys):
    d = make_campaign(n_pointings=3, clusters_per_pointing=10, agn_per_pointing=3,
                      with_p_cluster=False)
    out = str(tmp_path / "s.h5")
    rc = run_main(["fit", str(d), "--selection", "C1+CNN", "--out", out], monkeypatch)
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1
    assert err.startswith("selfunc fit: error: selection 'C1 and p_cluster > 0.5' needs "
                          "column 'p_cluster'")
    (d / "catalogues" / "candidates.h5").unlink()
    rc = run_main(["fit", str(d), "--out", out], monkeypatch)
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "candidates.h5: no such file" in err
    rc = run_main(["fit", str(d), "--out", out, "--covariates", "core_radius,colour"],
                  monkeypatch)
    assert rc == 2 and "--covariates: unknown colour" in capsys.readouterr().err
    rc = run_main(["fit", str(d), "--selection", "C1 and", "--out", out], monkeypatch)
    assert rc == 2 and "expected a column name" in capsys.readouterr().err
    (tmp_path / "exists.h5").write_bytes(b"")
    rc = run_main(["fit", str(d), "--out", str(tmp_path / "exists.h5")], monkeypatch)
    assert rc == 2 and "exists; pass --overwrite" in capsys.readouterr().err


def test_strict_fails_on_a_short_chain(make_campaign, tmp_path, monkeypatch, capsys):
    d = make_campaign(n_pointings=4, clusters_per_pointing=20, agn_per_pointing=3)
    rc = run_main(["fit", str(d), "--out", str(tmp_path / "s.h5"), "--max-steps", "100",
                   "--strict", "--no-purity"], monkeypatch)
    err = capsys.readouterr().err
    assert rc == 2 and "completeness fit: chain of 100 steps" in err and "(--strict)" in err
    assert not (tmp_path / "s.h5").exists()
    # Without --strict the same run warns and writes the file, marked as not converged.
    rc = run_main(["fit", str(d), "--out", str(tmp_path / "s.h5"), "--max-steps", "100",
                   "--no-purity"], monkeypatch)
    cap = capsys.readouterr()
    assert rc == 0 and "selfunc fit: warning: completeness fit: chain of 100 steps" in cap.err
    sf = SelectionFunction.load(tmp_path / "s.h5")
    assert not sf.diagnostics["converged"] and sf.diagnostics["warnings"]


def test_constant_covariates_are_dropped_with_a_note(make_campaign, tmp_path, monkeypatch,
                                                     capsys):
    d = make_campaign(n_pointings=6, clusters_per_pointing=40, agn_per_pointing=3)
    from astropy.table import Table
    path = d / "catalogues" / "truth.h5"
    t = Table.read(path, path="truth")
    t["exposure"][:] = 1e4
    t.write(path, path="truth", serialize_meta=True, overwrite=True)
    rc = run_main(["fit", str(d), "--out", str(tmp_path / "s.h5"), "--no-purity"], monkeypatch)
    assert rc == 0
    assert "note: exposure is 10000 for every object: dropped from the model" in \
        capsys.readouterr().out
    sf = SelectionFunction.load(tmp_path / "s.h5")
    assert "exposure" not in sf.variables and "mu_exposure" not in sf.parameter_names


def test_a_model_that_misses_the_shape_is_flagged(make_campaign, tmp_path, monkeypatch,
                                                  capsys):
    """Completeness drawn with a threshold parabolic in log r_c (as C1's is): the linear
    model is rejected by the binned check with a warning; the default covariates fit it."""
    from .conftest import TRUE_C1
    true = TRUE_C1 | {"mu_core_radius_sq": 1.4, "lnw_core_radius_sq": 0.0}
    d = make_campaign(n_pointings=60, clusters_per_pointing=40, agn_per_pointing=3,
                      covariates=("core_radius", "core_radius_sq", "exposure", "offaxis"),
                      c1=true)
    rc = run_main(["fit", str(d), "--out", str(tmp_path / "lin.h5"), "--no-purity",
                   "--covariates", "core_radius,exposure,offaxis"], monkeypatch)
    cap = capsys.readouterr()
    assert rc == 0 and "does not describe the binned fractions over flux × core_radius" in cap.err
    rc = run_main(["fit", str(d), "--out", str(tmp_path / "sq.h5"), "--no-purity"], monkeypatch)
    cap = capsys.readouterr()
    assert rc == 0 and "does not describe" not in cap.err
    sf = SelectionFunction.load(tmp_path / "sq.h5")
    lo, hi = np.quantile(sf.samples[:, sf.parameter_names.index("mu_core_radius_sq")],
                         [0.001, 0.999])
    assert lo < 1.4 < hi
