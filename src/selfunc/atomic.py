"""Atomic saves of figures, images and text: written under a temporary name beside the
target and renamed into place (:func:`selfunc.io.atomic_path`), so that a killed run leaves
the previous file or the new one under the final name, never a truncated one."""

from __future__ import annotations

from pathlib import Path

from selfunc.io import atomic_path

__all__ = ["save_figure", "save_image", "write_text"]


def save_figure(fig, path, **kwargs) -> Path:
    """``fig.savefig(path)``, atomically; the format comes from ``path``'s suffix."""
    path = Path(path)
    kwargs.setdefault("format", path.suffix.lstrip(".") or "png")
    with atomic_path(path) as tmp:
        fig.savefig(tmp, **kwargs)
    return path


def save_image(image, path, format: str = "PNG") -> Path:
    """A PIL image, atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        image.save(tmp, format=format)
    return path


def write_text(path, text: str, encoding: str = "utf-8") -> Path:
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding=encoding)
    return path
