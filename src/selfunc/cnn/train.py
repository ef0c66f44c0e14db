"""Training with the settings of Kosiba et al. 2020 (§3.2, §5.2, Table 4).

One epoch is ceil(N_train / batch_size) balanced batches drawn from the whole training set
(:class:`~selfunc.cnn.batches.BalancedBatches`), each stamp augmented on the fly
(:mod:`selfunc.cnn.augment`); after each epoch the validation set is scored and the
learning rate follows Keras' ``ReduceLROnPlateau`` rule on the monitored metric, with
Keras 2's per-iteration time decay on top (see :mod:`selfunc.cnn.config`).

The loop is written with ``train_on_batch`` so that it is the same on every Keras backend
and so that every random draw comes from explicit seeds: the batches and augmentations of
epoch e depend only on (seed, e). Checkpoints (model with optimizer state, and the loop's
own state) are written atomically after every ``checkpoint_every`` epochs; a run started
again with the same data, settings and seed continues from the last checkpoint.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from selfunc import __version__
from selfunc.cnn.augment import augment
from selfunc.cnn.batches import BalancedBatches
from selfunc.cnn.config import TrainConfig
from selfunc.cnn.evaluate import BINARY_CLASSES, binary_report, cluster_probability, predict
from selfunc.cnn.models import build_model
from selfunc.cnn.saving import save_model
from selfunc.cnn.splits import stratified_split
from selfunc.errors import SelfuncError
from selfunc.match import CLASSES
from selfunc.stamps.composite import PAPER, channel_order, n_channels
from selfunc.stamps.dataset import StampDataset
from selfunc.streams import training_rng

__all__ = ["train", "TrainResult", "class_names", "targets_of", "Plateau", "format_duration"]

CHECKPOINT_FILES = ("state.json", "last.keras", "best.keras")


def class_names(task: str) -> tuple[str, ...]:
    """Output classes: ``("non-cluster", "cluster")`` or the five classes of §5.5."""
    if task == "binary":
        return BINARY_CLASSES
    if task == "five":
        return tuple(CLASSES)
    raise ValueError(f"task {task!r}: expected 'binary' or 'five'")


def targets_of(ds: StampDataset, task: str) -> np.ndarray:
    """Class index of every stamp for ``task``."""
    if not ds.labelled:
        raise SelfuncError("training and evaluation need a label for every stamp")
    if task == "binary":
        return ds.is_cluster.astype(np.int64)
    return np.array([CLASSES.index(v) for v in ds.labels], dtype=np.int64)


@dataclasses.dataclass
class Plateau:
    """Keras' ``ReduceLROnPlateau`` (min_delta 10⁻⁴, no cooldown) on the base learning rate."""

    factor: float
    patience: int
    min_lr: float
    mode: str = "max"
    best: float | None = None
    wait: int = 0
    min_delta: float = 1e-4

    def is_better(self, value: float) -> bool:
        if self.best is None:
            return True
        if self.mode == "max":
            return value > self.best + self.min_delta
        return value < self.best - self.min_delta

    def update(self, value: float, lr: float) -> float:
        """Record this epoch's ``value``; return the (possibly reduced) learning rate."""
        if self.is_better(value):
            self.best, self.wait = float(value), 0
            return lr
        self.wait += 1
        if self.wait >= self.patience and lr > np.float32(self.min_lr):
            self.wait = 0
            return max(lr * self.factor, self.min_lr)
        return lr


@dataclasses.dataclass
class TrainResult:
    model: object
    meta: dict
    history: list
    path: Path | None = None


def _fingerprint(*parts) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(json.dumps(p, sort_keys=True, default=str).encode())
    return h.hexdigest()


def _describe(ds: StampDataset, y: np.ndarray, classes) -> dict:
    return {"n": len(ds), "per_class": {c: int(np.sum(y == k)) for k, c in enumerate(classes)},
            "ids_sha256": hashlib.sha256("\n".join(ds.ids.tolist()).encode()).hexdigest(),
            "provenance": ds.provenance}


