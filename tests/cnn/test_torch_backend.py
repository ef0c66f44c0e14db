"""The same code on Keras' torch backend (a fresh process: the backend is chosen at import)."""

import importlib.util
import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import io, numpy as np, keras
    assert keras.backend.backend() == "torch", keras.backend.backend()
    from selfunc.cnn import N_PARAMS_TABLE3, custom_network, load_train_config, train, load_model
    from selfunc.stamps import StampDataset
    m = custom_network(seed=0)
    assert m.count_params() == N_PARAMS_TABLE3
    p = m.predict_on_batch(np.full((2, 356, 356, 3), 200.0, np.float32))
    assert p.shape == (2, 2) and np.allclose(p.sum(axis=1), 1, atol=1e-5)
    rng = np.random.default_rng(0)
    ds = StampDataset(ids=[f"s{i}" for i in range(12)], labels=["low-z", "point"] * 6,
                      xray_rgb=rng.integers(0, 256, (12, 32, 32, 3), dtype=np.uint8))
    import sys, pathlib
    out = pathlib.Path(sys.argv[1]) / "torch.keras"
    res = train(ds, load_train_config("custom", epochs=2, batch_size=4), seed=0, kind="xray",
                out=out, stream=io.StringIO())
    model, meta = load_model(out)
    assert meta["versions"]["backend"] == "torch"
    x = ds.inputs("xray").astype(np.float32)
    assert np.allclose(model.predict_on_batch(x), res.model.predict_on_batch(x), atol=1e-6)
    print("torch ok")
""")


@pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                    reason="torch is not installed in this environment (optional backend)")
def test_custom_network_builds_trains_and_predicts_on_torch(tmp_path):
    env = {**os.environ, "KERAS_BACKEND": "torch"}
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "torch ok" in run.stdout
