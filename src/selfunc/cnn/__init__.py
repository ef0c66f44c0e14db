"""CNN screening of cluster candidates (Kosiba et al. 2020, §3–§5).

Keras 3 models (the custom network of Table 3, MobileNet), on-the-fly augmentation (§3.2),
balanced mini-batches (§5.2), training with the Table-4 presets (``configs/cnn/``),
checkpoints and resume, evaluation (A, P, R, ROC/AUC, repeated runs, k-fold, one-vs-all),
plots, and scoring of candidates. Backend-agnostic: TensorFlow by default, torch with
``KERAS_BACKEND=torch``. Knows stamps (:mod:`selfunc.stamps`), not pointings. See
``docs/cnn.md``.
"""

from selfunc.cnn.augment import Transforms, apply_transforms, augment, draw_transforms
from selfunc.cnn.batches import BalancedBatches
from selfunc.cnn.config import (AugmentConfig, ModelConfig, OptimizerConfig,
                                PlateauConfig, TrainConfig, load_train_config)
from selfunc.cnn.evaluate import (BINARY_CLASSES, binary_report, cluster_probability,
                                  format_summary, one_vs_all, outcomes, predict, summarise)
from selfunc.cnn.experiments import cross_validate, evaluate_model, repeated_runs
from selfunc.cnn.models import (N_PARAMS_TABLE3, backend, build_model,
                                custom_network, mobilenet)
from selfunc.cnn.saving import load_model, read_meta, save_model
from selfunc.cnn.score import score_candidates, score_dataset, stamp_config_of
from selfunc.cnn.splits import kfold_splits, stratified_split
from selfunc.cnn.train import TrainResult, class_names, targets_of, train

__all__ = [
    "custom_network", "mobilenet", "build_model", "backend", "N_PARAMS_TABLE3",
    "TrainConfig", "ModelConfig", "OptimizerConfig", "PlateauConfig", "AugmentConfig",
    "load_train_config",
    "augment", "draw_transforms", "apply_transforms", "Transforms", "BalancedBatches",
    "train", "TrainResult", "class_names", "targets_of",
    "save_model", "load_model", "read_meta",
    "predict", "cluster_probability", "binary_report", "one_vs_all", "summarise",
    "format_summary", "outcomes", "BINARY_CLASSES",
    "evaluate_model", "repeated_runs", "cross_validate", "kfold_splits", "stratified_split",
    "score_candidates", "score_dataset", "stamp_config_of",
]
