"""Config values with units.

A config value may be a plain number, read in the quantity's canonical unit (seconds,
arcsec, arcmin, keV, erg s⁻¹ cm⁻², …), or a string with a unit that astropy understands
(``"10 ks"``, ``"2.5 arcsec"``, ``"1e-14 erg / (s cm2)"``). A string whose unit has the wrong
physical type is rejected with a message that names the expected unit.
"""

from __future__ import annotations

from typing import Annotated

import math

import astropy.units as u
from pydantic import BeforeValidator

__all__ = ["quantity_in", "Seconds", "Arcsec", "Arcmin", "Degrees", "KeV", "Flux",
           "RatePerArcmin2"]


def quantity_in(unit: str):
    """A pydantic before-validator converting numbers or unit strings to ``unit``."""
    target = u.Unit(unit)

    def convert(value):
        value = _convert(value)
        if not math.isfinite(value):  # "nan ks" would pass the model's own float check
            raise ValueError(f"expected a finite number in {target}, got {value:g}")
        return value

    def _convert(value):
        if isinstance(value, bool):
            raise ValueError(f"expected a number in {target} or a string such as '1 {target}'")
        if isinstance(value, int):
            try:
                return float(value)
            except OverflowError:
                raise ValueError(f"{value} is too large for a number in {target}") from None
        if isinstance(value, float):
            return value
        if isinstance(value, str):
            try:
                q = u.Quantity(value)
            except (TypeError, ValueError):
                raise ValueError(
                    f"cannot read {value!r} as a quantity; expected e.g. '1 {target}'"
                ) from None
            try:
                return float(q.to_value(target))
            except u.UnitConversionError:
                raise ValueError(
                    f"unit '{q.unit}' is not convertible to {target}"
                ) from None
            except (TypeError, ValueError):  # an array such as "[1, 2] s"
                raise ValueError(f"expected one number in {target}, got {value!r}") from None
        raise ValueError(f"expected a number in {target} or a string such as '1 {target}'")

    return BeforeValidator(convert)


Seconds = Annotated[float, quantity_in("s")]
Arcsec = Annotated[float, quantity_in("arcsec")]
Arcmin = Annotated[float, quantity_in("arcmin")]
Degrees = Annotated[float, quantity_in("deg")]
KeV = Annotated[float, quantity_in("keV")]
Flux = Annotated[float, quantity_in("erg / (s cm2)")]
RatePerArcmin2 = Annotated[float, quantity_in("1 / (s arcmin2)")]
