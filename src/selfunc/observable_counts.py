"""Cluster counts in count rate, hardness ratio and redshift: dN/dCR dHR dz of a survey and
its Poisson likelihood on an (Ω_m, σ_8) grid (the XXL / X-CLASS observable space; Clerc et al.
2012, Pacaud et al. 2018, Garrel et al. 2022).

The expected number of selected clusters in cell (i, j, k) of (log10 CR, HR, z) is

    μ_ijk = Ω ∫ dz dV_c/(dz dΩ) ∫ dln M n(M, z | Ω_m, σ_8)
            E_ε[ P_sel(f, θ_c, t, θ) 1(CR ∈ i) 1(HR ∈ j) ] 1(z ∈ k),

ε = (ε_lnT|M, ε_lnL|M, ε_ln x_c) the correlated scatter of :func:`selfunc.scaling.scatter_covariance`,
t and θ the exposure and off-axis angle (the survey's pointings, a uniform disc out to the
analysis radius). The halo properties are drawn by :func:`selfunc.scaling.draw_properties`
(the simulator's own draw), the count rates by :func:`selfunc.xray.rates.source_ecf` (the
function that writes the truth's ``ecf``, ``rate_05_1`` and ``rate_1_2``): CR = f × Σ_cameras
ECF(0.5–2 keV), HR = CR[1–2] / CR[0.5–1], pn+MOS1+MOS2 on axis, the instrument's metallicity
and the survey's Galactic N_H.

The integral is an importance-sampled Monte Carlo, smooth in cosmology: one fixed sample of
halos uniform in (log10 M, z) over the mass function's range, each with its own scatter draw,
exposure and off-axis angle, whose CR, HR and P_sel are computed once
(:meth:`ObservableCounts.build`). For a cosmology every halo gets the weight
n(M, z) dV_c/dz Ω ln 10 / (N q), q the proposal density in (log10 M, z), with ln n
interpolated bilinearly on a (log10 M, z) table of the colossus mass function; μ is the
weighted 3-D histogram. The MC variance of a cell is Σ w² P² (:meth:`ObservableCounts.expected`
with ``variance=True``). As in :mod:`selfunc.cosmology`, the scaling relations, the cosmology
that turns mass into flux, CR and angular size, and P_sel are held at the build's fiducial.

ECFs are tabulated once per (instrument, N_H) on the thermal table's temperatures and a
redshift grid of step ``ecf_dz``: exact in T (:func:`selfunc.spectra.cluster_ecf` is itself
linear in ln T between those temperatures), linear in z: with ``ecf_dz = 0.005`` the error
against direct calls is ≤ 0.02 % rms (≤ 0.1 % at worst) at kT ≥ 2 keV and 0.03 % rms (0.3 %
at worst) at 1.1 keV (``docs/cosmology.md``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import astropy.units as u
import numpy as np
from astropy.table import Table

from selfunc import halos, scaling
from selfunc.config.models import ClusterMassFunction, Cosmology, InstrumentConfig
from selfunc.cosmology import GridFit, poisson_loglike
from selfunc.errors import SelfuncError
from selfunc.spectra import thermal
from selfunc.xray import rates
from selfunc.xray.bands import channel_band

__all__ = ["ObservableCounts", "halo_rates", "observed_counts", "fit_grid", "AXES"]

#: Axes of the counts cube: log10(CR / (1/s)) of the true 0.5–2 keV count rate, HR, z.
AXES = ("log10_rate", "hr", "redshift")
_DEG2_SR = (np.pi / 180.0) ** 2
_SOFT, _HARD = (0.5, 1.0), (1.0, 2.0)   # keV, the HR bands of selfunc.xray.bands ("xxl")


# --------------------------------------------------------------------- count rates
def _truth_rows(t, z) -> Table:
    """Truth-like rows of clusters (the columns :func:`rates.source_ecf` reads)."""
    return Table({"spectrum": np.full(np.size(t), "cluster"), "temperature": np.ravel(t),
                  "redshift": np.ravel(z)})


def _camera_sum(rows: Table, instrument: InstrumentConfig, nh: float, band) -> np.ndarray:
    """Σ over cameras of the on-axis ECF in the channel band ``band`` (None: instrument.band),
    per unit flux in ``instrument.band``: what ``observe`` / ``observe_bands`` sum."""
    return sum(rates.source_ecf(rows, cam, instrument, nh,
                                band=None if band is None else channel_band(cam, band))
               for cam in instrument.cameras)


@functools.lru_cache(maxsize=4)
def _ecf_table(instrument_json: str, nh: float, i_lo: int, i_hi: int, dz: float,
               k_lo: int, k_hi: int):
    """(ln kT nodes, z nodes, {"ecf", "05_1", "1_2"}: arrays (n_T, n_z)) of the camera sums
    at the table temperatures k_lo…k_hi and the redshifts i_lo·dz…i_hi·dz."""
    instrument = InstrumentConfig.model_validate_json(instrument_json)
    kt = thermal.grid()["kt"][k_lo:k_hi + 1]
    z = np.arange(i_lo, i_hi + 1) * dz
    tt, zz = np.meshgrid(kt, z, indexing="ij")
    rows = _truth_rows(tt, zz)
    out = {"05_1": _camera_sum(rows, instrument, nh, _SOFT),
           "1_2": _camera_sum(rows, instrument, nh, _HARD)}
    if tuple(float(b) for b in instrument.band) == (0.5, 2.0) and instrument.ecf.model == "spectral":
        # the band responses add up: 0.5-1 + 1-2 keV = 0.5-2 keV to 1e-15 (tests)
        out["ecf"] = out["05_1"] + out["1_2"]
    else:
        out["ecf"] = _camera_sum(rows, instrument, nh, None)
    return np.log(kt), z, {k: v.reshape(tt.shape) for k, v in out.items()}


def halo_rates(temperature, redshift, flux, *, instrument: InstrumentConfig = InstrumentConfig(),
               nh: float = 3e20, ecf_dz: float | None = 0.005) -> dict[str, np.ndarray]:
    """True on-axis pn+MOS1+MOS2 count rates of clusters, as the simulator's truth has them.

    Parameters
    ----------
    temperature : array, keV (clipped to the thermal table, as :func:`selfunc.sky.draw.clusters`)
    redshift, flux : arrays (flux in erg s⁻¹ cm⁻², 0.5–2 keV, whole model: the truth ``flux``)
    instrument : the campaign's instrument (cameras, band, ``ecf`` metallicity and flux kind)
    nh : Galactic column of the pointings, cm⁻² (``survey.nh``)
    ecf_dz : redshift step of the ECF table; ``None`` computes every row directly
        (0.2 ms a row per camera and band).

    Returns
    -------
    dict of arrays: ``ecf`` (cm² erg⁻¹, 0.5–2 keV), ``rate`` = flux × ecf, ``rate_05_1``,
    ``rate_1_2`` (s⁻¹) and ``hr`` = rate_1_2 / rate_05_1.
    """
    t = np.clip(np.asarray(temperature, float), *thermal.KT_RANGE)
    z = np.asarray(redshift, float)
    f = np.asarray(flux, float)
    t, z, f = np.broadcast_arrays(t, z, f)
    if np.any(~np.isfinite(z)) or np.any(z < 0):
        raise SelfuncError("halo_rates: redshift must be finite and >= 0")
    if ecf_dz is None:
        rows = _truth_rows(t, z)
        ecf = {"05_1": _camera_sum(rows, instrument, nh, _SOFT),
               "1_2": _camera_sum(rows, instrument, nh, _HARD),
               "ecf": _camera_sum(rows, instrument, nh, None)}
        ecf = {k: v.reshape(t.shape) for k, v in ecf.items()}
    else:
        if not ecf_dz > 0:
            raise SelfuncError(f"ecf_dz must be > 0 (or None), got {ecf_dz}")
        x_all = np.log(thermal.grid()["kt"])
        k = np.clip(np.searchsorted(x_all, np.log(t)) - 1, 0, len(x_all) - 2)
        # the table's ranges are snapped (4 temperatures, 0.1 in z) so that samples of one
        # population share it (lru_cache)
        k_lo, k_hi = 4 * (int(k.min()) // 4), min(4 * (int(k.max()) // 4 + 1), len(x_all) - 1)
        i_lo = int(np.floor(np.floor(z.min() * 10) / 10 / ecf_dz + 1e-9))
        i_hi = max(int(np.ceil(np.ceil(z.max() * 10) / 10 / ecf_dz - 1e-9)), i_lo + 1)
        lnkt, zn, tab = _ecf_table(instrument.model_dump_json(), float(nh), i_lo, i_hi,
                                   float(ecf_dz), k_lo, k_hi)
        kk = k - k_lo
        w = (np.log(t) - lnkt[kk]) / (lnkt[kk + 1] - lnkt[kk])
        j = np.clip(np.searchsorted(zn, z, side="right") - 1, 0, zn.size - 2)
        v = (z - zn[j]) / (zn[j + 1] - zn[j])
        ecf = {name: (1 - w) * ((1 - v) * a[kk, j] + v * a[kk, j + 1])
               + w * ((1 - v) * a[kk + 1, j] + v * a[kk + 1, j + 1]) for name, a in tab.items()}
    soft, hard = f * ecf["05_1"], f * ecf["1_2"]
    hr = np.divide(hard, soft, out=np.full_like(soft, np.nan), where=soft > 0)
    return {"ecf": ecf["ecf"], "rate": f * ecf["ecf"], "rate_05_1": soft, "rate_1_2": hard,
            "hr": hr}


# --------------------------------------------------------------------- binning
def _edges(name: str, edges, *, finite: bool = False) -> np.ndarray:
    e = np.asarray(edges, float)
    if e.ndim != 1 or e.size < 2:
        raise SelfuncError(f"{name} must be a 1-D array of at least 2 bin edges, got shape {e.shape}")
    if np.any(np.isnan(e)) or np.any(np.diff(e) <= 0):
        raise SelfuncError(f"{name} must be strictly increasing and not NaN, got {e.tolist()}")
    if finite and not np.all(np.isfinite(e)):
        raise SelfuncError(f"{name} must be finite, got {e.tolist()}")
    return e


def _cells(x, edges) -> tuple[np.ndarray, tuple[int, ...]]:
    """Flat cell index of each row of x (n, 3) in the cube of ``edges`` (−1 outside)."""
    shape = tuple(e.size - 1 for e in edges)
    idx = np.zeros(x.shape[0], np.int64)
    inside = np.ones(x.shape[0], bool)
    for a, e in enumerate(edges):
        i = np.searchsorted(e, x[:, a], side="right") - 1
        # the last edge closes the last bin, as np.histogramdd does
        i = np.where(x[:, a] == e[-1], e.size - 2, i)
        inside &= (i >= 0) & (i < e.size - 1)
        idx = idx * shape[a] + np.clip(i, 0, e.size - 2)
    return np.where(inside, idx, -1), shape


def observed_counts(rate, hr, redshift, log10_rate_edges, hr_edges, z_edges) -> np.ndarray:
    """Counts of clusters (true CR in s⁻¹, HR, z) in the cube, shape (n_CR, n_HR, n_z).

    Clusters outside the edges are not counted, as the model does not count its halos there;
    a cluster with CR ≤ 0 or a NaN is an error."""
    edges = (_edges("log10_rate_edges", log10_rate_edges), _edges("hr_edges", hr_edges),
             _edges("z_edges", z_edges, finite=True))
    r, h, z = (np.asarray(v, float).ravel() for v in (rate, hr, redshift))
    if not (r.size == h.size == z.size):
        raise SelfuncError(f"rate, hr and redshift must have one value per cluster, got "
                           f"{r.size}, {h.size}, {z.size}")
    bad = ~(np.isfinite(r) & (r > 0) & np.isfinite(h) & np.isfinite(z))
    if bad.any():
        k = int(np.argmax(bad))
        raise SelfuncError(f"cluster {k}: rate {r[k]:g} (must be > 0), hr {h[k]:g}, "
                           f"redshift {z[k]:g} must be finite")
    cell, shape = _cells(np.column_stack([np.log10(r), h, z]), edges)
    return np.bincount(cell[cell >= 0], minlength=int(np.prod(shape))).reshape(shape)


# --------------------------------------------------------------------- the model
@dataclass(frozen=True, eq=False)
class ObservableCounts:
    """A fixed importance sample of halos with their CR, HR and P(selected).

    Attributes (one entry per kept halo; halos with P = 0 in every realisation are dropped,
    which changes no weighted sum)
    ----------
    log10_mass, redshift : proposal draws, log10(M500c / M☉) and z
    log10_rate, hr : true 0.5–2 keV count rate (log10 of s⁻¹) and HR
    p : P(selected), shape (n,) or (draws, n) for posterior realisations
    proposal : density of the proposal in (log10 M, z) at each halo
    n_drawn : number of halos drawn (the MC normalisation)
    mass_function : the population's mass function config (range, model, fiducial)
    meta : JSON-serialisable description of the build
    """

    log10_mass: np.ndarray
    redshift: np.ndarray
    log10_rate: np.ndarray
    hr: np.ndarray
    p: np.ndarray
    proposal: np.ndarray
    n_drawn: int
    mass_function: ClusterMassFunction
    meta: dict
    n_mass_nodes: int = 81
    n_z_nodes: int = 59

    # ------------------------------------------------------------ construction
    @classmethod
    def build(cls, sf, *, mass_function: ClusterMassFunction, beta: float = 2 / 3,
              truncation: float = 10.0, exposures=(1e4, 2e4), exposure_weights=None,
              max_offaxis: float = 13.0, instrument: InstrumentConfig = InstrumentConfig(),
              nh: float = 3e20, n_halos: int = 400_000, seed: int = 0,
              draws: int | None = None, ecf_dz: float = 0.005) -> "ObservableCounts":
        """Draw the halo sample and compute its CR, HR and P(selected) once.

        Parameters
        ----------
        sf : SelectionFunction, callable or None
            P(selected | flux, core_radius, exposure, offaxis[, redshift]): a completeness
            :class:`~selfunc.selection.function.SelectionFunction` (its ``variables`` are
            passed), any callable taking those keywords (erg s⁻¹ cm⁻², arcsec, s, arcmin),
            or ``None`` for P = 1.
        mass_function : the population's (``population.mass_function``): its ranges bound
            the proposal, its cosmology and scaling relations turn mass into observables
            (held fixed), its model is the mass function of :meth:`expected`.
        beta, truncation : the population's β-model (``population.beta``, ``.truncation``).
        exposures : pointing exposures, s (one per pointing: repeats weight them), with
            optional ``exposure_weights``; each halo gets one, drawn.
        max_offaxis : analysis radius, arcmin: off-axis angles uniform on the disc.
        instrument, nh : what turns flux into count rate (``instrument`` and ``survey.nh``
            of the campaign).
        n_halos : sample size; see ``docs/cosmology.md`` for its MC noise.
        seed : the sample is a deterministic function of it.
        draws : posterior realisations of a SelectionFunction (``p`` gets a leading axis).
        ecf_dz : redshift step of the ECF table (:func:`halo_rates`).
        """
        n = int(n_halos)
        if n < 1:
            raise SelfuncError(f"n_halos must be a positive integer, got {n_halos}")
        if not (np.isfinite(max_offaxis) and max_offaxis > 0):
            raise SelfuncError(f"max_offaxis must be > 0 arcmin, got {max_offaxis}")
        if not (np.isfinite(beta) and beta > 0.5):
            raise SelfuncError(f"beta must be > 0.5 (a finite β-model flux), got {beta}")
        exp = np.asarray(exposures, float).ravel()
        if exp.size == 0 or np.any(~np.isfinite(exp)) or np.any(exp <= 0):
            raise SelfuncError("exposures must be a non-empty list of positive exposures (s)")
        if exposure_weights is None:
            w_exp = np.full(exp.size, 1.0 / exp.size)
        else:
            w_exp = np.asarray(exposure_weights, float).ravel()
            if w_exp.size != exp.size or np.any(~(w_exp >= 0)) or w_exp.sum() <= 0:
                raise SelfuncError("exposure_weights must be non-negative, one per exposure, "
                                   "not all zero")
            w_exp = w_exp / w_exp.sum()
        mf = mass_function
        rel = mf.scaling
        cosmo = scaling.astropy_cosmology(mf.cosmology)
        lm_lo, lm_hi = mf.log10_mass.min, mf.log10_mass.max
        z_lo, z_hi = mf.redshift.min, mf.redshift.max
        # independent streams: the halos, their scatter and their observing conditions
        r_halo, r_scatter, r_cond = (np.random.default_rng(s)
                                     for s in np.random.SeedSequence(int(seed)).spawn(3))
        lm = r_halo.uniform(lm_lo, lm_hi, n)
        z = r_halo.uniform(z_lo, z_hi, n)
        q = np.full(n, 1.0 / ((lm_hi - lm_lo) * (z_hi - z_lo)))
        m = 10.0**lm
        props = scaling.draw_properties(m, z, cosmo, rel, r_scatter, beta=beta,
                                        truncation=truncation,
                                        mf_slope=halos.log_slope(mf, m, z))
        cond = {"exposure": r_cond.choice(exp, size=n, p=w_exp),
                "offaxis": max_offaxis * np.sqrt(r_cond.uniform(size=n))}
        values = {"flux": props["flux"], "core_radius": props["core_radius"], "redshift": z,
                  **cond}
        p = _probability(sf, values, draws)
        keep = np.any(p > 0, axis=0) if p.ndim == 2 else p > 0
        obs = halo_rates(props["temperature"][keep], z[keep], props["flux"][keep],
                         instrument=instrument, nh=nh, ecf_dz=ecf_dz)
        meta = {"seed": int(seed), "n_halos": n, "draws": draws, "beta": beta,
                "truncation": truncation, "max_offaxis_arcmin": float(max_offaxis),
                "exposure_s": exp.tolist(), "exposure_weights": w_exp.tolist(), "nh": float(nh),
                "ecf_dz": ecf_dz, "mass_function": mf.model_dump(),
                "selection": getattr(getattr(sf, "selection", None), "expression", None)}
        return cls(log10_mass=lm[keep], redshift=z[keep], log10_rate=np.log10(obs["rate"]),
                   hr=obs["hr"], p=p[..., keep], proposal=q[keep], n_drawn=n,
                   mass_function=mf, meta=meta)

    @classmethod
    def from_campaign(cls, campaign, selection_file=None, **kw) -> "ObservableCounts":
        """From a campaign folder: its fitted ``selection.h5`` (or ``selection_file``), the
        population, instrument and N_H of its resolved config, its pointings' exposures and
        its detection's ``max_offaxis``; ``kw`` go to :meth:`build`."""
        from selfunc.config.load import campaign_config
        from selfunc.selection.catalogues import read_catalogues
        from selfunc.selection.function import SelectionFunction

        folder = Path(campaign)
        cfg = campaign_config(folder)
        sf = SelectionFunction.load(selection_file or folder / "selection.h5", "completeness")
        point = read_catalogues(folder).pointings
        if "nh" in point.colnames and np.unique(np.asarray(point["nh"], float)).size > 1:
            raise SelfuncError(f"{folder}: pointings have several N_H values; ObservableCounts "
                               "takes one (survey.nh)")
        pop = cfg.population
        kw.setdefault("max_offaxis", cfg.detection.max_offaxis)
        return cls.build(sf, mass_function=pop.mass_function, beta=pop.beta,
                         truncation=pop.truncation, instrument=cfg.instrument,
                         nh=cfg.survey.nh, exposures=np.asarray(point["exposure"], float), **kw)

    # ------------------------------------------------------------ weights
    @functools.cached_property
    def _nodes(self):
        """Bilinear (log10 M, z) interpolation of every halo on the mass-function table."""
        mf = self.mass_function
        lm_n = np.linspace(mf.log10_mass.min, mf.log10_mass.max, self.n_mass_nodes)
        z_n = np.linspace(mf.redshift.min, mf.redshift.max, self.n_z_nodes)
        i = np.clip(np.searchsorted(lm_n, self.log10_mass, side="right") - 1, 0, lm_n.size - 2)
        j = np.clip(np.searchsorted(z_n, self.redshift, side="right") - 1, 0, z_n.size - 2)
        tx = (self.log10_mass - lm_n[i]) / (lm_n[i + 1] - lm_n[i])
        ty = (self.redshift - z_n[j]) / (z_n[j + 1] - z_n[j])
        return lm_n, z_n, i, j, tx, ty

    def log_density(self, cosmology: Cosmology) -> np.ndarray:
        """ln[dn/dlnM × dV_c/(dz dΩ)] (Mpc⁻³ × Mpc³ sr⁻¹) on the (log10 M, z) nodes."""
        from colossus.cosmology import cosmology as ccosmo
        from colossus.lss import mass_function

        lm_n, z_n = self._nodes[:2]
        c = cosmology
        ccosmo.setCosmology("selfunc-crhrz", dict(flat=True, H0=c.H0, Om0=c.Om0, Ob0=c.Ob0,
                                                  sigma8=c.sigma8, ns=c.ns))
        h = c.H0 / 100.0
        dndlnm = np.empty((lm_n.size, z_n.size))
        for k, zk in enumerate(z_n):
            dndlnm[:, k] = mass_function.massFunction(10**lm_n * h, zk, mdef="500c",
                                                      model=self.mass_function.model,
                                                      q_out="dndlnM") * h**3
        dvdz = scaling.astropy_cosmology(c).differential_comoving_volume(z_n).to_value(
            u.Mpc**3 / u.sr)
        # a floor, so that a node where the mass function underflows interpolates to ~0,
        # not to NaN (0 × −inf)
        return np.log(np.maximum(dndlnm, 1e-300)) + np.log(dvdz)[None, :]

    def weights(self, cosmology: Cosmology, area_deg2: float) -> np.ndarray:
        """Expected number of halos each sample halo stands for (before selection)."""
        if not (np.isfinite(area_deg2) and area_deg2 > 0):
            raise SelfuncError(f"area_deg2 must be > 0, got {area_deg2}")
        t = self.log_density(cosmology)
        _, _, i, j, tx, ty = self._nodes
        ln = ((1 - tx) * ((1 - ty) * t[i, j] + ty * t[i, j + 1])
              + tx * ((1 - ty) * t[i + 1, j] + ty * t[i + 1, j + 1]))
        return np.exp(ln) * np.log(10.0) * area_deg2 * _DEG2_SR / (self.n_drawn * self.proposal)

    # ------------------------------------------------------------ counts
    def _cell_index(self, log10_rate_edges, hr_edges, z_edges):
        edges = (_edges("log10_rate_edges", log10_rate_edges), _edges("hr_edges", hr_edges),
                 _edges("z_edges", z_edges, finite=True))
        mf = self.mass_function
        if edges[2][0] < mf.redshift.min or edges[2][-1] > mf.redshift.max:
            raise SelfuncError(f"z_edges {edges[2][0]:g}-{edges[2][-1]:g} reach outside the "
                               f"halo sample's redshifts {mf.redshift.min:g}-{mf.redshift.max:g} "
                               "(population.mass_function.redshift)")
        key = tuple(tuple(e.tolist()) for e in edges)
        cache = self.__dict__.setdefault("_cell_cache", {})
        if key not in cache:
            cache.clear()
            cache[key] = _cells(np.column_stack([self.log10_rate, self.hr, self.redshift]), edges)
        return cache[key]

    def _pw(self, draw):
        if draw is None:
            return self.p if self.p.ndim == 1 else np.median(self.p, axis=0)
        if self.p.ndim == 1:
            raise SelfuncError("draw= needs a sample built with draws= (posterior realisations)")
        if not 0 <= int(draw) < self.p.shape[0]:
            raise SelfuncError(f"draw must be in 0-{self.p.shape[0] - 1}, got {draw}")
        return self.p[int(draw)]

    def expected(self, cosmology: Cosmology, area_deg2: float, log10_rate_edges, hr_edges,
                 z_edges, *, draw: int | None = None, variance: bool = False):
        """μ_ijk on the cube (log10 CR / (1/s), HR, z), shape (n_CR, n_HR, n_z).

        CR and HR edges may be ±inf (open end bins); z edges must lie inside the sample's
        redshifts. ``draw``: one posterior realisation of P (default: the median over them,
        or the only one). ``variance=True`` also returns the MC variance Σ w² P² per cell.
        """
        cell, shape = self._cell_index(log10_rate_edges, hr_edges, z_edges)
        w = self.weights(cosmology, area_deg2) * self._pw(draw)
        ok = cell >= 0
        size = int(np.prod(shape))
        mu = np.bincount(cell[ok], w[ok], minlength=size).reshape(shape)
        if not variance:
            return mu
        return mu, np.bincount(cell[ok], w[ok] ** 2, minlength=size).reshape(shape)

    def count_grid(self, area_deg2: float, log10_rate_edges, hr_edges, z_edges, om, s8, *,
                   fiducial: Cosmology | None = None, draw: int | None = None) -> np.ndarray:
        """μ on the (Ω_m, σ_8) grid, shape (len(om), len(s8), n_CR, n_HR, n_z); H0, Ω_b, n_s
        are the fiducial's (default: the sample's mass-function cosmology)."""
        fid = self.mass_function.cosmology if fiducial is None else fiducial
        om = np.asarray(om, float).ravel()
        s8 = np.asarray(s8, float).ravel()
        first = self.expected(fid, area_deg2, log10_rate_edges, hr_edges, z_edges, draw=draw)
        out = np.empty((om.size, s8.size) + first.shape)
        for a, o in enumerate(om):
            for b, s in enumerate(s8):
                c = fid.model_copy(update=dict(Om0=float(o), sigma8=float(s)))
                out[a, b] = self.expected(c, area_deg2, log10_rate_edges, hr_edges, z_edges,
                                          draw=draw)
        return out


