"""``selfunc train-cnn``'s default preset finishes on a laptop in minutes, the paper's
presets are there by name, and the ETA reads h:mm:ss."""

import argparse
import io
import re

import numpy as np
import pytest

from selfunc.cli import train_cnn
from selfunc.cnn import load_train_config, train
from selfunc.cnn.config import DEFAULT_PRESET
from selfunc.cnn.train import format_duration

from .conftest import tiny_dataset

#: Training speed of the custom network on 356² stamps, 2-core development machine
#: (docs/cnn.md "Speed", re-measured 2026-11-24): images per second, augmentation included.
TRAIN_IMAGES_PER_S = 26.9


def test_duration_is_h_mm_ss():
    assert format_duration(118483) == "32:54:43"  # the issue's 118483 s of Table 4's SGD
    assert format_duration(0) == "0:00:00"
    assert format_duration(59.6) == "0:01:00"
    assert format_duration(3600) == "1:00:00"
    assert format_duration(float("inf")) == "?" and format_duration(float("nan")) == "?"


def test_default_preset_is_minutes_and_the_papers_stay_by_name():
    cfg = load_train_config()
    assert DEFAULT_PRESET == "fast" and cfg == load_train_config("fast")
    # the budget in images, at the measured training speed: under 5 minutes
    assert cfg.iterations * cfg.batch_size / TRAIN_IMAGES_PER_S < 300
    assert cfg.iterations <= 1000 and cfg.optimizer.name == "adam"
    sgd = load_train_config("table4-sgd")
    assert sgd == load_train_config("custom")  # Table 4, custom network
    assert (sgd.iterations, sgd.batch_size, sgd.optimizer.name) == (153_000, 10, "sgd")
    mob = load_train_config("table4-mobilenet")
    assert (mob.iterations, mob.batch_size, mob.optimizer.name) == (3_825, 20, "adadelta")
    # Table 4's SGD at the same speed: ~16 h of CPU, the reason it is not the default
    assert sgd.iterations * sgd.batch_size / TRAIN_IMAGES_PER_S / 3600 == pytest.approx(15.8, abs=0.1)


def test_cli_default_preset():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    train_cnn.register(sub)
    args = parser.parse_args(["train-cnn", "d.h5", "--out", "m.keras"])
    assert args.preset == DEFAULT_PRESET


def test_training_prints_its_budget_and_an_h_mm_ss_eta():
    ds = tiny_dataset()
    log = io.StringIO()
    cfg = load_train_config(iterations=10, batch_size=4)
    res = train(ds, cfg, seed=0, kind="xray", stream=log)
    text = log.getvalue()
    steps = int(np.ceil(0.8 * len(ds) / 4))  # 80 % trains, batches of 4
    n_epochs = -(-10 // steps)
    assert f"{n_epochs} epochs of {steps} batches of 4" in text and len(res.history) == n_epochs
    etas = re.findall(r"ETA (\S+)", text)
    assert len(etas) == n_epochs and all(re.fullmatch(r"\d+:\d\d:\d\d", e) for e in etas)
    assert etas[-1] == "0:00:00"
