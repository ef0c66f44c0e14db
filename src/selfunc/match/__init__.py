"""Detections ↔ truth: labels for candidates, detection records for truth sources."""

from selfunc.match.crossmatch import CLASSES, crossmatch

__all__ = ["CLASSES", "crossmatch"]
