"""Training loop: presets, balanced batches seen by the model, checkpoints and resume,
saved models with their metadata, five classes, repeated runs and k-fold helpers."""

import io

import numpy as np
import pytest

from selfunc.cnn import (cross_validate, load_model, load_train_config, read_meta,
                         repeated_runs, train)
from selfunc.cnn.config import TrainConfig
from selfunc.errors import SelfuncError

from .conftest import tiny_dataset


def test_presets_are_table4():
    c = load_train_config("custom")
    assert (c.batch_size, c.iterations, c.optimizer.name, c.optimizer.momentum,
            c.optimizer.nesterov, c.optimizer.learning_rate, c.optimizer.decay) == \
        (10, 153_000, "sgd", 0.9, True, 1e-4, 1e-6)
    assert (c.plateau.patience, c.plateau.factor, c.plateau.min_lr) == (14, 0.75, 1e-4)
    assert c.model.dropout == 0.65 and c.augment.zoom == pytest.approx((1 / 1.3, 1.3))
    m = load_train_config("mobilenet")
    assert (m.batch_size, m.iterations, m.optimizer.name, m.optimizer.rho,
            m.optimizer.learning_rate, m.optimizer.decay) == (20, 3825, "adadelta", 0.95, 1.0, 0.95)
    assert (m.plateau.patience, m.plateau.factor, m.plateau.min_lr) == (4, 0.85, 0.01)
    assert m.model.input_size == 224
    assert load_train_config("custom_adam").optimizer.name == "adam"  # not the paper's
    # Table 4's 153 000 iterations of 10 on the 1 233 expert stamps: 1 234 epochs of 124 batches
    assert c.n_epochs(1233) == 1234
    assert load_train_config("custom", epochs=3).n_epochs(1233) == 3
    with pytest.raises(SelfuncError, match="known presets"):
        load_train_config("nope")
    with pytest.raises(SelfuncError, match="batch_size"):
        load_train_config("custom", batch_size=0)


