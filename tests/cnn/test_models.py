"""The networks: Table 3 exactly, MobileNet with local or no weights."""

import numpy as np
import pytest

from selfunc.cnn import N_PARAMS_TABLE3, custom_network, mobilenet
from selfunc.errors import SelfuncError

# Table 3: (layer, output shape); conv layers keep the size ('same'), pools halve it (ceil)
TABLE3 = [
    ("conv1", (356, 356, 64)), ("pool1", (178, 178, 64)),
    ("conv2", (178, 178, 32)), ("pool2", (89, 89, 32)),
    ("conv3", (89, 89, 32)), ("pool3", (45, 45, 32)),
    ("conv4", (45, 45, 32)), ("pool4", (23, 23, 32)),
    ("conv5", (23, 23, 32)), ("pool5", (12, 12, 32)),
    ("conv6", (12, 12, 32)), ("pool6", (6, 6, 32)),
    ("flatten", (1152,)), ("dense", (256,)), ("output", (2,)),
]


def test_custom_network_is_table3():
    model = custom_network(seed=0)
    assert model.count_params() == N_PARAMS_TABLE3 == 352_930
    assert tuple(model.input_shape[1:]) == (356, 356, 3)
    for name, shape in TABLE3:
        assert tuple(model.get_layer(name).output.shape[1:]) == shape, name
    kernels = {ly.name: ly.kernel.shape for ly in model.layers if ly.name.startswith("conv")}
    assert kernels["conv1"] == (3, 3, 3, 64) and kernels["conv6"] == (3, 3, 32, 32)
    assert model.get_layer("dropout").rate == 0.65
    assert model.get_layer("output").activation.__name__ == "softmax"
    assert model.get_layer("dense").activation.__name__ == "relu"
    p = model.predict_on_batch(np.full((2, 356, 356, 3), 255.0, np.float32))
    assert p.shape == (2, 2)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)


def test_custom_network_seeded_and_other_inputs():
    a = custom_network((32, 32, 6), 5, seed=3).get_weights()
    b = custom_network((32, 32, 6), 5, seed=3).get_weights()
    c = custom_network((32, 32, 6), 5, seed=4).get_weights()
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], c[0])
    assert a[-1].shape == (5,)


@pytest.mark.slow
def test_mobilenet_random_and_local_weights(tmp_path):
    model = mobilenet((64, 64, 3), 2, alpha=0.25, input_size=128, weights=None, seed=0)
    assert model.get_layer("resize").output.shape[1:3] == (128, 128)
    assert model.predict_on_batch(np.zeros((1, 64, 64, 3), np.float32)).shape == (1, 2)
    body = [ly for ly in model.layers if ly.name.startswith("mobilenet")][0]
    path = tmp_path / "body.weights.h5"
    body.save_weights(path)
    again = mobilenet((64, 64, 3), 2, alpha=0.25, input_size=128, weights=str(path), seed=9)
    body2 = [ly for ly in again.layers if ly.name.startswith("mobilenet")][0]
    assert all(np.array_equal(x, y) for x, y in zip(body.get_weights(), body2.get_weights()))
    with pytest.raises(SelfuncError, match="not found"):
        mobilenet(weights=str(tmp_path / "missing.h5"))


def test_mobilenet_imagenet_offline_says_pass_a_file(monkeypatch):
    from keras.src.utils import file_utils

    def offline(*args, **kwargs):
        raise Exception("URL fetch failure on https://example: [Errno -2] Name or service not known")

    monkeypatch.setattr(file_utils, "get_file", offline)
    with pytest.raises(SelfuncError, match="pass its path"):
        mobilenet((224, 224, 3), 2, alpha=0.25, weights="imagenet")