def _probability(sf, values: dict, draws) -> np.ndarray:
    """P(selected) of every halo: shape (n,), or (draws, n)."""
    n = values["flux"].size
    if sf is None:
        if draws is not None:
            raise SelfuncError("draws= needs a SelectionFunction (posterior samples)")
        return np.ones(n)
    variables = getattr(sf, "variables", None)
    if variables is not None:   # a SelectionFunction: its own variables only
        missing = [v for v in variables if v not in values]
        if missing:
            raise SelfuncError(f"the selection function needs {', '.join(missing)}, which the "
                               "halo sample does not have (it has "
                               f"{', '.join(values)})")
        kw = {k: values[k] for k in variables}
        p = sf(**kw) if draws is None else sf(draws=int(draws), **kw)
    else:
        if draws is not None:
            raise SelfuncError("draws= needs a SelectionFunction (posterior samples)")
        if not callable(sf):
            raise SelfuncError("sf must be a SelectionFunction, a callable or None")
        p = sf(**values)
    p = np.asarray(p, float)
    want = (n,) if draws is None else (int(draws), n)
    try:
        p = np.broadcast_to(p, want)
    except ValueError:
        p = np.asarray(p)
    if p.shape != want:
        raise SelfuncError(f"the selection function returned shape {p.shape}, expected {want}")
    if np.any(~np.isfinite(p)) or np.any(p < 0) or np.any(p > 1):
        raise SelfuncError("the selection function must return probabilities in [0, 1]")
    return np.array(p)


def fit_grid(observed, grid, om, s8) -> GridFit:
    """Poisson likelihood of observed (CR, HR, z) counts on the (Ω_m, σ_8) grid of
    :meth:`ObservableCounts.count_grid` (flat priors), as :func:`selfunc.cosmology.fit_grid`."""
    n = np.asarray(observed, float)
    mu = np.asarray(grid, float)
    om = np.asarray(om, float).ravel()
    s8 = np.asarray(s8, float).ravel()
    if mu.shape[:2] != (om.size, s8.size) or mu.shape[2:] != n.shape:
        raise SelfuncError(f"grid has shape {mu.shape}, expected {(om.size, s8.size) + n.shape} "
                           "(len(om), len(s8)) + observed.shape")
    empty = (n > 0) & np.all(mu <= 0, axis=(0, 1))
    if empty.any():
        cell = tuple(int(c) for c in np.argwhere(empty)[0])
        raise SelfuncError(f"observed clusters in cell {cell} (log10_rate, hr, redshift) where "
                           "no halo of the sample lands at any grid point: widen the edges or "
                           "increase n_halos")
    ll = np.array([[poisson_loglike(n, mu[a, b]) for b in range(s8.size)]
                   for a in range(om.size)])
    return GridFit(om, s8, ll)
