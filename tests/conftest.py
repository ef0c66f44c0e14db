import pytest

from helpers import REAL
from selfunc.config.models import InstrumentConfig


@pytest.fixture
def instrument():
    return InstrumentConfig()


@pytest.fixture
def real_data():
    if not REAL.is_dir():
        pytest.skip(f"shared real-data folder {REAL} is absent (it sits beside the checkout in CI)")
    return REAL
