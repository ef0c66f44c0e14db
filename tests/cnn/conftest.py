import numpy as np
import pytest

from selfunc.stamps import StampDataset


def tiny_dataset(n=24, size=32, seed=0, start=0):
    """Stamps whose X-ray band tells clusters (a broad dark blob) from the rest."""
    rng = np.random.default_rng(seed)
    labels = np.array(["low-z", "point", "hi-z", "other", "galaxy", "point"] * n)[:n]
    yy, xx = np.mgrid[:size, :size] - (size - 1) / 2
    blob = np.exp(-(xx**2 + yy**2) / (2 * (size / 6) ** 2))
    x = rng.normal(230, 10, (n, size, size))
    x[np.isin(labels, ("low-z", "hi-z"))] -= 200 * blob
    xray = np.clip(x, 0, 255).astype(np.uint8)[..., None].repeat(3, axis=-1)
    optical = rng.integers(0, 256, (n, size, size, 3), dtype=np.uint8)
    return StampDataset(ids=[f"s{start + i:04d}" for i in range(n)], labels=labels,
                        xray_rgb=xray, optical_rgb=optical,
                        provenance={"stamps": {"npix": size, "size": 7.0}})


@pytest.fixture
def tiny():
    return tiny_dataset()


def pytest_configure(config):
    # Keras' TensorFlow backend calls np.array on tensors without the NumPy 2 copy keyword
    config.addinivalue_line(
        "filterwarnings",
        "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")
