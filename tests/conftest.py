import pytest

from helpers import REAL, missing_real_data
from selfunc.config.models import InstrumentConfig


@pytest.fixture
def instrument():
    return InstrumentConfig()


@pytest.fixture
def real_data():
    if not REAL.is_dir():
        missing_real_data(f"shared real-data folder {REAL} is absent (it sits beside the "
                          "checkout in CI)")
    return REAL
