"""Network inputs from the two grey-scaled bands (Kosiba et al. 2020, §3.1, §5.3).

Kinds of input (``KINDS``):

``composite``
    Three channels: the grey X-ray image, the grey optical image and a zero channel, in the
    order given by the channel order (below). The paper's default input.
``xray`` / ``optical``
    The same three-channel image with the other band's channel set to zero: the
    "solo X-ray" / "solo optical" networks of Table 5 keep the architecture and input shape
    of the combined one, only the information changes.
``six``
    The two XAmin PNGs (Table A2 colours) concatenated without grey-scaling: X-ray R, G, B
    then optical R, G, B (§5.3, "six channels instead of three").

Channel order. §3.1 of the paper says blue = optical, green = X-ray, red = zeros, i.e.
(R, G, B) = (empty, X-ray, optical): ``PAPER``. The public image set of the paper (Zenodo
record 7236582, ``Kosiba2020.zip``) is described as [empty, optical, X-ray]: ``ZENODO``.
**The default is ``PAPER``**: selfunc implements the paper's text, its simulated stamps and
its shipped models use it, and every dataset and model records the order it was made with,
so a public-layout folder is read with ``ZENODO`` (the reader's default) and re-ordered when
it is mixed with our stamps (:func:`reorder`).
"""

from __future__ import annotations

import numpy as np

# The names are validated in the config layer (StampConfig checks its channel order there).
from selfunc.config.stamps import BANDS, CHANNEL_ORDERS, KINDS, PAPER, ZENODO, channel_order

__all__ = ["KINDS", "BANDS", "PAPER", "ZENODO", "CHANNEL_ORDERS", "channel_order",
           "compose", "reorder", "n_channels"]


def n_channels(kind: str) -> int:
    if kind not in KINDS:
        raise ValueError(f"input kind {kind!r}: expected one of {', '.join(KINDS)}")
    return 6 if kind == "six" else 3


def compose(kind: str, *, xray_grey=None, optical_grey=None, xray_rgb=None, optical_rgb=None,
            order=PAPER) -> np.ndarray:
    """Stack the bands into a network input of ``kind`` (shape ``(..., ny, nx, C)``).

    Grey images are ``(..., ny, nx)``; RGB PNGs ``(..., ny, nx, 3)``; all of one dtype
    (``uint8`` stamps give a ``uint8`` input). A band the kind needs must be given; the
    others are ignored.
    """
    n_channels(kind)
    if kind == "six":
        if xray_rgb is None or optical_rgb is None:
            raise ValueError("input 'six' needs both RGB bands (xray_rgb and optical_rgb)")
        x, o = np.asarray(xray_rgb), np.asarray(optical_rgb)
        if x.shape != o.shape:
            raise ValueError(f"xray_rgb {x.shape} and optical_rgb {o.shape} differ in shape")
        return np.concatenate([x, o], axis=-1)
    need = {"composite": ("xray", "optical"), "xray": ("xray",), "optical": ("optical",)}[kind]
    given = {"xray": xray_grey, "optical": optical_grey}
    for band in need:
        if given[band] is None:
            raise ValueError(f"input '{kind}' needs the {band} band")
    ref = np.asarray(given[need[0]])
    for band in need[1:]:
        if np.shape(given[band]) != ref.shape:
            raise ValueError(f"grey bands differ in shape: {ref.shape} and "
                             f"{np.shape(given[band])}")
    zeros = np.zeros_like(ref)
    planes = {"empty": zeros,
              "xray": np.asarray(xray_grey) if "xray" in need else zeros,
              "optical": np.asarray(optical_grey) if "optical" in need else zeros}
    return np.stack([planes[b] for b in channel_order(order)], axis=-1)


def reorder(images, from_order, to_order) -> np.ndarray:
    """Permute the channels of three-channel inputs from one channel order to another."""
    src, dst = channel_order(from_order), channel_order(to_order)
    images = np.asarray(images)
    if images.shape[-1] != 3:
        raise ValueError(f"reorder: expected 3 channels, got shape {images.shape}")
    return images[..., [src.index(b) for b in dst]]
