"""Typed, frozen configuration models.

Every model forbids unknown keys, so a misspelt key is an error, not a silent default.
Numbers are in the canonical units of ``DESIGN.md`` (arcsec, arcmin for off-axis and field
radii, s, keV, erg s⁻¹ cm⁻² in 0.5–2 keV); strings with units are converted (see
:mod:`selfunc.config.units`). Defaults and their sources are documented on each model,
with the numbers of ``shared/reference/xmm_facts.md`` (tags [V]/[D]/[A]).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from selfunc.config.units import Arcmin, Arcsec, Degrees, Flux, KeV, RatePerArcmin2, Seconds

__all__ = [
    "Frozen", "Range", "EcfTable", "EcfConfig", "BackgroundConfig", "VignettingConfig", "InstrumentConfig",
    "SurveyConfig", "ClusterGrid", "ScalingRelations", "Cosmology", "ClusterMassFunction",
    "AgnConfig", "StarConfig", "NearbyGalaxyConfig", "PairConfig", "CentralAgnConfig",
    "PopulationConfig", "DetectionConfig", "MatchConfig", "InjectConfig", "CAMERAS",
    "CoolCore", "Substructure", "GasModel", "ApecTableConfig", "GasConfig",
]

CAMERAS = ("pn", "mos1", "mos2")
Camera = Literal["pn", "mos1", "mos2"]


class Frozen(BaseModel):
    # allow_inf_nan=False: a NaN or infinite number (``nan``, ``inf`` in TOML, ``"nan ks"``)
    # is refused where it is read, not by a worker that fails on it later. A field that
    # means "no data" by NaN opts back in with ``Field(allow_inf_nan=True)``.
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Range(Frozen):
    """A closed interval ``[min, max]`` with ``min <= max`` (equal gives a fixed value)."""

    min: float
    max: float
    distribution: Literal["uniform", "loguniform"] = "uniform"

    @model_validator(mode="after")
    def _ordered(self):
        if self.min > self.max:
            raise ValueError(f"min ({self.min:g}) must not exceed max ({self.max:g})")
        if self.distribution == "loguniform" and self.min <= 0:
            raise ValueError("a loguniform range needs min > 0")
        return self


class EcfTable(Frozen):
    """Constant energy conversion factors of one camera, counts s⁻¹ per erg s⁻¹ cm⁻²
    (0.5–2 keV), on axis, per observed flux: the count rates of ``ecf.model = "constant"``
    (selfunc before count rates came from spectra), and the cameras' relative weights in
    the combined exposure map and the detection PSF in either model.

    Defaults: cluster = XXL APEC T=2 keV, z=0.3 (Pacaud, XXL DB README 2013) [V];
    agn = Γ=1.7 thin filter, 0.5–1 and 1–2 keV bands of Mateos et al. 2009 Table 1
    combined with energy-flux weights [D]; star uses the cluster (thermal) value [A].
    """

    cluster: float = Field(gt=0)
    agn: float = Field(gt=0)
    star: float = Field(gt=0)


class EcfConfig(Frozen):
    """How source fluxes become count rates (``docs/physics.md`` §5).

    ``model = "spectral"`` (default): each source's ECF comes from its spectrum folded
    through the camera's on-axis thin-filter area and the pointing's Galactic N_H
    (:mod:`selfunc.spectra`): clusters (and other ``spectrum = "cluster"`` rows) as an
    APEC-like plasma of their truth ``temperature``, ``redshift`` and ``metallicity``
    (columns used where present and finite, else ``cluster_temperature``,
    ``cluster_redshift``, ``metallicity``: the XXL reference spectrum); AGN as a power law
    of index ``gamma`` (column, else ``agn_gamma``) with an optional ``nh_intrinsic``
    column at the AGN's redshift; stars as a plasma of ``star_temperature`` and
    ``star_metallicity`` at z = 0. ``flux`` says what the truth fluxes are: ``intrinsic``
    (before Galactic absorption, as the sky model computes them from luminosities) or
    ``observed``.

    ``model = "constant"``: the per-camera tables ``pn``, ``mos1``, ``mos2``, whatever the
    source — the count rates of campaigns made before spectral ECFs, bit for bit.
    """

    model: Literal["spectral", "constant"] = "spectral"
    flux: Literal["intrinsic", "observed"] = "intrinsic"
    metallicity: float = Field(default=0.3, ge=0, le=5)
    cluster_temperature: KeV = Field(default=2.0, ge=0.2, le=32.0)
    cluster_redshift: float = Field(default=0.3, ge=0)
    agn_gamma: float = Field(default=1.7, gt=-5, lt=10)
    star_temperature: KeV = Field(default=1.0, ge=0.2, le=32.0)
    star_metallicity: float = Field(default=0.3, ge=0, le=5)
    pn: EcfTable = EcfTable(cluster=7.03e11, agn=6.94e11, star=7.03e11)
    mos1: EcfTable = EcfTable(cluster=2.015e11, agn=1.93e11, star=2.015e11)
    mos2: EcfTable = EcfTable(cluster=2.015e11, agn=1.93e11, star=2.015e11)

    def __getitem__(self, camera: str) -> EcfTable:
        if camera not in CAMERAS:
            raise KeyError(camera)
        return getattr(self, camera)

    def __contains__(self, camera: str) -> bool:
        return camera in CAMERAS


class BackgroundConfig(Frozen):
    """Diffuse background, 0.5–2 keV.

    ``level`` is the source-free total of pn+MOS1+MOS2 in cts s⁻¹ arcmin⁻² on axis
    (Valtchanov et al. 2001, Table 1: 0.0041) when AGN are drawn down to
    ``reference_flux``; drawing AGN to another limit moves the difference of the
    unresolved CXB into or out of the diffuse term (:mod:`selfunc.xray.background`).
    ``particle_fraction`` is not vignetted (0.2, SAS eimsimprep); ``soft_proton_fraction``
    is a residual of soft protons with a flatter vignetting; the rest is sky (CXB +
    Galactic foreground), vignetted. ``camera_share`` splits the level between cameras.
    """

    level: RatePerArcmin2 = Field(default=0.0041, gt=0)
    particle_fraction: float = Field(default=0.2, ge=0, le=1)
    soft_proton_fraction: float = Field(default=0.05, ge=0, le=1)
    reference_flux: Flux = Field(default=1e-15, gt=0)
    camera_share: dict[Camera, float] = Field(
        default_factory=lambda: {"pn": 0.64, "mos1": 0.18, "mos2": 0.18})

    @model_validator(mode="after")
    def _fractions(self):
        if self.particle_fraction + self.soft_proton_fraction > 1:
            raise ValueError("particle_fraction + soft_proton_fraction must not exceed 1")
        total = sum(self.camera_share.values())
        if abs(total - 1) > 1e-6:
            raise ValueError(f"camera_share must sum to 1, got {total:g}")
        return self


class VignettingConfig(Frozen):
    """``model = "analytic"`` (documented approximation) or ``"xareaef"`` with ``files``
    mapping camera → CCF ``XRT*_XAREAEF`` file."""

    model: Literal["analytic", "xareaef"] = "analytic"
    files: dict[Camera, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _files(self):
        if self.model == "xareaef" and not self.files:
            raise ValueError("model 'xareaef' needs files = {pn = '...', mos1 = '...', ...}")
        return self


class InstrumentConfig(Frozen):
    """XMM-Newton EPIC on the XAmin grid (2.5″ pixels, 0.5–2 keV).

    ``bands``: ``"none"`` (default: the 0.5–2 keV detection images only) or ``"xxl"``: also
    0.5–1, 1–2 and 2–10 keV images (:mod:`selfunc.xray.bands`; the 0.5–2 keV images and
    everything detected on them are unchanged) and forced photometry with the hardness
    ratio in the candidate catalogue (:mod:`selfunc.detect.photometry`).
    """

    cameras: tuple[Camera, ...] = CAMERAS
    pixel_size: Arcsec = Field(default=2.5, gt=0)
    npix: int = Field(default=768, ge=64, le=8192)
    band: tuple[KeV, KeV] = (0.5, 2.0)
    fov_radius: Arcmin = Field(default=15.0, gt=0)
    effective_energy: KeV = Field(default=1.2, gt=0)
    psf_core_radius: Arcsec = Field(default=60.0, gt=0)
    psf_theta_step: Arcmin = Field(default=0.5, gt=0)
    chip_gaps: bool = True
    mos1_ccd6_lost: dt.date = dt.date(2005, 3, 9)
    mos1_ccd3_lost: dt.date = dt.date(2012, 12, 11)
    ecf: EcfConfig = EcfConfig()
    vignetting: VignettingConfig = VignettingConfig()
    background: BackgroundConfig = BackgroundConfig()
    bands: Literal["none", "xxl"] = "none"

    @model_validator(mode="after")
    def _consistent(self):
        if not self.cameras:
            raise ValueError("cameras must name at least one of pn, mos1, mos2")
        if len(set(self.cameras)) != len(self.cameras):
            raise ValueError("cameras must not repeat")
        if self.band[0] >= self.band[1]:
            raise ValueError("band must be (low, high) with low < high")
        if self.ecf.model == "spectral" and tuple(self.band) != (0.5, 2.0) and any(
                c == "pn" for c in self.cameras):
            from selfunc.spectra.areas import CHANNEL_EDGES
            if not all(any(abs(b - e) < 1e-9 for e in CHANNEL_EDGES) for b in self.band):
                raise ValueError(f"ecf.model 'spectral' needs band edges among {CHANNEL_EDGES} "
                                 "keV for pn (its channel redistribution); or ecf.model = "
                                 "'constant'")
        if self.bands != "none" and (self.ecf.model != "spectral" or tuple(self.band) != (0.5, 2.0)):
            raise ValueError(f"bands = '{self.bands}' needs ecf.model = 'spectral' and band = "
                             "[0.5, 2.0] (sub-band count rates come from the spectra)")
        if self.vignetting.model == "xareaef":
            missing = [c for c in self.cameras if c not in self.vignetting.files]
            if missing:
                raise ValueError("vignetting model 'xareaef' needs a file for camera(s) "
                                 + ", ".join(missing))
        return self


class SurveyConfig(Frozen):
    """How pointings are drawn: X-CLASS-like archival fields clipped to 10 and 20 ks."""

    exposures: tuple[Seconds, ...] = (10_000.0, 20_000.0)
    exposure_weights: tuple[float, ...] = (0.5, 0.5)
    dates: tuple[dt.date, dt.date] = (dt.date(2000, 1, 1), dt.date(2015, 8, 31))
    min_abs_galactic_latitude: Degrees = Field(default=20.0, ge=0, lt=90)
    background_scale: Range = Range(min=1.0, max=1.0)
    nh: float = Field(default=3e20, ge=0)

    @model_validator(mode="after")
    def _check(self):
        if not self.exposures:
            raise ValueError("exposures must list at least one exposure")
        if any(t <= 0 for t in self.exposures):
            raise ValueError("exposures must be positive")
        if len(self.exposure_weights) != len(self.exposures):
            raise ValueError("exposure_weights must have one weight per exposure")
        if any(w < 0 for w in self.exposure_weights) or sum(self.exposure_weights) <= 0:
            raise ValueError("exposure_weights must be non-negative with a positive sum")
        if self.dates[0] > self.dates[1]:
            raise ValueError("dates must be (first, last) with first <= last")
        if self.background_scale.min <= 0:
            raise ValueError("background_scale must be positive")
        return self


class ClusterGrid(Frozen):
    """Grid mode: clusters with flux, core radius and redshift drawn from ranges."""

    n_per_pointing: int = Field(default=6, ge=0)
    flux: Range = Range(min=5e-15, max=2e-13, distribution="loguniform")
    core_radius: Range = Range(min=5.0, max=120.0, distribution="loguniform")
    redshift: Range = Range(min=0.05, max=1.2)

    @model_validator(mode="after")
    def _positive(self):
        if self.flux.min <= 0:
            raise ValueError("flux.min must be positive (erg/s/cm2)")
        if self.core_radius.min <= 0:
            raise ValueError("core_radius.min must be positive (arcsec)")
        if self.redshift.min < 0:
            raise ValueError("redshift.min must be >= 0")
        return self


class Cosmology(Frozen):
    H0: float = Field(default=70.0, gt=0)
    Om0: float = Field(default=0.3, gt=0, lt=1)
    Ob0: float = Field(default=0.049, gt=0, lt=1)
    sigma8: float = Field(default=0.81, gt=0)
    ns: float = Field(default=0.96, gt=0)


class ScalingRelations(Frozen):
    """Temperature, luminosity and core radius at fixed M500c, with correlated log-normal
    scatter; formulas in :mod:`selfunc.scaling`, numbers and sources in ``docs/physics.md`` §1.

    M500c = mt_norm (T / mt_pivot)^mt_slope E(z)^mt_evolution (the mean T at fixed M), with
    ``mt_scatter`` = σ of ln T at fixed M. L = lm_norm (M / lm_pivot)^lm_slope E(z)^lm_evolution,
    L the rest-frame 0.5–2 keV luminosity inside R500, with ``lm_scatter`` = σ of ln L at fixed
    M, correlated with the T scatter by ``lm_mt_correlation``. r_c = x_c R500, σ of ln x_c
    ``x_c_scatter``. All for H0 = 70 km/s/Mpc (the normalisations' h-dependence is in the docs).
    """

    # Lieu et al. 2016 (XXL IV) joint XXL+COSMOS+CCCP fit: E(z) M500,WL = 10^13.57 h70⁻¹ M☉
    # (T300kpc / 1 keV)^1.67.
    mt_norm: float = Field(default=10 ** 13.57, gt=0)
    mt_pivot: float = Field(default=1.0, gt=0)
    mt_slope: float = Field(default=1.67, gt=0)
    mt_evolution: float = -1.0
    # σ_lnT|M ≈ 0.20 at fixed mass, T in 300 kpc: Sereno et al. 2019 (XXL XXXVIII), abstract.
    mt_scatter: float = Field(default=0.20, ge=0)
    # Lieu et al. 2016 fit M at fixed T ("M ∝ T^b", σ_lnM|T ≈ 0.41, abstract): their relation is
    # the mean mass at fixed T. "M|T" turns it into the mean T at fixed M with the mass
    # function's slope (scaling.temperature_from_mass); "T|M" takes it as that mean already.
    mt_regression: Literal["M|T", "T|M"] = "M|T"
    # Vikhlinin et al. 2009a (CCCP II, eq. 22), L[0.5–2](<R500)–M500 with Chandra (hydrostatic)
    # masses: ln L = 47.392 + 1.61 ln(M500/M☉) + 1.85 ln E(z) − 0.39 ln(h/0.72) → 1.339e43 erg/s
    # at 10^14 M☉ and h = 0.7; σ_lnL|M = 0.396.
    lm_norm: float = Field(default=1.339e43, gt=0)
    lm_pivot: float = Field(default=1e14, gt=0)
    lm_slope: float = Field(default=1.61, gt=0)
    lm_evolution: float = 1.85
    lm_scatter: float = Field(default=0.396, ge=0)
    # M_X / M_true of the masses the L–M relation was calibrated with: Vikhlinin's are
    # hydrostatic, the mass function's (and Lieu's weak-lensing M–T) true. 0.72 (+0.08 −0.07):
    # Eckert et al. 2016 (XXL XIII, abstract), the hydrostatic bias relative to the XXL
    # weak-lensing mass scale. L(M) = L_V(lm_mass_bias × M).
    lm_mass_bias: float = Field(default=0.72, gt=0, le=1.5)
    lm_mt_correlation: float = Field(default=0.0, ge=-1, le=1)
    x_c: float = Field(default=0.24, gt=0)
    x_c_scatter: float = Field(default=0.0, ge=0)


class ClusterMassFunction(Frozen):
    """Population mode: halo mass function (colossus) × comoving volume in the field."""

    model: str = "tinker08"
    log10_mass: Range = Range(min=13.3, max=15.5)
    redshift: Range = Range(min=0.05, max=1.5)
    cosmology: Cosmology = Cosmology()
    scaling: ScalingRelations = ScalingRelations()


class AgnConfig(Frozen):
    """Moretti et al. 2003 soft-band logN–logS (xmm_facts §7.1), and what the optical stage
    needs of each AGN (docs/physics.md §8): the nucleus's log(f_X/f_R) ~ N(``log_fx_fo``)
    (mean, sd; X-ray-selected AGN lie within −1 … +1, Maccacaro et al. 1988; Brandt &
    Hasinger 2005) and a redshift drawn from a Gamma distribution of shape
    ``redshift_shape`` and scale ``redshift_scale`` (median 0.88, 97 % below z = 2: "most
    AGN of deep X-ray surveys have z ≈ 0–2", Brandt & Hasinger 2005 §2.3) [A], which sizes
    the AGN's host galaxy. Field AGN and the members of close pairs get both; a central AGN
    has its cluster's redshift and the BCG as host."""

    flux_min: Flux = Field(default=1e-15, gt=0)
    flux_max: Flux = Field(default=1e-11, gt=0)
    alpha1: float = 1.82
    alpha2: float = 0.60
    s0: Flux = Field(default=1.48e-14, gt=0)
    n_s: float = Field(default=6150.0, gt=0)
    log_fx_fo: tuple[float, float] = (0.0, 0.5)
    redshift_shape: float = Field(default=3.0, gt=0)
    redshift_scale: float = Field(default=0.33, gt=0)

    @field_validator("log_fx_fo")
    @classmethod
    def _spread(cls, v):
        if not (math.isfinite(v[0]) and math.isfinite(v[1]) and v[1] >= 0):
            raise ValueError("expected (mean, sd) with a finite mean and sd >= 0")
        return v

    @model_validator(mode="after")
    def _range(self):
        if self.flux_min >= self.flux_max:
            raise ValueError("flux_min must be below flux_max")
        return self


class StarConfig(Frozen):
    """X-ray stars: N(>S) = ``density_at_pole`` (S / ``flux_min``)^−``slope`` per deg² at the
    Galactic pole, between ``flux_min`` and ``flux_max``, scaled by 1/sin|b| (a plane-parallel
    disc), and an X-ray-to-optical flux ratio log(f_X/f_R) drawn uniformly in ``log_fx_fo``
    (coronal stars of the RASS, log(f_X/f_V) −5 … −1.8 in 0.1–2.4 keV, moved to R_F and
    0.5–2 keV: −5.4 … −2.2, docs/physics.md §8). Defaults (docs/physics.md §3): 2.1 stars deg⁻² above
    7×10⁻¹⁴ in 0.5–4.5 keV in the XMM Bright Serendipitous Survey (58 in 28.1 deg², Della Ceca
    et al. 2004) and ~100 deg⁻² near 3×10⁻¹⁷ in the CDF-N give the slope 0.54 [D]; the
    0.5–2 keV share of a coronal spectrum (0.85) and ⟨1/sin|b|⟩ = 1.4 of high-latitude fields
    are [A]. ``flux_max``: XMM pointings avoid sources that pile up [A]."""

    density_at_pole: float = Field(default=9.4, ge=0)
    flux_min: Flux = Field(default=2e-15, gt=0)
    flux_max: Flux = Field(default=1e-11, gt=0)
    slope: float = Field(default=0.54, gt=0)
    log_fx_fo: Range = Range(min=-5.4, max=-2.2)

    @model_validator(mode="after")
    def _range(self):
        if self.flux_min >= self.flux_max:
            raise ValueError("flux_min must be below flux_max")
        return self


class NearbyGalaxyConfig(Frozen):
    """Nearby normal galaxies: soft extended X-ray emission under a bright, large optical
    galaxy. ``per_pointing`` is the mean number inside the placement radius, with fluxes
    N(>S) ∝ S^−``flux_slope`` between ``flux.min`` and ``flux.max``. Defaults (docs/physics.md
    §3): Euclidean counts (slope −1.46 ± 0.13, Georgakakis et al. 2006) normalised to
    N(>10⁻¹⁴) ≈ 0.25 deg⁻² [D, a factor ~2] → 0.10 per 13′-radius disc between 5×10⁻¹⁵ and
    5×10⁻¹⁴.

    The optical galaxy follows from the X-ray light (docs/physics.md §8): L_B = L_X / 10^x
    with x ~ N(``log_lx_lb``) (erg s⁻¹ per L_B☉; X-ray binaries give 29.5, O'Sullivan et al.
    2001, and late types lie near it) [A]; m_R = M_B☉ − 2.5 log L_B + DM(z) − ``b_minus_r``;
    the isophotal radius R₂₅ = ``r25_kpc`` (L_B / 10¹⁰ L_B☉)^``r25_slope`` (constant disc
    surface brightness, Freeman 1970) [A], seen at the galaxy's angular-diameter distance."""

    per_pointing: float = Field(default=0.10, ge=0)
    flux: Range = Range(min=5e-15, max=5e-14)
    flux_slope: float = Field(default=1.5, gt=0)
    core_radius: Range = Range(min=8.0, max=30.0, distribution="loguniform")
    redshift: Range = Range(min=0.003, max=0.03)
    log_lx_lb: tuple[float, float] = (29.7, 0.4)
    b_minus_r: float = 1.3
    r25_kpc: float = Field(default=10.0, gt=0)
    r25_slope: float = Field(default=0.5, ge=0)

    @model_validator(mode="after")
    def _positive(self):
        if self.flux.min <= 0:
            raise ValueError("flux.min must be positive (erg/s/cm2)")
        if not (math.isfinite(self.log_lx_lb[0]) and math.isfinite(self.log_lx_lb[1])
                and self.log_lx_lb[1] >= 0):
            raise ValueError("log_lx_lb: expected (mean, sd) with a finite mean and sd >= 0")
        if self.redshift.min <= 0:
            raise ValueError("redshift.min must be positive (the galaxy's distance sets its "
                             "optical magnitude and size)")
        return self


class PairConfig(Frozen):
    per_pointing: float = Field(default=0.5, ge=0)
    separation: Range = Range(min=6.0, max=25.0)
    flux: Range = Range(min=5e-15, max=5e-14, distribution="loguniform")


class CentralAgnConfig(Frozen):
    fraction: float = Field(default=0.1, ge=0, le=1)
    flux_ratio: Range = Range(min=0.2, max=1.0, distribution="loguniform")


class CoolCore(Frozen):
    """A cool core (Vikhlinin et al. 2006 forms, :mod:`selfunc.gas.profiles`): central
    temperature ``t_min`` × T inside ``r_cool`` core radii, and a compact density component of
    core radius ``core_radius`` (in core radii) and central density ``density_ratio`` × n₀."""

    t_min: float = Field(default=0.4, gt=0, le=1)
    r_cool: float = Field(default=1.0, gt=0)
    density_ratio: float = Field(default=3.0, ge=0)
    core_radius: float = Field(default=0.25, gt=0)


class Substructure(Frozen):
    """A merging clump: a β-model at ``offset`` core radii in the sky (and ``los_offset``
    along the line of sight), core radius ``core_radius`` (core radii), central density
    ``density_ratio`` × n₀ and temperature ``temperature`` × T."""

    offset: float = Field(default=3.0, ge=0)
    los_offset: float = 0.0
    core_radius: float = Field(default=0.7, gt=0)
    density_ratio: float = Field(default=0.7, gt=0)
    temperature: float = Field(default=0.7, gt=0)


class GasModel(Frozen):
    """One 3-D cluster model of the pyxsim route (:mod:`selfunc.gas`).

    ``kind = "builtin"``: a yt dataset generated from the cluster's drawn core radius,
    temperature and redshift: ``density`` ``beta`` or ``gnfw`` (inner slope ``gnfw_inner``,
    turnover sharpness ``gnfw_alpha``), ``axis_ratio`` (q_y, q_z) for ellipsoids, an optional
    ``cool_core`` and ``substructure``. ``kind = "dataset"``: any yt-loadable file ``path``
    with the cluster ``center`` (kpc, code frame), ``redshift``, line of sight ``normal``,
    the sphere of ``radius`` (kpc) that emits, and a nominal ``core_radius`` (arcsec) that
    stands for it in the selection-function covariates. Either is normalised to the drawn
    0.5–2 keV flux (a template), see ``docs/pyxsim.md``.
    """

    name: str = Field(min_length=1)
    weight: float = Field(default=1.0, gt=0)
    kind: Literal["builtin", "dataset"] = "builtin"
    density: Literal["beta", "gnfw"] = "beta"
    gnfw_inner: float = Field(default=0.5, ge=0, lt=1.5)
    gnfw_alpha: float = Field(default=2.0, gt=0)
    axis_ratio: tuple[float, float] = (1.0, 1.0)
    cool_core: CoolCore | None = None
    substructure: Substructure | None = None
    path: str | None = None
    center: tuple[float, float, float] | None = None
    redshift: float | None = Field(default=None, gt=0)
    normal: Literal["x", "y", "z"] = "z"
    radius: float | None = Field(default=None, gt=0)
    core_radius: Arcsec | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _kind(self):
        if any(not 0 < q <= 1 for q in self.axis_ratio):
            raise ValueError("axis_ratio values must lie in (0, 1]")
        if self.kind == "dataset":
            missing = [k for k in ("path", "center", "redshift", "radius", "core_radius")
                       if getattr(self, k) is None]
            if missing:
                raise ValueError(f"a 'dataset' model needs {', '.join(missing)}")
        return self


class ApecTableConfig(Frozen):
    """A real AtomDB APEC table: ``apec_v{version}_coco.fits`` and ``_line.fits`` in ``root``."""

    root: str
    version: str


class GasConfig(Frozen):
    """The pyxsim/yt route for 3-D clusters (:mod:`selfunc.gas`, ``docs/pyxsim.md``).

    A drawn cluster takes the 3-D route with probability ``fraction``, with a model chosen
    from ``models`` by weight; the default (0) keeps every cluster analytic. ``table`` names
    a real APEC table; without it selfunc's own free-free table is used (built offline on
    first use). ``photons_per_count`` (≥ 1) oversamples the photon list so that the
    expected-counts (MODEL) image is smooth; the counts are exact Poisson draws for any
    value. Built-in models live on ``levels`` nested grids of ``cells``³ cells whose outer
    box reaches ``extent`` × the projected truncation radius.
    """

    fraction: float = Field(default=0.0, ge=0, le=1)
    models: tuple[GasModel, ...] = ()
    metallicity: float = Field(default=0.3, ge=0)
    table: ApecTableConfig | None = None
    photons_per_count: float = Field(default=10.0, ge=1)
    spectral_bins: int = Field(default=150, ge=10)
    cells: int = Field(default=32, ge=8, le=256)
    levels: int = Field(default=5, ge=1, le=10)
    extent: float = Field(default=3.0, ge=1)

    @model_validator(mode="after")
    def _models(self):
        if self.fraction > 0 and not self.models:
            raise ValueError("fraction > 0 needs at least one entry in models")
        names = [m.name for m in self.models]
        if len(set(names)) != len(names):
            raise ValueError("model names must be unique")
        if self.cells % 4:
            raise ValueError("cells must be a multiple of 4 (nested grids halve it)")
        return self


class PopulationConfig(Frozen):
    mode: Literal["grid", "mass_function"] = "grid"
    beta: float = Field(default=2 / 3, gt=0.5)
    truncation: float = Field(default=10.0, gt=1)
    placement_radius: Arcmin = Field(default=13.0, gt=0)
    min_separation: Arcsec = Field(default=90.0, ge=0)
    grid: ClusterGrid = ClusterGrid()
    mass_function: ClusterMassFunction = ClusterMassFunction()
    agn: AgnConfig = AgnConfig()
    stars: StarConfig = StarConfig()
    nearby_galaxies: NearbyGalaxyConfig = NearbyGalaxyConfig()
    pairs: PairConfig = PairConfig()
    central_agn: CentralAgnConfig = CentralAgnConfig()
    gas: GasConfig = GasConfig()


class DetectionConfig(Frozen):
    """The XAmin-like stage (:mod:`selfunc.detect`); class cuts of Faccioli et al. 2018,
    Table 8 [V], applied to the Cash-difference statistics defined in
    :mod:`selfunc.detect.characterise`."""

    n_scales: int = Field(default=6, ge=2, le=9)
    first_scale: int = Field(default=2, ge=1)
    false_detection_rate: float = Field(default=1e-3, gt=0, lt=0.5)
    iterations: int = Field(default=6, ge=1)
    #: How the per-scale wavelet thresholds are calibrated (selfunc.detect.wavelet).
    threshold_method: Literal["exact", "monte_carlo", "cornish_fisher"] = "exact"
    #: Extraction threshold on the filtered image, in units of the local background
    #: counts per pixel (so that a source's footprint, hence blending, does not grow
    #: with exposure; see :func:`selfunc.detect.pipeline.extract`).
    extract_threshold: float = Field(default=1.0, gt=0)
    sep_minarea: int = Field(default=10, ge=1)
    deblend_nthresh: int = Field(default=32, ge=1)
    deblend_cont: float = Field(default=0.01, ge=0, le=1)
    max_offaxis: Arcmin = Field(default=13.0, gt=0)
    point_radius: Arcsec = Field(default=35.0, gt=0)
    extended_radius: Arcsec = Field(default=120.0, gt=0)
    max_core_radius: Arcsec = Field(default=150.0, gt=0)
    characterise_det_ml: float = Field(default=10.0, ge=0)
    secondary_ext_ml: float = Field(default=2.0, ge=0)
    keep_det_ml: float = Field(default=6.0, ge=0)
    beta: float = Field(default=2 / 3, gt=0.5)
    truncation: float = Field(default=10.0, gt=1)
    #: Around a point source, candidates where its model exceeds this many times the
    #: background cannot be extended (C1/C2/AC); the masked area is reported
    #: (:mod:`selfunc.detect.bright`).
    bright_mask_level: float = Field(default=10.0, gt=0)
    c1_ext: Arcsec = 5.0
    c1_ext_ml: float = 33.0
    c1_ext_det_ml: float = 32.0
    c2_ext: Arcsec = 5.0
    c2_ext_ml: float = 15.0
    ac_ext: Arcsec = 5.0
    ac_stat: float = 20.0
    ac_pnt_alone: float = 100.0
    p1_det_ml: float = 30.0
    p1_ext: Arcsec = 3.0

    @model_validator(mode="after")
    def _scales(self):
        if self.first_scale > self.n_scales:
            raise ValueError("first_scale must not exceed n_scales")
        return self


class MatchConfig(Frozen):
    """The rule that labels candidates by the truth (``[match]``; :mod:`selfunc.match`).

    A truth component can explain a candidate closer than ``point_radius`` (point sources)
    or than its core radius clipped to [``extended_min``, ``extended_max``] (β-models), when
    it is expected to give at least ``min_counts`` counts; clusters below ``lowz_max`` in
    redshift are ``low-z`` (Kosiba et al. 2020, §2.4). The defaults are selfunc's choice.
    """

    point_radius: Arcsec = Field(default=10.0, gt=0)
    extended_min: Arcsec = Field(default=20.0, gt=0)
    extended_max: Arcsec = Field(default=60.0, gt=0)
    min_counts: float = Field(default=5.0, ge=0)
    lowz_max: float = Field(default=0.3, gt=0)

    @model_validator(mode="after")
    def _extended(self):
        if self.extended_min > self.extended_max:
            raise ValueError("extended_min must not exceed extended_max")
        return self


class InjectConfig(Frozen):
    """Inject simulated clusters into a user's real XMM images instead of simulating whole
    pointings (the XCS approach). Paths are relative to the campaign file. Each "pointing"
    of the campaign is one realisation: ``n_clusters`` grid clusters placed where the
    exposure exceeds ``min_exposure_fraction`` of its maximum, within ``max_offaxis``."""

    counts: str
    exposure: str
    background: str | None = None
    camera: Literal["pn", "mos1", "mos2"] | None = None
    n_clusters: int = Field(default=3, ge=1)
    min_exposure_fraction: float = Field(default=0.5, gt=0, le=1)
    max_offaxis: Arcmin = Field(default=12.0, gt=0)
    min_separation: Arcsec = Field(default=120.0, ge=0)
