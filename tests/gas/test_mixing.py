"""Campaign mixing: which clusters take the 3-D route, and config errors."""

import numpy as np
import pytest

from helpers import spec
from selfunc.config import validate
from selfunc.config.load import configs_dir, load_toml
from selfunc.config.models import ClusterGrid, GasConfig, GasModel, PopulationConfig
from selfunc.errors import SelfuncError
from selfunc.pointing import rng_for
from selfunc.sky.draw import draw


def test_default_population_has_no_3d_clusters_and_no_new_columns():
    t = draw(spec(), PopulationConfig(), 18.0, rng_for(0, 0, "sky"))
    assert "route" not in t.colnames and "gas_model" not in t.colnames


def test_fraction_routes_clusters_and_leaves_the_rest_of_the_sky_alone():
    models = (GasModel(name="sphere", weight=1.0), GasModel(name="merger", weight=3.0))
    grid = ClusterGrid(n_per_pointing=400)
    base = draw(spec(), PopulationConfig(grid=grid, min_separation=0.0), 18.0,
                rng_for(0, 0, "sky"))
    mixed = draw(spec(), PopulationConfig(grid=grid, min_separation=0.0,
                                          gas=GasConfig(fraction=0.3, models=models)),
                 18.0, rng_for(0, 0, "sky"))
    for col in base.colnames:
        np.testing.assert_array_equal(np.asarray(base[col]), np.asarray(mixed[col]))
    cl = mixed["kind"] == "cluster"
    gas = mixed["route"] == "pyxsim"
    assert not gas[~cl].any()
    frac = gas[cl].mean()
    assert abs(frac - 0.3) < 4 * np.sqrt(0.3 * 0.7 / cl.sum())
    share = np.mean(mixed["gas_model"][gas] == "merger")
    assert abs(share - 0.75) < 4 * np.sqrt(0.75 * 0.25 / gas.sum())
    assert np.all(np.isfinite(mixed["position_angle"][gas]))
    assert np.all(np.isnan(mixed["position_angle"][~gas]))


def test_dataset_model_brings_its_redshift_and_core_radius():
    m = GasModel(name="sim", kind="dataset", path="x.h5", center=(0, 0, 0), redshift=0.42,
                 radius=1000.0, core_radius="25 arcsec")
    t = draw(spec(), PopulationConfig(gas=GasConfig(fraction=1.0, models=(m,))), 18.0,
             rng_for(0, 0, "sky"))
    cl = t["kind"] == "cluster"
    assert np.all(t["redshift"][cl] == 0.42) and np.all(t["core_radius"][cl] == 25.0)


@pytest.mark.parametrize("data, message", [
    ({"gas": {"fraction": 0.5}}, "key 'population.gas': fraction > 0 needs at least one"),
    ({"gas": {"fraction": 1.5, "models": [{"name": "a"}]}}, "population.gas.fraction"),
    ({"gas": {"fraction": 0.5, "models": [{"name": "a", "kind": "dataset"}]}},
     "needs path, center, redshift, radius, core_radius"),
    ({"gas": {"models": [{"name": "a", "axis_ratio": [0.5, 1.5]}]}}, r"axis_ratio .*\(0, 1\]"),
    ({"gas": {"models": [{"name": "a", "substructur": {}}]}}, "unknown key 'population.gas.models.0.substructur'"),
])
def test_bad_gas_config_is_one_line_naming_the_key(data, message, tmp_path):
    with pytest.raises(SelfuncError, match=message):
        validate(PopulationConfig, data, [tmp_path / "campaign.toml"], prefix="population")


def test_mixed_preset_validates():
    path = configs_dir() / "population" / "grid_3d.toml"
    pop = validate(PopulationConfig, load_toml(path), [path])
    assert pop.gas.fraction > 0
    assert {m.name for m in pop.gas.models} >= {"spherical", "cool_core", "merger"}
