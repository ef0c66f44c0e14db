"""Detections ↔ truth: labels for candidates, detection records for truth sources."""

from selfunc.match.crossmatch import CLASSES, MatchRule, crossmatch

__all__ = ["CLASSES", "MatchRule", "crossmatch"]
