"""selfunc: selection functions for X-ray galaxy-cluster surveys.

See ``DESIGN`` in the repository README for the map of the packages.
"""

__version__ = "0.1.0"
