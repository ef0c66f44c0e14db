"""CPU time of the CR-HR-z counts: building an ObservableCounts sample and one cosmology's μ.

    python scripts/bench/observable_counts.py [N_HALOS]

Builds a sample of N_HALOS (default 4×10⁵, the default of ``ObservableCounts.build``) halos
with the selection tests' completeness model over the default mass-function range, then times
``expected`` on the closure's (log10 CR, HR, z) cube for 10 cosmologies. Process (CPU) time,
not wall time: the machine may be shared. ``docs/cosmology.md`` quotes the numbers.
"""

import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

from selfunc.config.models import ClusterMassFunction
from selfunc.observable_counts import ObservableCounts
from selfunc.selection.function import SelectionFunction
from selfunc.selection.models import completeness_model

CR_EDGES = np.array([-np.inf, -2.0, -1.75, -1.5, -1.25, -1.0, -0.75, np.inf])
HR_EDGES = np.array([-np.inf, 0.45, 0.6, 0.75, 0.9, 1.05, np.inf])
Z_EDGES = np.round(np.arange(0.05, 1.06, 0.1), 2)


def main(n_halos=400_000):
    m = completeness_model()
    theta = np.array([0.05, 0.45, -0.55, 0.3, np.log(0.15), 0.3, 0.0, 0.1, 0.93])
    sf = SelectionFunction(m, theta + 0.02 * np.random.default_rng(0).standard_normal((100, 9)))
    mf = ClusterMassFunction()
    with threadpool_limits(1):
        t0 = time.process_time()
        oc = ObservableCounts.build(sf, mass_function=mf, n_halos=n_halos, seed=0)
        t_build = time.process_time() - t0
        oc.expected(mf.cosmology, 25.0, CR_EDGES, HR_EDGES, Z_EDGES)   # bins the halos once
        t0 = time.process_time()
        for om in np.linspace(0.25, 0.35, 10):
            c = mf.cosmology.model_copy(update=dict(Om0=float(om)))
            mu, var = oc.expected(c, 25.0, CR_EDGES, HR_EDGES, Z_EDGES, variance=True)
        t_cosmo = (time.process_time() - t0) / 10
    print(f"build ({n_halos} halos): {t_build:.1f} s CPU; one cosmology: {t_cosmo:.3f} s CPU "
          f"({1 / t_cosmo:.1f} cosmologies per CPU second); "
          f"μ = {mu.sum():.1f} in 25 deg², MC var / μ ≤ {np.max(var[mu > 1] / mu[mu > 1]):.4f}")


if __name__ == "__main__":
    main(int(float(sys.argv[1])) if len(sys.argv) > 1 else 400_000)
