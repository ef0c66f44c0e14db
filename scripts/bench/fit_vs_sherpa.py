"""Cross-check of selfunc's extended-source fit against an independent fitter (sherpa).

N β-model clusters (β = 2/3, core radius 10–60″, 200–2000 counts, 10 ks, default
background, off-axis 0–5′) are simulated one per pointing with ``selfunc.xray.observe`` and
fitted on the **combined** pn+MOS image (the image that detection searches; its PSF is the
exposure-weighted King mixture of :class:`selfunc.detect.psfmodel.PsfModel`), on a stamp of
half-size ``extended_radius`` (120″, 97×97 pixels of 2.5″) centred on the detection
position (the truth plus 1-pixel Gaussian jitter):

* selfunc: ``fit_point`` (start values, like ``characterise``), then ``fit_extended``
  (timed) from the point fit and a core radius of 20″;
* sherpa: the same counts as a ``DataIMG``, fitted from the same start values with
  ``cstat`` and ``neldermead`` (timed: ``Fit.fit()`` only), with the model

      B + (E/E₀) · PSF ⊗ [beta2d(r0, xpos, ypos, ampl; alpha = 3β − ½ = 1.5) · disk2d(10 r0)]

  where B (background map) and E/E₀ (exposure relative to the stamp centre, as in
  ``Stamp.erel``) are fixed images, disk2d truncates the β-model at 10 r_c like selfunc's
  (``DetectionConfig.truncation``), and the PSF kernel is selfunc's local PSF MGE
  (``psf.at(x, y)``) rendered pixel-integrated with ``selfunc.detect.stamps.mixture_image``
  on an odd grid as large as the fitted grid, not renormalised (the MGE's own wings
  beyond the kernel are dropped, as they leave selfunc's stamp too). sherpa samples beta2d
  at pixel centres; convolved with the pixel-integrated PSF that gives the
  pixel-integrated model of selfunc to the midpoint-rule error (≪ 1 % for r_c ≥ 4 pix).
  sherpa convolves only over the data grid (and wraps around when the kernel is smaller
  than the grid), so the data grid is the stamp padded by ``--pad`` pixels on every side,
  which are ignored in the fit: the model inside the stamp then receives the PSF-scattered
  flux of the cluster outside the stamp, as selfunc's analytic model does.

The comparison uses the same statistic for both best fits: ΔC_ours = C_selfunc(sherpa's
best parameters) − C_selfunc(selfunc's best) (≥ 0 when selfunc found the lower minimum of
its model) and ΔC_sh = C_sherpa(selfunc's best) − C_sherpa(sherpa's best); sherpa's cstat
and selfunc's ``cash`` differ by the data-only constant 2Σ(n ln n − n), which the script
checks. Core radii compare r0 × pixel with selfunc's ``rc`` × pixel. Per-stamp table, then
medians: |Δr_c|/r_c (and fraction within 5 %), ΔC, time per fit and the time ratio; the
exit status is 0 when every core radius agrees within 5 % and selfunc is faster, else 1.
``--expected`` fits the simulator's expected-counts images instead (no Poisson noise): the
differences left are those of the two models alone (and both fits should then recover the
true core radius).

Installing sherpa (optional; never in the project's own venv). PyPI has no binary wheel of
sherpa for Linux/CPython 3.11 (sdist only), so it is built from source, which needs bison,
flex and FFTW (about 1.5 minutes on 2 cores)::

    sudo apt-get install -y bison flex libfftw3-dev      # Debian/Ubuntu
    python3 -m venv /tmp/sherpa-venv                     # a separate venv
    /tmp/sherpa-venv/bin/pip install -e .                # selfunc, from the repo root
    /tmp/sherpa-venv/bin/pip install sherpa              # 4.19.0 at the time of writing

Both fitters are timed on one thread: the script sets OPENBLAS_NUM_THREADS, OMP_NUM_THREADS
and MKL_NUM_THREADS to 1 unless they are already set.

Running (under a minute for the default 30 stamps on one core; sherpa's fits take most of it)::

    /tmp/sherpa-venv/bin/python scripts/bench/fit_vs_sherpa.py [-n 30] [--seed 1]

Without sherpa importable the script prints this recipe and exits with status 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import logging
import os
import sys
import time

# One BLAS/OpenMP thread for both fitters (set before numpy loads; the environment wins).
# selfunc's fits are chains of small matrix products, which a multi-threaded OpenBLAS on a
# busy 2-core machine slows down by up to 100× (thread contention), and sherpa fits on one
# thread anyway.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

from selfunc.config.models import (AgnConfig, ClusterGrid, DetectionConfig,  # noqa: E402
                                   InstrumentConfig, NearbyGalaxyConfig, PairConfig,
                                   PopulationConfig, StarConfig)
from selfunc.detect import likelihood as lk  # noqa: E402
from selfunc.detect.inputs import from_observation  # noqa: E402
from selfunc.profiles.mge import beta_mge  # noqa: E402
from selfunc.detect.stamps import mixture_image  # noqa: E402
from selfunc.pointing import PointingSpec, rng_for  # noqa: E402
from selfunc.xray import observe  # noqa: E402

RECIPE = """sherpa is not importable from this Python ({exe}).
It is an optional dependency of this cross-check only; install it in a separate venv:

    sudo apt-get install -y bison flex libfftw3-dev      # needed to build it from source
    python3 -m venv /tmp/sherpa-venv
    /tmp/sherpa-venv/bin/pip install -e .                # selfunc, from the repo root
    /tmp/sherpa-venv/bin/pip install sherpa

