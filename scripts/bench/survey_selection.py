"""Evaluations per second of the cosmology-code interfaces: SurveySelection.completeness(M500, z)
and ObservableSelection.completeness(CR, HR, z).

    python scripts/bench/survey_selection.py [N]

Builds a survey selection from a toy completeness function (the selection tests' model), then
times completeness(M500, z) on N random points (default 10^6) and on a 1000 × 1000 grid; then an
observable selection calibrated on 4×10^5 Bernoulli draws of a smooth P(CR, HR, z) (12 × 6 × 6
nodes), timed on N random points and a 100 × 100 × 100 grid; all on one core. Floor: 10^6
evaluations per second (issue 15).
"""

import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

from selfunc.config.models import Cosmology, ScalingRelations
from selfunc.selection.function import SelectionFunction
from selfunc.selection.models import completeness_model
from selfunc.selection.observable import ObservableSelection
from selfunc.selection.survey import SurveySelection

FLOOR = 1e6


def main(n=1_000_000):
    m = completeness_model()
    theta = np.array([0.05, 0.45, -0.55, 0.3, np.log(0.15), 0.3, 0.0, 0.1, 0.93])
    sf = SelectionFunction(m, theta + 0.02 * np.random.default_rng(0).standard_normal((100, 9)))
    t0 = time.perf_counter()
    s = SurveySelection.build(sf, relations=ScalingRelations(), cosmology=Cosmology(),
                              exposures=[1e4, 2e4], draws=20)
    print(f"build (45 x 30 grid, 20 draws): {time.perf_counter() - t0:.2f} s")
    rng = np.random.default_rng(1)
    mass = 10 ** rng.uniform(13.3, 15.5, n)
    z = rng.uniform(0.05, 1.5, n)
    with threadpool_limits(1):
        best = min(_timed(s.completeness, mass, z) for _ in range(5))
        print(f"points: {n} in {best * 1e3:.1f} ms = {n / best:.3g} evaluations/s "
              f"({n / best / FLOOR:.1f} x the floor of {FLOOR:.0e}/s)")
        mg, zg = np.geomspace(2.1e13, 3e15, 1000), np.linspace(0.05, 1.5, 1000)
        best = min(_timed(s.completeness, mg, zg, grid=True) for _ in range(5))
        print(f"grid: 1000 x 1000 in {best * 1e3:.1f} ms = {1e6 / best:.3g} evaluations/s "
              f"({1e6 / best / FLOOR:.1f} x the floor)")
    observable(n)


def observable(n):
    from scipy.special import ndtr

    rng = np.random.default_rng(2)
    m = 400_000
    rate, hr, z = 10 ** rng.uniform(-3, 0, m), rng.uniform(0.2, 1.4, m), rng.uniform(0, 1.5, m)
    sel = rng.random(m) < ndtr((np.log10(rate) + 2.0 - 0.3 * z) / 0.25)
    t0 = time.perf_counter()
    s = ObservableSelection.from_sample(rate, hr, z, sel, log10_rate_edges=np.linspace(-3, 0, 13),
                                        hr_edges=np.linspace(0.2, 1.4, 7),
                                        redshift_edges=np.linspace(0, 1.5, 7))
    print(f"observable selection from {m} draws: {time.perf_counter() - t0:.2f} s")
    r = 10 ** rng.uniform(-2.8, -0.2, n)
    h = rng.uniform(0.35, 1.25, n)
    zz = rng.uniform(0.15, 1.35, n)
    with threadpool_limits(1):
        best = min(_timed(s.completeness, r, h, zz) for _ in range(5))
        print(f"CR, HR, z points: {n} in {best * 1e3:.1f} ms = {n / best:.3g} evaluations/s "
              f"({n / best / FLOOR:.1f} x the floor of {FLOOR:.0e}/s)")
        g = (np.geomspace(0.002, 0.7, 100), np.linspace(0.35, 1.25, 100), np.linspace(0.15, 1.35, 100))
        best = min(_timed(s.completeness, *g, grid=True) for _ in range(5))
        print(f"CR, HR, z grid: 100 x 100 x 100 in {best * 1e3:.1f} ms = {1e6 / best:.3g} "
              f"evaluations/s ({1e6 / best / FLOOR:.1f} x the floor)")


def _timed(f, *a, **kw):
    t0 = time.perf_counter()
    f(*a, **kw)
    return time.perf_counter() - t0


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
