"""Many pointings: scheduling on Dask, resume, atomic writes, provenance, merged catalogues."""

from selfunc.campaign.engine import run_campaign
from selfunc.campaign.simulate import run_pointing, simulate_pointing

__all__ = ["run_campaign", "run_pointing", "simulate_pointing"]