then run:

    /tmp/sherpa-venv/bin/python scripts/bench/fit_vs_sherpa.py [-n 30]
"""


def _import_sherpa():
    # sherpa warns at import about its optional ds9 and XSPEC back ends; not needed here.
    logging.getLogger("sherpa").setLevel(logging.ERROR)
    try:
        from sherpa.astro.data import DataIMG
        from sherpa.astro.models import Beta2D, Disk2D
        from sherpa.data import Data2D
        from sherpa.fit import Fit
        from sherpa.instrument import PSFModel
        from sherpa.models.model import ArithmeticModel
        from sherpa.models.parameter import Parameter
        from sherpa.optmethods import NelderMead
        from sherpa.stats import CStat
    except ImportError:
        print(RECIPE.format(exe=sys.executable), file=sys.stderr)
        sys.exit(2)

    class FixedImage(ArithmeticModel):
        """A fixed map on the integer pixel grid (x0, x1 = pixel coordinates + offset)."""

        def __init__(self, name, image, offset):
            self.image = np.asarray(image, float)
            self.offset = offset
            self.scale = Parameter(name, "scale", 1.0, frozen=True)
            ArithmeticModel.__init__(self, name, (self.scale,))

        def calc(self, p, x0, x1, *args, **kwargs):
            ix = np.rint(np.asarray(x0) + self.offset).astype(int)
            iy = np.rint(np.asarray(x1) + self.offset).astype(int)
            return p[0] * self.image[iy, ix]

    return dict(DataIMG=DataIMG, Beta2D=Beta2D, Disk2D=Disk2D, Data2D=Data2D, Fit=Fit,
                PSFModel=PSFModel, NelderMead=NelderMead, CStat=CStat, FixedImage=FixedImage)


def _population():
    """A population with nothing in it: the one cluster per pointing comes as truth."""
    return PopulationConfig(grid=ClusterGrid(n_per_pointing=0), agn=AgnConfig(flux_min=1e-15),
                            stars=StarConfig(density_at_pole=0.0),
                            nearby_galaxies=NearbyGalaxyConfig(per_pointing=0.0),
                            pairs=PairConfig(per_pointing=0.0))


def _truth(xi, eta, flux, rc):
    from astropy.table import Table

    return Table(dict(id=[0], kind=["cluster"], group=[0], spectrum=["cluster"], xi=[xi],
                      eta=[eta], flux=[flux], core_radius=[rc], beta=[2 / 3],
                      redshift=[0.3]))


def simulate(k, seed, instrument, population, exposure, rng, expected=False):
    """One cluster in one pointing; returns (truth dict, images, psf). With ``expected``
    the counts image is the simulator's expected-counts image (no Poisson noise)."""
    counts = rng.uniform(200.0, 2000.0)
    rc = rng.uniform(10.0, 60.0)
    theta, phi = rng.uniform(0.0, 5.0) * 60.0, rng.uniform(0.0, 2 * np.pi)
    xi, eta = theta * np.cos(phi), theta * np.sin(phi)
    ecf = sum(instrument.ecf[c].cluster for c in instrument.cameras)
    flux = counts / (ecf * exposure)  # `counts` on axis; vignetting lowers them off axis
    spec = PointingSpec(id=k, seed=seed, ra=150.0, dec=2.0, glat=45.0, roll=0.0,
                        exposure=exposure, date=dt.date(2003, 1, 1))
    obs = observe(spec, _truth(xi, eta, flux, rc), instrument, population,
                  rng_for(seed, k, "xray"))
    images, psf = from_observation(obs, instrument)
    if expected:
        images = dataclasses.replace(images, counts=np.asarray(obs.model["combined"], float))
    t = obs.truth
    truth = dict(x=float(t["x"][0]), y=float(t["y"][0]), rc=rc, theta=theta / 60.0,
                 counts=float(t["counts_expected"][0]))
    return truth, images, psf


