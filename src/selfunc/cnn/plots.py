"""Figures of Kosiba et al. 2020 for our networks: ROC curves (Figs. 8, 13, 14), confusion
matrices, galleries of true/false positives and false negatives (Figs. 9–11), feature maps
(Fig. 12) and a gradient-free class-activation map.

The activation map is Score-CAM (Wang et al. 2020): each channel of a convolutional
layer's output, upsampled to the stamp and scaled to [0, 1], is used as a mask that blends
the stamp towards its per-channel median (the empty sky of an Appendix-A stamp is white,
255, not 0), and the class probability of each masked stamp weights that channel. It needs
only forward passes, so it is the same on every Keras backend.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from selfunc.cnn.evaluate import roc

__all__ = ["plot_roc", "plot_confusion", "plot_gallery", "feature_maps", "plot_feature_maps",
           "score_cam", "plot_activation"]


def _figure(nrows=1, ncols=1, size=(5, 5)):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt.subplots(nrows, ncols, figsize=size, squeeze=False)


def _save(fig, path) -> Path:
    import matplotlib.pyplot as plt

    from selfunc.io import atomic_path

    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=path.suffix.lstrip(".") or "png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def plot_roc(curves, path, *, title: str = "ROC") -> Path:
    """ROC curves: ``curves`` maps a label to (truth, score); the AUC is in the legend."""
    from selfunc.metrics import roc_auc

    fig, axes = _figure(size=(5, 5))
    ax = axes[0, 0]
    for label, (truth, score) in curves.items():
        fpr, tpr, _ = roc(truth, score)
        ax.plot(fpr, tpr, label=f"{label} (AUC {roc_auc(truth, score):.2f})")
    ax.plot([0, 1], [0, 1], ls="--", c="grey", lw=1)
    ax.set(xlabel="false positive rate FP/(FP+TN)", ylabel="true positive rate (recall)",
           xlim=(0, 1), ylim=(0, 1.01), title=title)
    ax.legend(loc="lower right", fontsize=8)
    return _save(fig, path)


def plot_confusion(targets, predicted, classes, path, *, title: str = "confusion matrix") -> Path:
    """Counts of (true class, predicted class), rows = truth."""
    k = len(classes)
    m = np.zeros((k, k), dtype=int)
    np.add.at(m, (np.asarray(targets, int), np.asarray(predicted, int)), 1)
    fig, axes = _figure(size=(1.2 * k + 2, 1.2 * k + 1.5))
    ax = axes[0, 0]
    ax.imshow(m, cmap="Blues")
    for i in range(k):
        for j in range(k):
            ax.text(j, i, str(m[i, j]), ha="center", va="center",
                    color="white" if m[i, j] > m.max() / 2 else "black")
    ax.set_xticks(range(k), classes, rotation=45, ha="right")
    ax.set_yticks(range(k), classes)
    ax.set(xlabel="predicted", ylabel="true", title=title)
    return _save(fig, path)


def plot_gallery(ds, index, path, *, scores=None, title: str = "", kind: str = "composite",
                 order=None) -> Path:
    """Rows of optical, X-ray and network-input stamps (Figs. 9–11: optical, X-ray,
    combined) for the stamps ``index``; ``kind`` and ``order`` choose the input shown (a
    three-channel kind; ``six`` shows the composite)."""
    from selfunc.stamps.composite import PAPER

    index = np.asarray(index, dtype=int)
    n = max(len(index), 1)
    fig, axes = _figure(n, 3, size=(7.5, 2.5 * n))
    panels = [("optical", ds.grey("optical")), ("X-ray", ds.grey("xray"))]
    kind = "composite" if kind == "six" else kind
    combined = ds.inputs(kind, order or PAPER) if kind in ds.kinds else None
    for r, k in enumerate(index):
        for c, (name, img) in enumerate(panels):
            ax = axes[r, c]
            if img is not None:
                ax.imshow(img[k], cmap="gray", vmin=0, vmax=255)
            else:
                ax.text(0.5, 0.5, f"no {name} band", ha="center", va="center",
                        transform=ax.transAxes, fontsize=8, color="grey")
            ax.set_title(name if r == 0 else "", fontsize=9)
        if combined is not None:
            axes[r, 2].imshow(combined[k])
        axes[r, 2].set_title(("combined" if kind == "composite" else f"input ({kind})")
                             if r == 0 else "", fontsize=9)
        label = f"{ds.ids[k]}  {ds.labels[k]}"
        if scores is not None:
            label += f"  p={scores[k]:.2f}"
        axes[r, 0].set_ylabel(label, fontsize=8)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title)
    return _save(fig, path)


def _submodel(model, layer_names):
    import keras

    return keras.Model(model.input, [model.get_layer(n).output for n in layer_names])


def feature_maps(model, image, layers=("conv2", "conv4", "conv6")) -> dict[str, np.ndarray]:
    """Outputs (h, w, filters) of ``layers`` for one stamp (H, W, C; 0–255)."""
    sub = _submodel(model, list(layers))
    outs = sub.predict_on_batch(np.asarray(image, np.float32)[None])
    outs = outs if isinstance(outs, (list, tuple)) else [outs]
    return {name: np.asarray(o)[0] for name, o in zip(layers, outs)}


def plot_feature_maps(model, image, path, *, layers=("conv2", "conv4", "conv6"),
                      n_filters: int = 3) -> Path:
    """Fig. 12: the input, then the ``n_filters`` most active filters of each layer."""
    maps = feature_maps(model, image, layers)
    fig, axes = _figure(len(layers) + 1, n_filters, size=(2.6 * n_filters, 2.6 * (len(layers) + 1)))
    img = np.asarray(image)
    axes[0, 0].imshow(img[..., :3].astype(np.uint8))
    axes[0, 0].set_title("input", fontsize=9)
    for ax in axes[0, 1:]:
        ax.set_axis_off()
    for r, name in enumerate(layers, start=1):
        m = maps[name]
        top = np.argsort(m.reshape(-1, m.shape[-1]).mean(axis=0))[::-1][:n_filters]
        for c, f in enumerate(top):
            axes[r, c].imshow(m[..., f], cmap="viridis")
            axes[r, c].set_title(f"{name} filter {f}", fontsize=8)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    return _save(fig, path)


def score_cam(model, image, class_index: int, *, layer: str = "conv6",
              batch_size: int = 32) -> np.ndarray:
    """Score-CAM map (H, W) in [0, 1] of ``class_index`` for one stamp (see module docstring)."""
    from PIL import Image

    image = np.asarray(image, dtype=np.float32)
    acts = feature_maps(model, image, (layer,))[layer]
    h, w = image.shape[:2]
    masks = []
    for k in range(acts.shape[-1]):
        a = acts[..., k]
        up = np.asarray(Image.fromarray(a.astype(np.float32)).resize((w, h), Image.Resampling.BILINEAR))
        span = up.max() - up.min()
        masks.append((up - up.min()) / span if span > 0 else np.zeros_like(up))
    masks = np.stack(masks)
    baseline = np.median(image.reshape(-1, image.shape[-1]), axis=0)
    weights = np.empty(len(masks), dtype=np.float64)
    for start in range(0, len(masks), batch_size):
        m = masks[start:start + batch_size, ..., None]
        x = baseline + m * (image[None] - baseline)
        weights[start:start + batch_size] = np.asarray(
            model.predict_on_batch(x.astype(np.float32)))[:, class_index]
    cam = np.maximum(np.tensordot(weights, masks, axes=1), 0.0)
    return cam / cam.max() if cam.max() > 0 else cam


def plot_activation(image, cam, path, *, title: str = "") -> Path:
    """The stamp with its activation map over it."""
    fig, axes = _figure(1, 2, size=(7, 3.6))
    img = np.asarray(image)[..., :3].astype(np.uint8)
    axes[0, 0].imshow(img)
    axes[0, 0].set_title("input", fontsize=9)
    axes[0, 1].imshow(img)
    axes[0, 1].imshow(cam, cmap="jet", alpha=0.45, vmin=0, vmax=1)
    axes[0, 1].set_title(title or "Score-CAM", fontsize=9)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    return _save(fig, path)