@pytest.mark.slow
def test_train_save_load_and_resume(tmp_path):
    ds = tiny_dataset()
    cfg = load_train_config("custom", epochs=3, batch_size=4)
    log = io.StringIO()
    res = train(ds, cfg, seed=1, kind="xray", out=tmp_path / "m.keras", stream=log)
    assert len(res.history) == 3 and "epoch 3/3" in log.getvalue()
    assert not (tmp_path / "m.keras.ckpt").exists()  # removed after a finished run
    model, meta = load_model(tmp_path / "m.keras")
    assert meta["input"] == {"kind": "xray", "channel_order": ["empty", "xray", "optical"],
                             "shape": [32, 32, 3]}
    assert meta["classes"] == ["non-cluster", "cluster"] and meta["seed"] == 1
    assert meta["data"]["train"]["n"] + meta["data"]["validation"]["n"] == len(ds)
    assert meta["stamps"] == {"npix": 32, "size": 7.0}
    assert meta["versions"]["backend"] in ("tensorflow", "torch", "jax")
    x = ds.inputs("xray").astype(np.float32)
    np.testing.assert_allclose(model.predict_on_batch(x), res.model.predict_on_batch(x), atol=1e-6)
    assert read_meta(tmp_path / "m.keras")["train_config"]["batch_size"] == 4

    # an interrupted run (2 of 3 epochs) continued from its checkpoint gives the same model
    part = train(ds, load_train_config("custom", epochs=2, batch_size=4), seed=1, kind="xray",
                 checkpoint_dir=tmp_path / "ck", stream=io.StringIO())
    assert (tmp_path / "ck" / "state.json").is_file() and len(part.history) == 2
    log = io.StringIO()
    cont = train(ds, cfg, seed=1, kind="xray", checkpoint_dir=tmp_path / "ck", stream=log)
    assert "resuming" in log.getvalue()
    assert [s.split()[1] for s in log.getvalue().splitlines() if s.startswith("epoch ")] == ["3/3"]
    for a, b in zip(res.model.get_weights(), cont.model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert [h["loss"] for h in cont.history] == [h["loss"] for h in res.history]
    # a checkpoint of another run is refused
    with pytest.raises(SelfuncError, match="other data, settings or seed"):
        train(ds, cfg, seed=2, kind="xray", checkpoint_dir=tmp_path / "ck", stream=io.StringIO())


@pytest.mark.slow
def test_training_batches_reach_the_model_balanced(monkeypatch):
    import keras

    seen = []
    original = keras.Model.train_on_batch

    def spy(self, x, y, **kw):
        seen.append(np.asarray(y).sum(axis=0))
        return original(self, x, y, **kw)

    monkeypatch.setattr(keras.Model, "train_on_batch", spy)
    cfg = TrainConfig(task="five", epochs=1, batch_size=10)
    res = train(tiny_dataset(40), cfg, seed=0, kind="composite", stream=io.StringIO())
    assert len(seen) == 4  # ceil(32 training stamps / 10)
    assert all((s == 2).all() for s in seen)  # two of each of the five classes
    assert res.meta["classes"] == ["low-z", "hi-z", "galaxy", "point", "other"]


@pytest.mark.slow
def test_the_network_learns_the_tiny_classes():
    # gradients flow end to end: the training loss leaves ln 2 = 0.693 (chance) behind
    ds = tiny_dataset(48, seed=2)
    cfg = load_train_config("custom", epochs=14, batch_size=8, augment={"enabled": False},
                            optimizer={"name": "adadelta", "learning_rate": 1.0, "decay": 0.0})
    res = train(ds, cfg, seed=0, kind="xray", stream=io.StringIO())
    losses = [h["loss"] for h in res.history]
    assert min(losses[-3:]) < 0.66 < losses[0]


@pytest.mark.slow
def test_repeated_runs_and_cross_validation():
    ds = tiny_dataset(30)
    cfg = load_train_config("custom_adam", epochs=1, batch_size=4, val_fraction=0.25)
    reports = repeated_runs(ds, tiny_dataset(10, seed=5, start=500), cfg, seeds=[0, 1], kind="xray")
    assert [r["seed"] for r in reports] == [0, 1] and all(r["n"] == 10 for r in reports)
    folds = cross_validate(ds, cfg, k=3, kind="xray")
    assert [f["fold"] for f in folds] == [1, 2, 3]
    assert sum(f["n_test"] for f in folds) == 30


@pytest.mark.slow
def test_mobilenet_preset_trains_saves_and_decays_the_learning_rate(tmp_path):
    ds = tiny_dataset(24)
    cfg = load_train_config("mobilenet", epochs=2, batch_size=4,
                            model={"alpha": 0.25, "input_size": 32})
    res = train(ds, cfg, seed=0, out=tmp_path / "mn.keras", stream=io.StringIO())
    # Adadelta, lr 1.0 with Table 4's time decay 0.95 per batch; the history holds the rate
    # of each epoch's last batch
    steps = -(-res.meta["data"]["train"]["n"] // 4)
    assert [h["lr"] for h in res.history] == pytest.approx(
        [1 / (1 + 0.95 * (steps - 1)), 1 / (1 + 0.95 * (2 * steps - 1))])
    model, meta = load_model(tmp_path / "mn.keras")
    assert meta["train_config"]["model"]["architecture"] == "mobilenet"
    x = ds.inputs("composite").astype(np.float32)
    np.testing.assert_allclose(model.predict_on_batch(x), res.model.predict_on_batch(x), atol=1e-6)


@pytest.mark.slow
def test_best_selection_keeps_and_reports_the_best_epoch(tmp_path):
    ds = tiny_dataset()
    cfg = load_train_config("custom_adam", epochs=4, batch_size=4)
    res = train(ds, cfg, seed=2, kind="xray", out=tmp_path / "b.keras", stream=io.StringIO())
    meta = read_meta(tmp_path / "b.keras")
    losses = [h["val_loss"] for h in res.history]
    # the epoch kept: the last one that improved val_loss by more than Keras' min_delta
    best, expect = None, None
    for k, v in enumerate(losses):
        if best is None or v < best - 1e-4:
            best, expect = v, k + 1
    assert meta["selected_epoch"] == expect
    assert meta["validation"]["val_loss"] == pytest.approx(losses[expect - 1])
