"""The networks of Kosiba et al. 2020: the custom network (Table 3) and MobileNet.

Both are Keras 3 functional models that take stamps as float32 in [0, 255] (as stored,
:mod:`selfunc.stamps`) and rescale inside the model, so a saved model carries its own
preprocessing. Pure Keras 3: they build and run on the TensorFlow (default) and torch
backends (``KERAS_BACKEND``).

Custom network (Table 3; each convolution and the hidden dense layer followed by ReLU,
'same' padding everywhere)::

    input 356×356×3 → ×1/255
    conv 3×3×64 → max-pool 2×2/2 → 178×178×64
    conv 3×3×32 → max-pool       →  89×89×32
    conv 3×3×32 → max-pool       →  45×45×32
    conv 3×3×32 → max-pool       →  23×23×32
    conv 3×3×32 → max-pool       →  12×12×32
    conv 3×3×32 → max-pool       →   6×6×32
    flatten 1152 → dense 256 → dropout 0.65 → dense n_classes, softmax

352 930 parameters for two classes.
"""

from __future__ import annotations

from pathlib import Path

from selfunc.errors import SelfuncError

__all__ = ["custom_network", "mobilenet", "build_model", "backend", "N_PARAMS_TABLE3"]

#: Parameters of the custom network for a 356×356×3 input and two classes.
N_PARAMS_TABLE3 = 352_930


def backend() -> str:
    """The Keras backend in use ('tensorflow', 'torch', 'jax')."""
    import keras

    return keras.backend.backend()


def _init(seed: int | None, k: int):
    import keras

    return keras.initializers.GlorotUniform(seed=None if seed is None else seed * 101 + k)


def custom_network(input_shape=(356, 356, 3), n_classes: int = 2, *, dropout: float = 0.65,
                   seed: int | None = None):
    """The custom network of Table 3 (see the module docstring).

    ``seed`` fixes the initial weights and the dropout masks (explicit seeds on every
    initialiser and on the dropout layer; no global seeding).
    """
    import keras
    from keras import layers

    inputs = keras.Input(shape=tuple(input_shape), name="stamp")
    x = layers.Rescaling(1.0 / 255.0, name="rescale")(inputs)
    for k, filters in enumerate((64, 32, 32, 32, 32, 32), start=1):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu",
                          kernel_initializer=_init(seed, k), name=f"conv{k}")(x)
        x = layers.MaxPooling2D(2, strides=2, padding="same", name=f"pool{k}")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(256, activation="relu", kernel_initializer=_init(seed, 7), name="dense")(x)
    x = layers.Dropout(dropout, seed=None if seed is None else seed * 101 + 8, name="dropout")(x)
    outputs = layers.Dense(n_classes, activation="softmax", kernel_initializer=_init(seed, 9),
                           name="output")(x)
    return keras.Model(inputs, outputs, name="kosiba2020_custom")


def mobilenet(input_shape=(356, 356, 3), n_classes: int = 2, *, alpha: float = 1.0,
              input_size: int = 224, weights: str | Path | None = None, dropout: float = 0.65,
              seed: int | None = None):
    """MobileNet (Howard et al. 2017) with a new softmax head.

    The stamp is rescaled to [−1, 1] (MobileNet's convention) and resized to
    ``input_size`` × ``input_size`` (224 in Table 4) inside the model. ``weights`` is
    ``None`` (random initialisation), the path of a local weights file for the MobileNet
    body without its top, or ``"imagenet"``, which Keras downloads (and caches in
    ``~/.keras/models``): offline, that fails with an error that says to pass a file.
    ``seed`` seeds Keras' global generators while the body is built (the body's
    initialisers take no seed of their own).
    """
    import keras
    from keras import layers

    if isinstance(weights, str) and weights.lower() == "none":
        weights = None
    if weights is not None and str(weights) != "imagenet":
        path = Path(weights)
        if not path.is_file():
            raise SelfuncError(f"MobileNet weights file '{path}' not found")
        weights = str(path)
    if seed is not None:
        keras.utils.set_random_seed(seed)
    shape = (input_size, input_size, input_shape[-1])
    try:
        body = keras.applications.MobileNet(input_shape=shape, alpha=alpha, include_top=False,
                                            weights=weights, pooling="avg")
    except ValueError as exc:  # Keras' own checks (alpha / size / channels for ImageNet weights)
        raise SelfuncError(f"MobileNet: {exc}") from None
    except Exception as exc:  # noqa: BLE001 — the download of ImageNet weights failed
        if weights != "imagenet":
            raise
        raise SelfuncError(
            f"MobileNet: cannot download the ImageNet weights ({exc}). Without network "
            "access, fetch that file elsewhere, copy it here and pass its path as the weights "
            "(model.weights in the training preset)") from None
    inputs = keras.Input(shape=tuple(input_shape), name="stamp")
    x = layers.Rescaling(1.0 / 127.5, offset=-1.0, name="rescale")(inputs)
    if tuple(input_shape[:2]) != (input_size, input_size):
        x = layers.Resizing(input_size, input_size, interpolation="bilinear", name="resize")(x)
    x = body(x)
    x = layers.Dropout(dropout, seed=seed, name="dropout")(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="output")(x)
    return keras.Model(inputs, outputs, name=f"mobilenet_{alpha:g}")


def build_model(model_cfg, input_shape, n_classes: int, *, seed: int | None = None):
    """The network described by a :class:`~selfunc.cnn.config.ModelConfig`."""
    if model_cfg.architecture == "custom":
        return custom_network(input_shape, n_classes, dropout=model_cfg.dropout, seed=seed)
    return mobilenet(input_shape, n_classes, alpha=model_cfg.alpha,
                     input_size=model_cfg.input_size or 224, weights=model_cfg.weights,
                     dropout=model_cfg.dropout, seed=seed)