def _versions() -> dict:
    import keras

    from selfunc.cnn.models import backend

    return {"selfunc": __version__, "keras": keras.__version__, "backend": backend(),
            "numpy": np.__version__, "python": platform.python_version()}


def _optimizer(cfg: TrainConfig):
    import keras

    o = cfg.optimizer
    if o.name == "sgd":
        return keras.optimizers.SGD(learning_rate=o.learning_rate, momentum=o.momentum,
                                    nesterov=o.nesterov)
    if o.name == "adam":
        return keras.optimizers.Adam(learning_rate=o.learning_rate)
    return keras.optimizers.Adadelta(learning_rate=o.learning_rate, rho=o.rho)


def _save_keras(model, path: Path) -> None:
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.keras")
    try:
        model.save(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _seed_states(model) -> list:
    """States of the model's random-seed generators (dropout), which ``.keras`` files omit."""
    return [np.asarray(v).tolist() for v in model.variables if "seed_generator_state" in v.path]


def _restore_seed_states(model, states: list) -> None:
    variables = [v for v in model.variables if "seed_generator_state" in v.path]
    if len(variables) != len(states):
        raise SelfuncError("checkpoint: the model's random generators do not match the state file")
    for v, value in zip(variables, states):
        v.assign(np.asarray(value, dtype=v.dtype))


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1, default=str))
    os.replace(tmp, path)


def _val_metrics(model, x, y, classes) -> dict:
    probs = predict(model, x, batch_size=32)
    p_true = np.clip(probs[np.arange(len(y)), y], 1e-7, 1.0)
    out = {"val_loss": float(-np.mean(np.log(p_true))),
           "val_accuracy": float(np.mean(np.argmax(probs, axis=1) == y))}
    truth = (y == 1) if list(classes) == list(BINARY_CLASSES) else np.isin(
        np.asarray(classes)[y], ("low-z", "hi-z"))
    out["val_auc"] = binary_report(truth, cluster_probability(probs, classes))["auc"]
    return out


def format_duration(seconds: float) -> str:
    """``h:mm:ss`` (hours unbounded: ``32:54:43``); ``?`` when unknown (inf or NaN)."""
    if not np.isfinite(seconds):
        return "?"
    m, s = divmod(int(round(max(seconds, 0.0))), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}"


class _Progress:
    def __init__(self, stream, n_epochs: int, steps: int, batch: int):
        self.stream, self.n_epochs, self.steps, self.batch = stream, n_epochs, steps, batch
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.rates: list[float] = []

    def step(self, epoch: int, i: int, loss: float) -> None:
        if self.tty:
            w = 30
            bar = "#" * int(w * (i + 1) / self.steps)
            self.stream.write(f"\repoch {epoch + 1}/{self.n_epochs} [{bar:<{w}}] "
                              f"{i + 1}/{self.steps} loss {loss:.4f}")
            self.stream.flush()

    def epoch(self, epoch: int, logs: dict, seconds: float) -> None:
        rate = self.steps * self.batch / max(seconds, 1e-9)
        self.rates.append(seconds)
        eta = np.mean(self.rates[-5:]) * (self.n_epochs - epoch - 1)
        line = (f"epoch {epoch + 1}/{self.n_epochs}  loss {logs['loss']:.4f}  "
                f"acc {logs['accuracy']:.3f}  val_loss {logs['val_loss']:.4f}  "
                f"val_acc {logs['val_accuracy']:.3f}  val_auc {logs['val_auc']:.3f}  "
                f"lr {logs['lr']:.3g}  {seconds:.1f} s ({rate:.1f} img/s)  ETA {format_duration(eta)}")
        self.stream.write(("\r" if self.tty else "") + line + "\n")
        self.stream.flush()


