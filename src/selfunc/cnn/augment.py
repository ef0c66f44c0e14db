"""On-the-fly augmentation of training stamps (Kosiba et al. 2020, §3.2).

"At each training step, the input image is randomly scaled to a uniform value between
1/1.3 and 1.3, rotated by a random uniform angle between 0 and 360° and translated in x and
y directions by a random uniform value between −4 and 4 pixels."

Each image gets its own (zoom s, angle θ, shift t). About the stamp centre c, a feature at
pixel p moves to ``c + s R(θ) (p − c) + t``; pixels are interpolated bilinearly and the
border is extended (``fill = "nearest"``, as Keras' ``ImageDataGenerator``). Plain NumPy and
SciPy on the host, so it is the same on every Keras backend and reproducible from an
explicit :class:`numpy.random.Generator`.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy import ndimage

from selfunc.cnn.config import AugmentConfig

__all__ = ["Transforms", "draw_transforms", "apply_transforms", "augment"]


@dataclasses.dataclass(frozen=True)
class Transforms:
    """Per-image parameters: ``zoom`` (n,), ``angle`` (n,) degrees, ``shift`` (n, 2) pixels
    as (dx, dy), x along columns and y along rows."""

    zoom: np.ndarray
    angle: np.ndarray
    shift: np.ndarray

    def __len__(self) -> int:
        return len(self.zoom)


def draw_transforms(rng: np.random.Generator, n: int, cfg: AugmentConfig = AugmentConfig()
                    ) -> Transforms:
    """Uniform zoom in ``cfg.zoom``, angle in ``cfg.rotation`` and shifts in ±``cfg.shift``."""
    zoom = rng.uniform(cfg.zoom[0], cfg.zoom[1], n)
    angle = rng.uniform(cfg.rotation[0], cfg.rotation[1], n)
    shift = rng.uniform(-cfg.shift, cfg.shift, (n, 2))
    return Transforms(zoom, angle, shift)


def _matrix(zoom: float, angle: float, shift, shape) -> tuple[np.ndarray, np.ndarray]:
    """``affine_transform``'s (matrix, offset) mapping an output (row, col) to the input."""
    c = (np.asarray(shape[:2], dtype=float) - 1.0) / 2.0
    t = np.array([shift[1], shift[0]], dtype=float)  # (dy, dx) in (row, col)
    a = np.deg2rad(angle)
    # forward map in (row, col): rotate by θ from +x (columns) towards +y (rows), then scale
    rot = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])
    inv = rot.T / zoom
    return inv, c - inv @ (c + t)


def apply_transforms(images, tr: Transforms, *, fill: str = "nearest") -> np.ndarray:
    """Apply ``tr`` to ``images`` (n, H, W, C); returns float32."""
    images = np.asarray(images)
    if images.ndim != 4 or len(images) != len(tr):
        raise ValueError(f"apply_transforms: images of shape {images.shape} for {len(tr)} "
                         "transforms")
    out = np.empty(images.shape, dtype=np.float32)
    for k in range(len(images)):
        m, off = _matrix(tr.zoom[k], tr.angle[k], tr.shift[k], images.shape[1:])
        for ch in range(images.shape[-1]):
            ndimage.affine_transform(images[k, ..., ch].astype(np.float32), m, offset=off,
                                     output=out[k, ..., ch], order=1, mode=fill, cval=0.0)
    return out


def augment(images, rng: np.random.Generator, cfg: AugmentConfig = AugmentConfig()
            ) -> tuple[np.ndarray, Transforms]:
    """Draw one transform per image and apply it; returns (float32 images, transforms)."""
    tr = draw_transforms(rng, len(images), cfg)
    return apply_transforms(images, tr, fill=cfg.fill), tr
