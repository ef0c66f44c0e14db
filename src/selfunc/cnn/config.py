"""Training settings: :class:`TrainConfig`, with the presets of Kosiba et al. 2020, Table 4.

Presets live in ``configs/cnn/`` (``custom`` for the custom network, also named
``table4-sgd``; ``mobilenet``, also ``table4-mobilenet``; ``fast``, the default of
``selfunc train-cnn``, a few minutes on a laptop and not the paper's) and are read with
:func:`load_train_config`. Table 4 in these terms:

=====================  ====================  ====================
                       custom                mobilenet
=====================  ====================  ====================
batch size             10                    20
iterations             153 000               3 825
optimizer              SGD, Nesterov 0.9     Adadelta, ρ = 0.95
initial lr             10⁻⁴                  1.0
lr decay               10⁻⁶                  0.95
minimal lr             10⁻⁴                  0.01
lr patience / factor   14 / 0.75             4 / 0.85
dense dropout          0.65                  0.65
input size             356 × 356             224 × 224
=====================  ====================  ====================

"lr decay" is Keras 2's per-iteration time decay, ``lr_t = lr / (1 + decay · t)`` with t
the number of batches trained; "patience", "factor" and "minimal lr" are those of Keras'
``ReduceLROnPlateau`` acting on ``lr`` (monitoring the validation accuracy, §5.2), as in
Keras 2, where the two combined this way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from selfunc.config.load import configs_dir, load_toml, validate
from selfunc.config.models import Frozen
from selfunc.errors import SelfuncError

__all__ = ["ModelConfig", "OptimizerConfig", "PlateauConfig", "AugmentConfig", "TrainConfig",
           "load_train_config", "TASKS"]

TASKS = ("binary", "five")


class ModelConfig(Frozen):
    """The network: ``custom`` (Table 3) or ``mobilenet`` (Howard et al. 2017) with width
    ``alpha``, input resized to ``input_size`` inside the model, and ``weights`` either
    ``"none"`` (random initialisation) or the path of a local Keras weights file for the
    MobileNet body (e.g. ImageNet weights downloaded beforehand)."""

    architecture: Literal["custom", "mobilenet"] = "custom"
    input_size: int | None = Field(default=None, ge=32, le=4096)
    alpha: float = Field(default=1.0, gt=0)
    weights: str = "none"
    dropout: float = Field(default=0.65, ge=0, lt=1)


class OptimizerConfig(Frozen):
    """``sgd`` (with ``momentum``, ``nesterov``) and ``adadelta`` (``rho``) are Table 4's;
    ``adam`` (Keras defaults β₁ = 0.9, β₂ = 0.999) is not the paper's, for runs of tens
    rather than a thousand epochs (``configs/cnn/custom_adam.toml``). ``decay`` is the
    Keras 2 time decay for all three."""

    name: Literal["sgd", "adadelta", "adam"] = "sgd"
    learning_rate: float = Field(default=1e-4, gt=0)
    momentum: float = Field(default=0.9, ge=0, lt=1)
    nesterov: bool = True
    rho: float = Field(default=0.95, gt=0, lt=1)
    decay: float = Field(default=1e-6, ge=0)


class PlateauConfig(Frozen):
    """``ReduceLROnPlateau``: after ``patience`` epochs without improvement of ``monitor``,
    multiply the learning rate by ``factor``, not below ``min_lr``."""

    monitor: Literal["val_accuracy", "val_loss", "val_auc"] = "val_accuracy"
    factor: float = Field(default=0.75, gt=0, lt=1)
    patience: int = Field(default=14, ge=1)
    min_lr: float = Field(default=1e-4, ge=0)


class AugmentConfig(Frozen):
    """§3.2: zoom uniform in [1/1.3, 1.3], rotation uniform in [0°, 360°), shifts uniform in
    [−4, 4] pixels along x and y, drawn for every image at every training step."""

    enabled: bool = True
    zoom: tuple[float, float] = (1 / 1.3, 1.3)
    rotation: tuple[float, float] = (0.0, 360.0)
    shift: float = Field(default=4.0, ge=0)
    fill: Literal["nearest", "reflect", "constant"] = "nearest"

    @model_validator(mode="after")
    def _ranges(self):
        if not 0 < self.zoom[0] <= self.zoom[1]:
            raise ValueError("zoom must be (low, high) with 0 < low <= high")
        if not self.rotation[0] <= self.rotation[1]:
            raise ValueError("rotation must be (low, high) with low <= high")
        return self


class TrainConfig(Frozen):
    """Everything :func:`selfunc.cnn.train` needs besides the data and the seed.

    Length: ``iterations`` (batches, as Table 4) or ``epochs``; one epoch is
    ceil(N_train / batch_size) balanced batches (§5.2). ``select`` picks the model kept at
    the end: the ``last`` epoch's or the ``best`` by the monitored validation metric.
    """

    model: ModelConfig = ModelConfig()
    optimizer: OptimizerConfig = OptimizerConfig()
    plateau: PlateauConfig = PlateauConfig()
    augment: AugmentConfig = AugmentConfig()
    task: Literal["binary", "five"] = "binary"
    batch_size: int = Field(default=10, ge=1)
    iterations: int | None = Field(default=None, ge=1)
    epochs: int | None = Field(default=None, ge=1)
    balanced: bool = True
    val_fraction: float = Field(default=0.2, gt=0, lt=1)
    select: Literal["last", "best"] = "last"
    checkpoint_every: int = Field(default=1, ge=1)

    @model_validator(mode="after")
    def _length(self):
        if (self.iterations is None) == (self.epochs is None):
            raise ValueError("give exactly one of iterations and epochs")
        return self

    @property
    def n_classes(self) -> int:
        return 2 if self.task == "binary" else 5

    def n_epochs(self, n_train: int) -> int:
        """Epochs for a training set of ``n_train`` stamps."""
        if self.epochs is not None:
            return self.epochs
        steps = -(-n_train // self.batch_size)
        return max(1, -(-self.iterations // steps))


#: The preset of ``selfunc train-cnn`` without ``--preset``: minutes on a laptop, not the paper's.
DEFAULT_PRESET = "fast"

#: The paper's presets by the name of what they are (Table 4) → file of ``configs/cnn/``.
PRESET_ALIASES = {"table4-sgd": "custom", "table4-mobilenet": "mobilenet"}


def load_train_config(name: str | Path = DEFAULT_PRESET, **overrides) -> TrainConfig:
    """A preset of ``configs/cnn/`` by name (``fast``, the default; ``table4-sgd`` or
    ``custom``, ``table4-mobilenet`` or ``mobilenet``, ``custom_adam``) or a TOML file, with
    top-level keys replaced by ``overrides`` (e.g. ``epochs=3``; ``epochs`` replaces
    ``iterations`` and vice versa)."""
    path = Path(name)
    if not (path.suffix == ".toml" and path.is_file()):
        path = configs_dir() / "cnn" / f"{PRESET_ALIASES.get(str(name), name)}.toml"
        if not path.is_file():
            known = sorted(p.stem for p in (configs_dir() / "cnn").glob("*.toml")
                           if p.stem != "stamps")
            raise SelfuncError(f"training preset '{name}' not found; known presets: "
                               f"{', '.join(sorted(known + list(PRESET_ALIASES)))} (or a "
                               "path to a .toml file)")
    data = load_toml(path)
    for key, value in overrides.items():
        if value is None:
            continue
        if key in ("epochs", "iterations"):
            data.pop("epochs", None)
            data.pop("iterations", None)
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return validate(TrainConfig, data, [path])