def fit_selfunc(images, psf, cx, cy, half, det, rc0, rc_max, repeat):
    """The stamp as ``characterise._stamp`` builds it (no neighbours here), the point fit
    for start values, and ``fit_extended`` timed (median of ``repeat`` runs)."""
    xa, ya = cx - half, cy - half
    sl = np.s_[ya:ya + 2 * half + 1, xa:xa + 2 * half + 1]
    st = lk.Stamp(images.counts[sl].astype(float), images.background[sl],
                  images.exposure[sl], psf.at(cx, cy), beta_mge(det.beta, det.truncation),
                  xa, ya)
    f_pt = lk.fit_point(st, cx - xa, cy - ya, 100.0)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f = lk.fit_extended(st, f_pt["x"], f_pt["y"], f_pt["a"], rc0, rc_max)
        times.append(time.perf_counter() - t0)
    return st, f_pt, f, float(np.median(times))


def _ampl_to_counts(ampl, r0, alpha, trunc):
    """Total counts (at E₀) of ampl·(1 + r²/r0²)^(−alpha) truncated at trunc·r0."""
    return ampl * np.pi * r0**2 * (1.0 - (1.0 + trunc**2) ** (1.0 - alpha)) / (alpha - 1.0)


class SherpaStamp:
    """The selfunc stamp padded by ``pad`` pixels, as a sherpa data set and model."""

    def __init__(self, sh, images, st, pad, alpha, trunc, rc_max):
        ny, nx = st.counts.shape
        self.pad, self.alpha, self.trunc = pad, alpha, trunc
        if (min(st.x0, st.y0) < pad or st.y0 + ny + pad > images.counts.shape[0]
                or st.x0 + nx + pad > images.counts.shape[1]):
            raise SystemExit("the padded stamp leaves the image: use a smaller --pad")
        sl = np.s_[st.y0 - pad:st.y0 + ny + pad, st.x0 - pad:st.x0 + nx + pad]
        counts = images.counts[sl].astype(float)
        bkg = images.background[sl]
        erel = images.exposure[sl] / st.e_ref
        gy, gx = np.mgrid[-pad:ny + pad, -pad:nx + pad].astype(float)
        self.data = sh["DataIMG"]("stamp", gx.ravel(), gy.ravel(), counts.ravel(),
                                  shape=counts.shape)
        inner = (gx >= 0) & (gx <= nx - 1) & (gy >= 0) & (gy <= ny - 1)
        self.data.mask = (inner & (erel > 0)).ravel()
        # PSF kernel: selfunc's local MGE, pixel-integrated, on an odd grid ≥ the data grid.
        kn = max(counts.shape) | 1
        c = kn // 2
        kern = mixture_image(st.psf.weights, st.psf.sigma, c, c, (kn, kn))
        ky, kx = np.mgrid[0:kn, 0:kn].astype(float)
        kd = sh["Data2D"]("kernel", kx.ravel(), ky.ravel(), kern.ravel(), shape=(kn, kn))
        self.psf = sh["PSFModel"]("psf", kd)
        self.psf.norm = False
        self.psf.center = (c, c)
        self.beta = sh["Beta2D"]("beta")
        self.disk = sh["Disk2D"]("trunc")
        b, d = self.beta, self.disk
        b.alpha = alpha
        b.alpha.freeze()
        b.ellip.freeze()
        b.theta.freeze()
        b.xpos.set(min=0.0, max=nx - 1.0)
        b.ypos.set(min=0.0, max=ny - 1.0)
        b.r0.set(min=0.05, max=rc_max)
        b.ampl.set(min=1e-12, max=1e12)
        d.xpos = b.xpos
        d.ypos = b.ypos
        d.r0 = trunc * b.r0
        d.ampl = 1.0
        d.ampl.freeze()
        self.bkg = sh["FixedImage"]("bkg", bkg, pad)
        self.erel = sh["FixedImage"]("erel", erel, pad)
        self.model = self.bkg + self.erel * self.psf(b * d)
        self.psf.fold(self.data)
        self.fit = sh["Fit"](self.data, self.model, stat=sh["CStat"](), method=sh["NelderMead"]())

    def set(self, x, y, a, rc):
        b = self.beta
        b.xpos.val, b.ypos.val, b.r0.val = x, y, rc
        b.ampl.val = a / _ampl_to_counts(1.0, rc, self.alpha, self.trunc)

    def params(self):
        b = self.beta
        return (b.xpos.val, b.ypos.val,
                _ampl_to_counts(b.ampl.val, b.r0.val, self.alpha, self.trunc), b.r0.val)

    def stat(self):
        return float(self.fit.calc_stat())

    def model_in_stamp(self):
        return self.data.eval_model_to_fit(self.model)


