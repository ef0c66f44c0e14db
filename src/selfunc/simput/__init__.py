"""SIMPUT export of a pointing's truth (for cross-checks with SIXTE or SOXS): writing,
reading back and a validator of the format's required extensions, columns, keywords
and units."""

from selfunc.simput.catalogue import build, read, write
from selfunc.simput.validate import check, problems

__all__ = ["build", "read", "write", "check", "problems"]
