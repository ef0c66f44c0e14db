"""Configuration of the DSS2-like optical plates: :class:`OpticalConfig` and its parts.

Frozen pydantic models in the style of :mod:`selfunc.config.models` (unknown keys are
errors; angles accept unit strings). Every default names its source; ``[V]`` verified,
``[A]`` approximate (a round value chosen to match the quoted source or typical DSS2 plates),
as in ``shared/reference/xmm_facts.md``. Magnitudes are photographic: ``R_F`` (IIIaF + RG610,
the POSS-II red plate) and ``B_J`` (IIIaJ + GG385, the blue plate).

Presets live in ``configs/optical/`` (``dss2_red``, ``dss2_blue``); read them with
:func:`load_optical_config`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from selfunc.config.models import Frozen, Range
from selfunc.config.units import Arcmin, Arcsec

__all__ = ["OpticalConfig", "PlateResponse", "FieldGalaxyConfig", "StarCountConfig",
           "ClusterGalaxyConfig", "NearbyGalaxyOptical", "AgnHostOptical", "PointSourceColours", "RenderConfig",
           "BAND_DEFAULTS"]

#: Band-dependent defaults, used when ``limiting_magnitude`` / ``sky_brightness`` are not set.
#: Limits: POSS-II R_F ≈ 20.8, B_J ≈ 22.5 (Reid et al. 1991; xmm_facts §8) [A].
#: Dark-sky surface brightness at Palomar: R ≈ 20.9, B ≈ 22.6 mag arcsec⁻² [A].
BAND_DEFAULTS = {"red": {"limiting_magnitude": 20.8, "sky_brightness": 20.9},
                 "blue": {"limiting_magnitude": 22.5, "sky_brightness": 22.6}}


class PlateResponse(Frozen):
    """Characteristic curve of the plate + scanner, in 16-bit scan units.

    D(E) = D_fog + (D_sat − D_fog) E^γ / (E^γ + K), E the exposure in units of the mean sky,
    K fixed by D(1) = D_sky. A logistic curve in log E: linear for small perturbations of
    the sky, flattening to D_sat (saturated star cores). Levels from the STScI DSS scan in
    ``shared/data/real/dss_astropy_wcs_test`` (sky median ≈ 4300, DATAMAX ≈ 20100) [A];
    γ = 1.5 puts the half-saturation exposure at ≈ 3.4 sky, so R_F ≲ 15–16 stars saturate
    at 2.5″ seeing [A].
    """

    fog_level: float = Field(default=2000.0, ge=0)
    sky_level: float = Field(default=4500.0, gt=0)
    saturation_level: float = Field(default=20000.0, le=32767)
    gamma: float = Field(default=1.5, gt=0)

    @model_validator(mode="after")
    def _ordered(self):
        if not self.fog_level < self.sky_level < self.saturation_level:
            raise ValueError("need fog_level < sky_level < saturation_level")
        return self


class FieldGalaxyConfig(Frozen):
    """Field galaxies: differential counts in R_F and simple shapes.

    dN/dm = n₂₀ 10^{s_f (m − 20)} for m ≥ m_b and continuous with slope s_b brighter (per
    deg² per mag). Euclidean s_b = 0.6 brighter than r = 16 (Yasuda et al. 2001, AJ 122,
    1104) [V]; s_f = 0.45 at 16 < R < 22 and n₂₀ = 1000 deg⁻² mag⁻¹ (Yasuda et al. 2001;
    Metcalfe et al. 2001, MNRAS 323, 795; consistent with ≈ 90 deg⁻² at r < 17.77, the SDSS
    main sample) [A]. Half-light radius log₁₀ r_e = log₁₀ r₁₈ + k (m − 18) with log-normal
    scatter [A]. Early types (fraction ``early_fraction``) are bulge-dominated and red,
    late types disc-dominated and blue; B_J − R_F colours N(mean, sd) [A].
    """

    density_at_20: float = Field(default=1000.0, ge=0)
    faint_slope: float = Field(default=0.45, gt=0)
    bright_slope: float = Field(default=0.6, gt=0)
    break_magnitude: float = 16.0
    bright_limit: float = 12.0
    early_fraction: float = Field(default=0.3, ge=0, le=1)
    size_at_18: Arcsec = Field(default=2.0, gt=0)
    size_slope: float = -0.13
    size_scatter: float = Field(default=0.15, ge=0)
    colour_early: tuple[float, float] = (1.8, 0.15)
    colour_late: tuple[float, float] = (1.0, 0.3)


class StarCountConfig(Frozen):
    """Field stars: dN/dm = n₂₀ 10^{s (m − 20)} |sin b|^{−p} per deg² per mag (R_F).

    A one-slope fit to the Bahcall & Soneira (1980) high-latitude model, n₂₀ = 600 deg⁻²
    mag⁻¹ at the pole and s = 0.2 for 12 < R < 22 [A]; p = 1 (plane-parallel disc) is the
    bright-star limit, the halo makes faint counts flatter in b [A]. |b| is floored at
    ``min_latitude``. Colours B_J − R_F uniform in ``colour`` [A].
    """

    density_at_20: float = Field(default=600.0, ge=0)
    slope: float = Field(default=0.2, gt=0)
    latitude_power: float = Field(default=1.0, ge=0)
    min_latitude: float = Field(default=10.0, gt=0, le=90)
    bright_limit: float = 8.0
    colour: Range = Range(min=0.5, max=2.2)


class ClusterGalaxyConfig(Frozen):
    """Cluster members: richness, luminosity function, BCG, positions and colours.

    * Richness (redMaPPer λ: red members with L > 0.2 L* inside R_λ):
      ln(M500 / M_piv) = B ln(λ / λ_piv), M_piv = 4.39×10¹⁴ M☉ (= e^1.48 × 10¹⁴ h70⁻¹),
      λ_piv = 60, B = 1.06 (Rykoff et al. 2012, ApJ 746, 178) [A]; log-normal intrinsic
      scatter σ_lnλ|M = 0.2 [A]. R_λ = r_λ (λ/100)^0.2 with r_λ = 1 h⁻¹ Mpc = 1.43 Mpc
      (Rykoff et al. 2014) [A].
    * Schechter LF with faint slope α = −1.0 (red sequence) [A]; m*(z) of a passively
      evolving population: m* = M* + DM(z) + K(z) − Q z, M*(R_F) = −21.8 (h = 0.7; gives
      m*(0.3) ≈ 19.2, close to redMaPPer's m*(z)) [A]; K(z) = k₁ z + k₂ z² fits to E-type
      K-corrections (Fukugita, Shimasaku & Ichikawa 1995) [A]; Q = 1.0 (R_F), 1.4 (B_J)
      mag per unit z [A].
    * Red sequence: (B_J − R_F)(z) = c₀ + ΔK(z) − ΔQ z + tilt (m − m*) + N(0, σ_c), with
      c₀ = 1.6 [A]; a Butcher–Oemler blue fraction f_b = f₀ + f₁ z (≤ 0.5) [A] is bluer by
      ``blue_offset``.
    * BCG: m_BCG = m* − Δ, Δ = Δ₀ + 0.65 log₁₀(M500 / 10¹⁴ M☉) + N(0, σ) (L_BCG ∝ M^0.26,
      Lin & Mohr 2004) [A]; offset from the cluster centre: 2-D Gaussian with σ = 0.05 R500
      for ``bcg_central_fraction`` of clusters, 0.25 R500 otherwise (Lin & Mohr 2004;
      Saro et al. 2015) [A].
    * Members: projected NFW of concentration c = R500 / r_s = 2.0 inside R_λ (galaxy
      concentration c200 ≈ 2.9, Lin, Mohr & Stanford 2004) [A]. Sizes r_e = r* (L/L*)^0.65
      with r* = 4 kpc (Shen et al. 2003 early types) [A], BCG × 1.5 [A].
    """

    mass_pivot: float = Field(default=4.39e14, gt=0)
    richness_pivot: float = Field(default=60.0, gt=0)
    mass_richness_slope: float = Field(default=1.06, gt=0)
    richness_scatter: float = Field(default=0.2, ge=0)
    richness_radius: float = Field(default=1.43, gt=0)  # Mpc at λ = 100
    lf_alpha: float = Field(default=-1.0, gt=-1.9, lt=0.5)
    m_star_r: float = -21.8
    kcorr_r: tuple[float, float] = (0.9, 0.9)
    kcorr_b: tuple[float, float] = (3.5, 0.5)
    evolution_r: float = 1.0
    evolution_b: float = 1.4
    colour_rest: float = 1.6
    colour_tilt: float = -0.05
    colour_scatter: float = Field(default=0.08, ge=0)
    blue_fraction: tuple[float, float] = (0.03, 0.45)
    blue_offset: float = -0.7
    concentration: float = Field(default=2.0, gt=0)
    bcg_delta: float = 1.0
    bcg_mass_slope: float = 0.65
    bcg_scatter: float = Field(default=0.3, ge=0)
    bcg_central_fraction: float = Field(default=0.8, ge=0, le=1)
    bcg_offset_central: float = Field(default=0.05, ge=0)
    bcg_offset_other: float = Field(default=0.25, ge=0)
    size_at_lstar: float = Field(default=4.0, gt=0)  # kpc
    size_slope: float = 0.65
    bcg_size_factor: float = Field(default=1.5, gt=0)


class NearbyGalaxyOptical(Frozen):
    """The bright, large galaxy of a ``nearby_galaxy`` truth row (mag_r, optical_radius).

    ``optical_radius`` is read as the isophotal radius R₂₅ ≈ 3.2 disc scale lengths
    (Freeman law discs) [A], so the disc half-light radius is 1.678 / 3.2 ≈ 0.52 R₂₅;
    bulge r_e = 0.1 R₂₅ [A]. Star-forming knots carry ``knot_fraction`` of the disc light
    (galsim RandomKnots) [A]; B_J − R_F ~ N(1.3, 0.2) [A].
    """

    bulge_fraction: Range = Range(min=0.1, max=0.6)
    disc_re_per_radius: float = Field(default=0.52, gt=0)
    bulge_re_per_radius: float = Field(default=0.1, gt=0)
    knots: int = Field(default=60, ge=0)
    knot_fraction: float = Field(default=0.1, ge=0, lt=1)
    colour: tuple[float, float] = (1.3, 0.2)


class AgnHostOptical(Frozen):
    """The host galaxy of an AGN with a redshift (field and pair AGN; a central AGN's host is
    its BCG), drawn under the nucleus: M_R ~ N(``abs_mag_r``) (mean, sd; X-ray AGN live in
    massive, bulge-dominated galaxies near L*: M_R ≈ −21.7, the cluster M* below) [A], seen as
    m = M + DM(z) + K_E(z) − Q z with the early-type K-correction and evolution of
    :class:`ClusterGalaxyConfig` [A]; half-light radius ``re_kpc`` with log-normal scatter
    ``re_scatter`` dex (Shen et al. 2003 early types near L*: ≈ 4 kpc) [A], bulge fraction
    uniform in ``bulge_fraction``, B_J − R_F ~ N(``colour``) [A]. Hosts fainter than the
    catalogue ``depth`` are not kept (they would not be drawn)."""

    abs_mag_r: tuple[float, float] = (-21.7, 0.6)
    re_kpc: float = Field(default=4.0, gt=0)
    re_scatter: float = Field(default=0.15, ge=0)
    bulge_fraction: Range = Range(min=0.3, max=0.9)
    colour: tuple[float, float] = (1.6, 0.2)


class PointSourceColours(Frozen):
    """B_J − R_F of the truth table's point sources: AGN/QSOs N(0.4, 0.2) [A]; X-ray
    (coronal) stars uniform 0.8–2.2 [A]."""

    agn: tuple[float, float] = (0.4, 0.2)
    xray_star: Range = Range(min=0.8, max=2.2)


class RenderConfig(Frozen):
    """How objects are drawn (speed/accuracy trade-offs, measured in ``docs/optical.md``).

    Galaxies brighter than m_lim − ``exact_margin`` or with r_e > ``exact_size`` are drawn
    exactly with galsim (Sérsic bulge + exponential disc ⊗ Moffat ⊗ pixel); fainter, small
    ones as a Moffat whose covariance is PSF + galaxy + pixel (moment matching). Objects
    fainter than m_lim + ``faint_margin`` are not drawn (S/N < 2 at the peak). Noise is
    drawn in ``noise_tile``² tiles with their own seeds so a cutout equals the same pixels
    of the full field. Point sources use PSF templates on a 1/``oversample`` pixel grid.
    """

    exact_margin: float = Field(default=2.0, ge=0)
    exact_size: Arcsec = Field(default=3.0, gt=0)
    faint_margin: float = Field(default=1.0, ge=0)
    noise_tile: int = Field(default=64, ge=8, le=1024)
    oversample: int = Field(default=8, ge=1, le=32)
    max_stamp: int = Field(default=400, ge=16)
    point_stamp: int = Field(default=64, ge=8)


class OpticalConfig(Frozen):
    """A DSS2-like photographic plate around a pointing.

    * ``band``: ``"red"`` (IIIaF, R_F; default) or ``"blue"`` (IIIaJ, B_J).
    * ``pixel_size`` 1.0″ (DSS2 scans) [V]; ``field_size`` 32′ (the X-ray image footprint,
      768 × 2.5″); sources are drawn ``margin`` beyond it so cutouts near the edge are full.
    * ``seeing_fwhm`` 2.5″ with a Moffat β = 3 profile (xmm_facts §8: 2–3″; Moffat β ≈ 2.5–4
      for atmospheric seeing, Trujillo et al. 2001) [A]; point sources also get an aureole,
      ``halo_fraction`` = 8 % of their light in a Moffat of FWHM ``halo_fwhm`` = 4″,
      β = ``halo_beta`` = 1.5 (wings ∝ r⁻³, the aureole of photographic stellar images,
      King 1971, PASP 83, 199), chosen so that saturated R_F ≈ 9–13 stars are ≈ 40–15″
      discs as on DSS2 [A].
    * ``limiting_magnitude``: 5σ point source in a PSF-weighted aperture; with
      ``sky_brightness`` (mag arcsec⁻²) it fixes the sky noise. Band defaults in
      :data:`BAND_DEFAULTS`.
    * ``depth``: the catalogue is drawn to R_F = ``depth`` whatever the band (22.5 covers
      both plates' limits + 1 mag for the usual colours) [A]. The catalogue depends only on
      the population sections and ``depth``, so the red and blue plates of a pointing show
      the same sky.
    * ``noise``: add the plate's grain noise (switch off only for tests).
    """

    band: Literal["red", "blue"] = "red"
    pixel_size: Arcsec = Field(default=1.0, gt=0)
    field_size: Arcmin = Field(default=32.0, gt=0)
    margin: Arcmin = Field(default=4.0, ge=0)
    seeing_fwhm: Arcsec = Field(default=2.5, gt=0)
    moffat_beta: float = Field(default=3.0, gt=2.0)
    halo_fraction: float = Field(default=0.08, ge=0, lt=0.5)
    halo_fwhm: Arcsec = Field(default=4.0, gt=0)
    halo_beta: float = Field(default=1.5, gt=1.1)
    limiting_magnitude: float = Field(default=20.8, gt=0)
    sky_brightness: float = Field(default=20.9, gt=0)
    depth: float = 22.5
    noise: bool = True
    plate: PlateResponse = PlateResponse()
    galaxies: FieldGalaxyConfig = FieldGalaxyConfig()
    stars: StarCountConfig = StarCountConfig()
    clusters: ClusterGalaxyConfig = ClusterGalaxyConfig()
    nearby_galaxies: NearbyGalaxyOptical = NearbyGalaxyOptical()
    agn_hosts: AgnHostOptical = AgnHostOptical()
    colours: PointSourceColours = PointSourceColours()
    render: RenderConfig = RenderConfig()

    @model_validator(mode="before")
    @classmethod
    def _band_defaults(cls, data):
        if isinstance(data, dict):
            band = data.get("band", "red")
            if band in BAND_DEFAULTS:
                data = {**BAND_DEFAULTS[band], **data}
        return data

    @property
    def halo(self) -> tuple[float, float, float]:
        """(fraction, FWHM, β) of the point-source aureole."""
        return (self.halo_fraction, self.halo_fwhm, self.halo_beta)

    @model_validator(mode="after")
    def _consistent(self):
        if self.field_size * 60.0 / self.pixel_size < 16:
            raise ValueError("field_size must span at least 16 pixels")
        if self.depth < self.limiting_magnitude - 5:
            raise ValueError("depth must not be more than 5 mag brighter than limiting_magnitude")
        return self