def train(train_ds: StampDataset, cfg: TrainConfig, *, val_ds: StampDataset | None = None,
          seed: int = 0, kind: str = "composite", order=PAPER, out: str | Path | None = None,
          checkpoint_dir: str | Path | None = None, resume: bool = True, stream=None,
          data_source: dict | None = None) -> TrainResult:
    """Train a network on ``train_ds`` and return it with its metadata.

    Parameters
    ----------
    train_ds : StampDataset
        Labelled stamps. Without ``val_ds``, a stratified ``cfg.val_fraction`` of it is held
        out for validation (drawn with ``seed``).
    cfg : TrainConfig
    seed : int
        Seeds the initial weights, dropout, the batches, the augmentations and the
        validation split; runs with different seeds are the "10 runs" of Table 5.
    kind, order
        The network input (:mod:`selfunc.stamps.composite`).
    out : path, optional
        Where to save the final model (``.keras`` with metadata, no optimizer state).
    checkpoint_dir : path, optional
        Checkpoints (default: ``<out>.ckpt`` when ``out`` is given). Removed after a run
        that finishes and saves ``out``.
    resume : bool
        Continue from the checkpoint in ``checkpoint_dir`` if there is one (it must come from
        the same data, settings and seed; only the length of the run may differ, so a
        finished run can also be extended); False starts afresh.
    stream : file, optional
        Progress output (default ``sys.stdout``); a terminal gets a live bar.
    data_source : dict, optional
        Where the data came from (paths, …), recorded in the metadata.
    """
    import keras

    stream = stream or sys.stdout
    order = channel_order(order)
    classes = class_names(cfg.task)
    if val_ds is None:
        y_all = targets_of(train_ds, cfg.task)
        keep, held = stratified_split(y_all, cfg.val_fraction, training_rng(seed, "split"))
        if len(held) == 0:
            raise SelfuncError("too few stamps to hold out a validation set; give one")
        train_ds, val_ds = train_ds.subset(keep), train_ds.subset(held)
    y_train, y_val = targets_of(train_ds, cfg.task), targets_of(val_ds, cfg.task)
    try:
        x_train, x_val = train_ds.inputs(kind, order), val_ds.inputs(kind, order)
        batches = BalancedBatches(y_train, cfg.batch_size, len(classes), seed,
                                  balanced=cfg.balanced)
    except ValueError as exc:
        raise SelfuncError(str(exc)) from None
    steps, n_epochs = batches.steps_per_epoch, cfg.n_epochs(len(train_ds))
    input_shape = (*train_ds.shape, n_channels(kind))
    # the run's length and checkpointing may change between a run and its continuation
    fingerprint = _fingerprint(cfg.model_dump(mode="json", exclude={
        "epochs", "iterations", "checkpoint_every", "select"}), seed, kind, order,
                               train_ds.ids.tolist(), y_train.tolist(), val_ds.ids.tolist(),
                               y_val.tolist())

    if checkpoint_dir is None and out is not None:
        checkpoint_dir = Path(f"{out}.ckpt")
    ckpt = Path(checkpoint_dir) if checkpoint_dir is not None else None
    state = None
    if ckpt is not None and resume and (ckpt / "state.json").is_file():
        state = json.loads((ckpt / "state.json").read_text())
        if state.get("fingerprint") != fingerprint:
            raise SelfuncError(f"{ckpt}: checkpoint of a run with other data, settings or seed; "
                               "remove it, or start afresh (resume=False / --no-resume)")
    if state is not None:
        model = keras.saving.load_model(ckpt / "last.keras", compile=True)
        _restore_seed_states(model, state["seed_states"])
        start, history = state["epoch"] + 1, state["history"]
        base_lr, t = state["base_lr"], state["step"]
        plateau = Plateau(**state["plateau"])
        best_epoch = state.get("best_epoch")
        stream.write(f"resuming from {ckpt} after epoch {start}/{n_epochs}\n")
    else:
        model = build_model(cfg.model, input_shape, len(classes), seed=seed)
        model.compile(optimizer=_optimizer(cfg), loss="categorical_crossentropy",
                      metrics=["accuracy"])
        start, history, base_lr, t = 0, [], cfg.optimizer.learning_rate, 0
        best_epoch = None
        p = cfg.plateau
        plateau = Plateau(p.factor, p.patience, p.min_lr,
                          mode="min" if p.monitor == "val_loss" else "max")
        if ckpt is not None:
            ckpt.mkdir(parents=True, exist_ok=True)
            for name in CHECKPOINT_FILES:
                (ckpt / name).unlink(missing_ok=True)

    progress = _Progress(stream, n_epochs, steps, cfg.batch_size)
    stream.write(f"{n_epochs} epochs of {steps} batches of {cfg.batch_size} "
                 f"({n_epochs * steps} batches, {n_epochs * steps * cfg.batch_size} images)\n")
    eye = np.eye(len(classes), dtype=np.float32)
    decay = cfg.optimizer.decay
    for epoch in range(start, n_epochs):
        t0 = time.perf_counter()
        aug_rng = training_rng(seed, "augment", epoch)
        losses, accs = [], []
        for i, idx in enumerate(batches.epoch(epoch)):
            if cfg.augment.enabled:
                x, _ = augment(x_train[idx], aug_rng, cfg.augment)
            else:
                x = x_train[idx].astype(np.float32)
            model.optimizer.learning_rate = base_lr / (1.0 + decay * t)
            logs = model.train_on_batch(x, eye[y_train[idx]], return_dict=True)
            t += 1
            losses.append(float(logs["loss"]))
            accs.append(float(logs["accuracy"]))
            progress.step(epoch, i, float(np.mean(losses)))
        logs = {"epoch": epoch + 1, "loss": float(np.mean(losses)),
                "accuracy": float(np.mean(accs)), "lr": base_lr / (1.0 + decay * (t - 1)),
                **_val_metrics(model, x_val, y_val, classes)}
        improved = plateau.is_better(logs[cfg.plateau.monitor])
        base_lr = plateau.update(logs[cfg.plateau.monitor], base_lr)
        history.append(logs)
        progress.epoch(epoch, logs, time.perf_counter() - t0)
        if ckpt is not None:
            if cfg.select == "best" and improved:
                _save_keras(model, ckpt / "best.keras")
                best_epoch = epoch + 1
            if (epoch + 1) % cfg.checkpoint_every == 0 or epoch + 1 == n_epochs:
                _save_keras(model, ckpt / "last.keras")
                _write_json(ckpt / "state.json", {
                    "fingerprint": fingerprint, "epoch": epoch, "step": t, "base_lr": base_lr,
                    "plateau": dataclasses.asdict(plateau), "history": history,
                    "best_epoch": best_epoch,
                    "seed_states": _seed_states(model)})

    selected = len(history)
    if cfg.select == "best" and ckpt is not None and (ckpt / "best.keras").is_file():
        model = keras.saving.load_model(ckpt / "best.keras", compile=False)
        selected = best_epoch or selected
    final = keras.models.clone_model(model)
    final.set_weights(model.get_weights())
    meta = {
        "task": cfg.task, "classes": list(classes),
        "input": {"kind": kind, "channel_order": list(order), "shape": list(input_shape)},
        "stamps": train_ds.provenance.get("stamps"),
        "train_config": cfg.model_dump(mode="json"), "seed": seed,
        "data": {"source": data_source or {}, "train": _describe(train_ds, y_train, classes),
                 "validation": _describe(val_ds, y_val, classes)},
        "history": history, "selected_epoch": selected,
        "validation": history[selected - 1] if history else {},
        "versions": _versions(), "created": dt.datetime.now(dt.timezone.utc).isoformat(),
        "command": " ".join(sys.argv),
    }
    path = None
    if out is not None:
        path = save_model(final, out, meta)
        if ckpt is not None:
            for name in CHECKPOINT_FILES:
                (ckpt / name).unlink(missing_ok=True)
            if ckpt.is_dir() and not any(ckpt.iterdir()):
                ckpt.rmdir()
    return TrainResult(model=final, meta=meta, history=history, path=path)
