"""Selection functions: completeness of true clusters and purity of selected candidates.

Modules, each holding one idea:

* :mod:`~selfunc.selection.catalogues` — campaign catalogues → completeness/purity samples;
* :mod:`~selfunc.selection.binned` — binned fractions with Beta-posterior intervals;
* :mod:`~selfunc.selection.models` — parametric transition models and their Bernoulli
  likelihood;
* :mod:`~selfunc.selection.fitting` — emcee sampling with enforced convergence checks;
* :mod:`~selfunc.selection.function` — :class:`SelectionFunction`, evaluation and HDF5;
* :mod:`~selfunc.selection.massz` — :math:`P(\\text{selected} \\mid M, z)`;
* :mod:`~selfunc.selection.observable` — P(selected | CR, HR, z) on a grid (``ObservableSelection``);
* :mod:`~selfunc.selection.calibration` — simulation-based calibration;
* :mod:`~selfunc.selection.plots` — diagnostic figures.

The selection rules (``"(C1 or C2) and p_cluster > 0.5"``) are :mod:`selfunc.rules`, below
the config layer that checks them at load time; ``Selection`` is re-exported here.
See ``docs/selection.md``.
"""

from selfunc.rules import NAMED_SELECTIONS, Selection
from selfunc.selection.binned import BinnedFraction, binned_fraction, compare
from selfunc.selection.calibration import CalibrationResult, calibrate
from selfunc.selection.catalogues import (
    Catalogues, Sample, completeness_sample, purity_sample, read_catalogues,
)
from selfunc.selection.fitting import ConvergenceError, ConvergenceWarning, Posterior, fit
from selfunc.selection.function import GridTable, SelectionFunction
from selfunc.selection.massz import selection_mz
from selfunc.selection.models import (
    COVARIATES, Covariate, Prior, TransitionModel, completeness_model, purity_model,
)

__all__ = [
    "Selection", "NAMED_SELECTIONS",
    "Catalogues", "Sample", "read_catalogues", "completeness_sample", "purity_sample",
    "BinnedFraction", "binned_fraction", "compare",
    "Prior", "Covariate", "COVARIATES", "TransitionModel", "completeness_model",
    "purity_model",
    "fit", "Posterior", "ConvergenceWarning", "ConvergenceError",
    "SelectionFunction", "GridTable",
    "selection_mz",
    "calibrate", "CalibrationResult",
]