def selfunc_cash(st, x, y, a, rc):
    """selfunc's Cash statistic of its extended model with parameters (x, y, a, rc)."""
    m = st.background + a * st.erel * st.extended_profile(x, y, rc)
    return lk.cash(m[st.mask], st.counts[st.mask])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=30, help="number of stamps (default 30)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pad", type=int, default=24,
                    help="pixels of ignored margin around the stamp for sherpa (default 24)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="selfunc fits per stamp for its timing (median; default 3)")
    ap.add_argument("--expected", action="store_true",
                    help="fit the expected-counts images (no Poisson noise): separates the "
                         "differences of the two models from those that noise amplifies")
    args = ap.parse_args(argv)
    sh = _import_sherpa()

    instrument = InstrumentConfig(npix=512, chip_gaps=False)  # ±10.7′: padded stamps fit
    det = DetectionConfig()
    population = _population()
    exposure = 10_000.0
    pix = instrument.pixel_size
    half = int(np.ceil(det.extended_radius / pix))
    rc_max = det.max_core_radius / pix
    rc0 = 20.0 / pix
    alpha = 3.0 * det.beta - 0.5
    rng = np.random.default_rng(args.seed)

    print(f"{args.n} β-model clusters (β = {det.beta:.3f}, truncated at {det.truncation:g} r_c), "
          f"{exposure / 1e3:g} ks, combined pn+MOS image, stamps {2 * half + 1}² pix of {pix}″ "
          f"(+{args.pad} ignored pix for sherpa); sherpa: cstat + neldermead; "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}"
          + ("; EXPECTED-COUNTS images (no noise)" if args.expected else ""))
    hdr = (f"{'#':>3} {'θ′':>4} {'cts':>5} {'rc_true':>7} {'rc_ours':>7} {'rc_sh':>7} "
           f"{'Δrc/rc':>7} {'Δrc/σ':>6} {'a_sh/a':>6} {'Δx':>5} {'Δy':>5} {'ΔC_ours':>8} {'ΔC_sh':>7} "
           f"{'t_ours':>7} {'t_sh':>6} {'ratio':>5}")
    print(hdr)
    rows = []
    const_err = 0.0
    for k in range(args.n):
        truth, images, psf = simulate(k, args.seed, instrument, population, exposure, rng,
                                      args.expected)
        cx = int(round(truth["x"] + rng.normal(0.0, 1.0)))
        cy = int(round(truth["y"] + rng.normal(0.0, 1.0)))
        st, f_pt, f, t_ours = fit_selfunc(images, psf, cx, cy, half, det, rc0, rc_max,
                                          args.repeat)
        ss = SherpaStamp(sh, images, st, args.pad, alpha, det.truncation, rc_max)
        ss.set(f_pt["x"], f_pt["y"], f_pt["a"], rc0)
        t0 = time.perf_counter()
        res = ss.fit.fit()
        t_sh = time.perf_counter() - t0
        xs, ys, as_, rs = ss.params()
        c_sh_best = ss.stat()
        # The data-only constant between sherpa's cstat and selfunc's cash, checked on
        # sherpa's best-fit model image.
        n = st.counts[st.mask]
        const = 2.0 * float(np.sum(np.where(n > 0, n * np.log(np.where(n > 0, n, 1.0)), 0.0) - n))
        m_sh = ss.model_in_stamp().reshape(st.counts.shape) if st.mask.all() else None
        if m_sh is not None:
            const_err = max(const_err, abs(lk.cash(m_sh[st.mask], n) + const - c_sh_best))
        # Same statistic for both best fits.
        dc_ours = selfunc_cash(st, xs, ys, as_, rs) - f.cstat
        ss.set(f["x"], f["y"], f["a"], f["rc"])
        dc_sh = ss.stat() - c_sh_best
        r = dict(theta=truth["theta"], counts=truth["counts"], rc_true=truth["rc"],
                 rc_ours=f["rc"] * pix, rc_sh=rs * pix, rc_err=f.error("rc") * pix, a_ratio=as_ / f["a"],
                 dx=xs - f["x"], dy=ys - f["y"], dc_ours=dc_ours, dc_sh=dc_sh,
                 t_ours=t_ours, t_sh=t_sh, ok_ours=f.success, ok_sh=bool(res.succeeded),
                 nfev=res.nfev)
        r["drc"] = (r["rc_sh"] - r["rc_ours"]) / r["rc_ours"]
        r["drc_sig"] = (r["rc_sh"] - r["rc_ours"]) / r["rc_err"]
        rows.append(r)
        flag = "" if (r["ok_ours"] and r["ok_sh"]) else "  (not converged: " + \
            ", ".join(n for n, ok in (("selfunc", r["ok_ours"]), ("sherpa", r["ok_sh"]))
                      if not ok) + ")"
        print(f"{k:3d} {r['theta']:4.1f} {r['counts']:5.0f} {r['rc_true']:7.1f} "
              f"{r['rc_ours']:7.2f} {r['rc_sh']:7.2f} {100 * r['drc']:6.2f}% {r['drc_sig']:6.3f} {r['a_ratio']:6.3f} "
              f"{r['dx']:5.2f} {r['dy']:5.2f} {r['dc_ours']:8.3f} {r['dc_sh']:7.3f} "
              f"{1e3 * r['t_ours']:5.1f}ms {r['t_sh']:5.2f}s {r['t_sh'] / r['t_ours']:5.0f}{flag}",
              flush=True)

    def col(key):
        return np.array([r[key] for r in rows])

    adr = np.abs(col("drc"))
    t_o, t_s = np.median(col("t_ours")), np.median(col("t_sh"))
    within = float(np.mean(adr < 0.05))
    print()
    print("columns: rc in arcsec; Δrc/rc = (rc_sherpa − rc_selfunc)/rc_selfunc; Δrc/σ = the "
          "same over selfunc's (Fisher) error of rc;")
    print("  a_sh/a = ratio of source counts at E₀; Δx, Δy = sherpa − selfunc (pix);")
    print("  ΔC_ours = C_selfunc(sherpa best) − C_selfunc(selfunc best); "
          "ΔC_sh = C_sherpa(selfunc best) − C_sherpa(sherpa best)")
    print(f"statistics check: sherpa cstat − selfunc cash − 2Σ(n ln n − n) = {const_err:.1e} "
          "(max over stamps)")
    print(f"|Δr_c|/r_c: median {100 * np.median(adr):.2f} %, max {100 * adr.max():.2f} %, "
          f"mean signed {100 * np.mean(col('drc')):+.2f} %; within 5 %: {100 * within:.0f} % "
          f"of {len(rows)}; |Δr_c|/σ(r_c): median {np.median(np.abs(col('drc_sig'))):.3f}, "
          f"max {np.abs(col('drc_sig')).max():.3f}")
    print(f"ΔC_ours: median {np.median(col('dc_ours')):.3f}, min {col('dc_ours').min():.3f}, "
          f"max {col('dc_ours').max():.3f};  ΔC_sh: median {np.median(col('dc_sh')):.3f}, "
          f"min {col('dc_sh').min():.3f}, max {col('dc_sh').max():.3f}")
    print(f"source counts a_sherpa/a_selfunc: median {np.median(col('a_ratio')):.4f}")
    print(f"converged: selfunc {int(col('ok_ours').sum())}/{len(rows)}, sherpa "
          f"{int(col('ok_sh').sum())}/{len(rows)} (sherpa median {np.median(col('nfev')):.0f} "
          "model evaluations)")
    print(f"time per fit (median): selfunc {1e3 * t_o:.1f} ms, sherpa {1e3 * t_s:.0f} ms; "
          f"ratio sherpa/selfunc {t_s / t_o:.0f}")
    ok = within == 1.0 and t_o < t_s
    print(f"acceptance (all core radii within 5 %, selfunc faster): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
