"""Many pointings: scheduling, resume, atomic writes, provenance, merged catalogues."""

from selfunc.campaign.simulate import run_campaign, simulate_pointing

__all__ = ["run_campaign", "simulate_pointing"]
