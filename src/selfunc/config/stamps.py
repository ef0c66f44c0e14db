"""How stamps are made: :class:`StampConfig` (preset ``configs/stamps/xamin.toml``).

Frozen pydantic models in the style of :mod:`selfunc.config.models` (unknown keys are
errors). The cut levels of Appendix A (Table A1) are not published; the defaults below are
selfunc's choice and are recorded in every dataset's provenance. Read a preset with
:func:`selfunc.config.load.load_stamp_config`.

The names of the network inputs (``KINDS``) and of the channel orders (``PAPER``,
``ZENODO``; :func:`channel_order`) are validated here, below :mod:`selfunc.stamps`, so that the
config layer needs nothing above it; :mod:`selfunc.stamps.composite` explains them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from selfunc.config.models import Frozen
from selfunc.config.units import Arcmin, Arcsec

__all__ = ["CutConfig", "BandConfig", "StampConfig", "KINDS", "BANDS", "PAPER", "ZENODO",
           "CHANNEL_ORDERS", "channel_order"]

#: Network input kinds (:mod:`selfunc.stamps.composite`).
KINDS = ("composite", "xray", "optical", "six")
#: The contents a channel may hold, and the (R, G, B) orders by name: §3.1 of the paper
#: (``PAPER``) and the public image set, Zenodo record 7236582 (``ZENODO``).
BANDS = ("empty", "xray", "optical")
PAPER = ("empty", "xray", "optical")
ZENODO = ("empty", "optical", "xray")
CHANNEL_ORDERS = {"paper": PAPER, "zenodo": ZENODO}


def channel_order(order) -> tuple[str, str, str]:
    """Validate a channel order: a name of ``CHANNEL_ORDERS`` or a permutation of
    ``("empty", "xray", "optical")`` giving the content of (R, G, B)."""
    if isinstance(order, str):
        if order in CHANNEL_ORDERS:
            return CHANNEL_ORDERS[order]
        order = tuple(s.strip() for s in order.split(","))
    order = tuple(order)
    if sorted(order) != sorted(BANDS):
        raise ValueError(f"channel order {order!r}: expected 'paper', 'zenodo' or a "
                         f"permutation of {BANDS} giving (R, G, B)")
    return order


class CutConfig(Frozen):
    """Table A1 cut levels: ``fixed`` (``min_cut``, ``max_cut`` in image units) or
    ``percentile`` (``lower``, ``upper`` percentiles of the cutout, ``min_range`` the least
    distance between the two levels); :func:`selfunc.stamps.normalise.cut_strategy` turns it
    into the cut function."""

    method: Literal["fixed", "percentile"] = "percentile"
    min_cut: float | None = None
    max_cut: float | None = None
    lower: float = Field(default=0.0, ge=0, le=100)
    upper: float = Field(default=99.9, ge=0, le=100)
    min_range: float = Field(default=1.0, gt=0)

    @model_validator(mode="after")
    def _complete(self):
        if self.method == "fixed":
            if self.min_cut is None or self.max_cut is None:
                raise ValueError("method 'fixed' needs min_cut and max_cut")
            if not self.max_cut > self.min_cut:
                raise ValueError("max_cut must exceed min_cut")
        elif not self.lower < self.upper:
            raise ValueError("lower must be below upper")
        return self


class BandConfig(Frozen):
    """One band's stamp: Gaussian smoothing (FWHM, arcsec; 0 = raw image, as the paper's
    networks saw it), the cut levels, whether Table A2's colours are applied (else the PNG
    is grey), and the value of pixels outside the image (NaN: no data, ignored by the
    percentile cuts and white after Table A1)."""

    smooth_fwhm: Arcsec = Field(default=0.0, ge=0)
    cuts: CutConfig = CutConfig()
    colour: bool = True
    fill_value: float = Field(default=0.0, allow_inf_nan=True)  # NaN = no data, by design


class StampConfig(Frozen):
    """Stamps of Kosiba et al. 2020: ``size`` square (7′, §2), resampled to ``npix``
    (356, §3.1), per-band normalisation (Appendix A), input ``kind`` and ``channel_order``
    (see :mod:`selfunc.stamps.composite`; default ``paper``)."""

    size: Arcmin = Field(default=7.0, gt=0)
    npix: int = Field(default=356, ge=8, le=4096)
    kind: Literal["composite", "xray", "optical", "six"] = "composite"
    channel_order: str | tuple[str, str, str] = "paper"
    xray: BandConfig = BandConfig(cuts=CutConfig(method="percentile", lower=0.0, upper=99.9,
                                                 min_range=1.0))
    optical: BandConfig = BandConfig(cuts=CutConfig(method="percentile", lower=0.5, upper=99.5,
                                                    min_range=1.0), fill_value=float("nan"))

    @model_validator(mode="after")
    def _order(self):
        channel_order(self.channel_order)
        return self

    @property
    def order(self) -> tuple[str, str, str]:
        return channel_order(self.channel_order)

    @property
    def bands(self) -> tuple[str, ...]:
        return {"composite": ("xray", "optical"), "six": ("xray", "optical"),
                "xray": ("xray",), "optical": ("optical",)}[self.kind]

