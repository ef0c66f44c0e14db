"""Throughput of the custom network (Kosiba et al. 2020, Table 3) on this machine.

Prints inference and training images/s for 356×356×3 stamps: inference with
``predict_on_batch`` in batches of 32, training with ``train_on_batch`` on balanced
batches of 10 (Table 4) including the §3.2 augmentation done on the host, as
:func:`selfunc.cnn.train` does. Random stamps: the speed does not depend on the content.

    python scripts/bench/cnn.py                      # TensorFlow (default backend)
    KERAS_BACKEND=torch python scripts/bench/cnn.py  # torch, on a GPU when one is visible
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=356, help="stamp side (default 356)")
    ap.add_argument("--seconds", type=float, default=20.0, help="time per measurement")
    args = ap.parse_args(argv)

    import keras

    from selfunc.cnn import AugmentConfig, augment, custom_network, load_train_config
    from selfunc.cnn.train import _optimizer

    device = "cpu"
    if keras.backend.backend() == "torch":
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
    elif keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        device = "gpu" if tf.config.list_physical_devices("GPU") else "cpu"
    print(f"keras {keras.__version__}, backend {keras.backend.backend()} on {device}, "
          f"stamps {args.size}x{args.size}x3")
    rng = np.random.default_rng(0)
    model = custom_network((args.size, args.size, 3), 2, seed=0)
    model.compile(optimizer=_optimizer(load_train_config("custom")),
                  loss="categorical_crossentropy", metrics=["accuracy"])
    x32 = rng.integers(0, 256, (32, args.size, args.size, 3)).astype(np.float32)
    model.predict_on_batch(x32)  # build / trace
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < args.seconds:
        model.predict_on_batch(x32)
        n += len(x32)
    inference = n / (time.perf_counter() - t0)
    print(f"inference: {inference:8.1f} images/s (batch 32)")

    stamps = rng.integers(0, 256, (10, args.size, args.size, 3), dtype=np.uint8)
    y = np.eye(2, dtype=np.float32)[[0, 1] * 5]
    model.train_on_batch(stamps.astype(np.float32), y)
    cfg = AugmentConfig()
    timings = {"augment": 0.0, "step": 0.0}
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < args.seconds:
        ta = time.perf_counter()
        x, _ = augment(stamps, rng, cfg)
        tb = time.perf_counter()
        model.train_on_batch(x, y)
        timings["augment"] += tb - ta
        timings["step"] += time.perf_counter() - tb
        n += len(stamps)
    total = time.perf_counter() - t0
    print(f"training:  {n / total:8.1f} images/s (batch 10, augmentation included; "
          f"{100 * timings['augment'] / total:.0f} % of the time in augmentation)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
