"""DSS2-like plates of one pointing: the scene (what is on the plate), full fields and cutouts.

* :func:`scene` draws the optical catalogue (:mod:`selfunc.optical.catalogue`) and decides
  how every source is drawn; it renders no pixel and is cheap.
* :func:`observe` renders the full field (``field_size`` square about the pointing).
* :func:`cutout` gives a ``size_arcmin`` square about any (RA, Dec): a window of a field,
  or rendered from a scene with only the sources that touch it. Both give the same pixels,
  because stamps and noise tiles are fixed on the plate grid (:mod:`selfunc.optical.render`).

A plate's pixels (per pixel, sky units for the intensity):

    E = 1 + Σ_sources S + N(0, σ²)          (sky + sources + grain noise; σ from the plate limit)
    D = D(E)                                  (characteristic curve, :mod:`selfunc.optical.plate`)
    image = round(D) as int16                 (16-bit scan units, like DSS)

Randomness: all of it comes from the ``rng`` passed in (``rng_for(seed, pointing, "optical")``):
first the noise seed, then the catalogue; galsim's deviates (random knots of nearby
galaxies) are seeded from it, so fixed seeds reproduce every pixel bit for bit.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import astropy.units as u
from astropy.table import Table
from astropy.wcs import WCS

from selfunc.config.models import Cosmology, ScalingRelations
from selfunc.optical.catalogue import catalogue_half_size, draw_catalogue
from selfunc.optical.config import OpticalConfig
from selfunc.optical.plate import Photometry, density_from_intensity, photometry
from selfunc.optical.render import PlateGrid, RenderPlan, grain_noise, plan, render_sources
from selfunc.pointing import PointingSpec
from selfunc import scaling
from selfunc.sky.tangent import offsets_to_radec, radec_to_offsets, tangent_wcs
from selfunc.angles import arcmin_to_arcsec

__all__ = ["OpticalScene", "OpticalField", "OpticalCutout", "scene", "observe", "cutout",
           "OPTICAL_TRUTH_COLUMNS"]

#: Columns the optical stage adds to the truth table.
OPTICAL_TRUTH_COLUMNS = ("mag_optical", "richness", "mag_star", "mag_bcg", "n_members",
                         "n_members_visible", "bcg_ra", "bcg_dec")


@dataclasses.dataclass(frozen=True, eq=False)
class OpticalScene:
    """Everything needed to render any part of one plate.

    ``sources``: dict of per-source arrays (see :func:`~selfunc.optical.catalogue.draw_catalogue`)
    and ``mag``, the magnitude in this plate's band; ``plan``: how each is drawn;
    ``truth``: the truth table with :data:`OPTICAL_TRUTH_COLUMNS` added; ``noise_seed``:
    the seed of the grain-noise tiles.
    """

    spec: PointingSpec
    cfg: OpticalConfig
    grid: PlateGrid
    phot: Photometry
    sources: dict
    plan: RenderPlan
    truth: Table
    noise_seed: int

    @property
    def band(self) -> str:
        return self.cfg.band

    def sources_table(self) -> Table:
        """The catalogue as a table, with RA/Dec, field pixel (x, y), ``mag`` (this band)
        and the drawing ``method``."""
        t = Table({k: v for k, v in self.sources.items()})
        ra, dec = offsets_to_radec(self.spec.ra, self.spec.dec, t["xi"], t["eta"])
        t.add_column(ra, name="ra", index=2)
        t.add_column(dec, name="dec", index=3)
        t["x"] = self.plan.x
        t["y"] = self.plan.y
        t["method"] = self.plan.method
        for c in ("xi", "eta", "bulge_re", "disc_re"):
            t[c].unit = u.arcsec
        for c in ("mag_r", "mag_b", "mag"):
            t[c].unit = u.mag
        t["ra"].unit = t["dec"].unit = t["pa"].unit = u.deg
        t.meta.update(BAND=self.band, MAGLIM=self.cfg.limiting_magnitude)
        return t

    def region(self, ra: float, dec: float, size_arcmin: float) -> tuple[int, int, int, int]:
        """(x0, y0, n, n) of the square of ``size_arcmin`` whose centre pixel is nearest
        to (ra, dec); ValueError if it leaves the catalogue square."""
        if not size_arcmin > 0:
            raise ValueError(f"size_arcmin = {size_arcmin!r}: must be positive")
        n = int(round(arcmin_to_arcsec(size_arcmin) / self.grid.pixel))
        xi, eta = radec_to_offsets(self.spec.ra, self.spec.dec, ra, dec)
        x, y = self.grid.to_pixel(xi, eta)
        x0 = int(np.floor(float(x) - (n - 1) / 2.0 + 0.5))
        y0 = int(np.floor(float(y) - (n - 1) / 2.0 + 0.5))
        half = catalogue_half_size(self.cfg)
        cx0, cy0 = self.grid.to_pixel(half, -half)
        cx1, cy1 = self.grid.to_pixel(-half, half)
        if x0 < cx0 or y0 < cy0 or x0 + n - 1 > cx1 or y0 + n - 1 > cy1:
            raise ValueError(
                f"a {size_arcmin:g}' cutout at (ra, dec) = ({ra:.5f}, {dec:.5f}) leaves the sky "
                f"drawn for pointing {self.spec.id} (field {self.cfg.field_size:g}' + margin "
                f"{self.cfg.margin:g}'); raise OpticalConfig.margin")
        return x0, y0, n, n

    def render(self, region) -> tuple[np.ndarray, np.ndarray]:
        """(image int16 scan units, intensity float32 sky units) of ``region``."""
        x0, y0, nx, ny = region
        e = render_sources(region, self.sources, self.plan, self.grid, self.cfg,
                           self.cfg.nearby_galaxies.knot_fraction)
        if self.cfg.noise:
            e += grain_noise(region, self.noise_seed, self.phot.sky_sigma, self.cfg.render.noise_tile)
        e += 1.0
        d = density_from_intensity(e, self.phot)
        image = np.clip(np.rint(d), 0, 32767).astype(np.int16)
        return image, e.astype(np.float32)

    def wcs(self, x0: int = 0, y0: int = 0) -> WCS:
        return tangent_wcs(self.spec.ra, self.spec.dec, self.grid.npix, self.grid.pixel, x0, y0)


@dataclasses.dataclass(frozen=True, eq=False)
class OpticalField:
    """A full plate about the pointing: ``image`` (int16 scan units), ``intensity``
    (float32, sky units, before the characteristic curve), ``wcs``, and the ``scene`` it
    came from (``truth``, ``sources`` …)."""

    scene: OpticalScene
    wcs: WCS
    image: np.ndarray
    intensity: np.ndarray

    @property
    def truth(self) -> Table:
        return self.scene.truth

    @property
    def spec(self) -> PointingSpec:
        return self.scene.spec

    @property
    def cfg(self) -> OpticalConfig:
        return self.scene.cfg

    @property
    def band(self) -> str:
        return self.scene.band


@dataclasses.dataclass(frozen=True, eq=False)
class OpticalCutout:
    """A square window of a plate: ``image`` (int16), ``intensity`` (float32), ``wcs``;
    ``ra``, ``dec`` the requested centre (deg), ``region`` (x0, y0, nx, ny) on the plate
    grid of pointing ``spec``."""

    image: np.ndarray
    intensity: np.ndarray
    wcs: WCS
    ra: float
    dec: float
    size_arcmin: float
    band: str
    region: tuple[int, int, int, int]
    spec: PointingSpec
    cfg: OpticalConfig


def _truth_columns(truth: Table, sources: dict, mag: np.ndarray, clusters: dict,
                   spec: PointingSpec, cfg: OpticalConfig) -> Table:
    t = truth.copy()
    n = len(t)
    blue = cfg.band == "blue"
    cols = {"mag_optical": np.full(n, np.nan), "richness": np.full(n, np.nan),
            "mag_star": np.full(n, np.nan), "mag_bcg": np.full(n, np.nan),
            "n_members": np.zeros(n, np.int64), "n_members_visible": np.zeros(n, np.int64),
            "bcg_ra": np.full(n, np.nan), "bcg_dec": np.full(n, np.nan)}
    row_of_id = {int(i): r for r, i in enumerate(np.asarray(t["id"]))}
    single = np.isin(sources["kind"], ("xray_star", "agn", "nearby_galaxy"))
    for k in np.nonzero(single)[0]:
        cols["mag_optical"][row_of_id[int(sources["truth_id"][k])]] = mag[k]
    rows = clusters["row"]
    if len(rows):
        cols["richness"][rows] = clusters["richness"]
        cols["mag_star"][rows] = clusters["m_star_b" if blue else "m_star_r"]
        cols["mag_bcg"][rows] = clusters["mag_bcg_b" if blue else "mag_bcg_r"]
        cols["n_members"][rows] = clusters["n_members"]
        ra, dec = offsets_to_radec(spec.ra, spec.dec, clusters["bcg_xi"], clusters["bcg_eta"])
        cols["bcg_ra"][rows] = ra
        cols["bcg_dec"][rows] = dec
        is_mem = np.isin(sources["kind"], ("member", "bcg")) & (mag < cfg.limiting_magnitude)
        ids, counts = np.unique(sources["truth_id"][is_mem], return_counts=True)
        for i, c in zip(ids, counts):
            cols["n_members_visible"][row_of_id[int(i)]] = c
    for name, values in cols.items():
        t[name] = values
    for name in ("mag_optical", "mag_star", "mag_bcg"):
        t[name].unit = u.mag
    t["bcg_ra"].unit = t["bcg_dec"].unit = u.deg
    t.meta.update(OPTBAND=cfg.band, OPTMLIM=cfg.limiting_magnitude, OPTSEE=cfg.seeing_fwhm)
    return t


def scene(spec: PointingSpec, truth: Table, cfg: OpticalConfig, rng: np.random.Generator,
          *, cosmology: Cosmology | None = None,
          relations: ScalingRelations | None = None) -> OpticalScene:
    """Draw what one plate shows; render nothing.

    Parameters
    ----------
    spec : PointingSpec
        The pointing (centre, Galactic latitude for the star counts).
    truth : astropy.table.Table
        The sky truth (:func:`selfunc.sky.draw`); needs ``id``, ``kind``, ``ra``, ``dec``,
        ``mag_r``, ``redshift``, ``mass`` and ``optical_radius`` (``luminosity`` where a
        cluster's mass is NaN).
    cfg : OpticalConfig
    rng : numpy.random.Generator
        The optical stream of the pointing, ``rng_for(seed, pointing_id, "optical")``.
    cosmology, relations
        The population's cosmology and scaling relations (distances, R500, masses from
        L_X); defaults are :class:`~selfunc.config.models.Cosmology` and
        :class:`~selfunc.config.models.ScalingRelations`.

    Returns
    -------
    OpticalScene
        The catalogue (``sources``), how each source is drawn (``plan``), the truth with
        :data:`OPTICAL_TRUTH_COLUMNS` added and the noise seed.

    Raises
    ------
    ValueError
        A truth column is missing, or a row lacks what its kind needs (a point source
        without ``mag_r``, a cluster with neither mass nor luminosity …).
    """
    cosmo = scaling.astropy_cosmology(cosmology or Cosmology())
    relations = relations or ScalingRelations()
    noise_seed = int(rng.integers(0, 2**62))
    sources, clusters = draw_catalogue(spec, truth, cfg, rng, cosmo, relations)
    mag = sources["mag_b"] if cfg.band == "blue" else sources["mag_r"]
    sources["mag"] = mag
    grid = PlateGrid(int(round(arcmin_to_arcsec(cfg.field_size) / cfg.pixel_size)), cfg.pixel_size)
    phot = photometry(cfg)
    rp = plan(sources, mag, grid, phot, cfg)
    t = _truth_columns(truth, sources, mag, clusters, spec, cfg)
    return OpticalScene(spec=spec, cfg=cfg, grid=grid, phot=phot, sources=sources, plan=rp,
                        truth=t, noise_seed=noise_seed)


def observe(spec: PointingSpec, truth: Table, cfg: OpticalConfig, rng: np.random.Generator,
            *, cosmology: Cosmology | None = None,
            relations: ScalingRelations | None = None) -> OpticalField:
    """Render the full plate of one pointing.

    Parameters are those of :func:`scene`; the plate is the ``cfg.field_size`` square about
    the pointing, ``npix = field_size / pixel_size`` pixels on a side.

    Returns
    -------
    OpticalField
        ``image`` (int16 scan units), ``intensity`` (float32, sky units), ``wcs`` and the
        ``scene`` (``truth`` with the optical columns, ``sources``).
    """
    sc = scene(spec, truth, cfg, rng, cosmology=cosmology, relations=relations)
    region = (0, 0, sc.grid.npix, sc.grid.npix)
    image, intensity = sc.render(region)
    return OpticalField(scene=sc, wcs=sc.wcs(), image=image, intensity=intensity)


def cutout(source: OpticalField | OpticalScene, ra: float, dec: float,
           size_arcmin: float = 7.0) -> OpticalCutout:
    """A ``size_arcmin`` square of the plate about (``ra``, ``dec``).

    From an :class:`OpticalField` the pixels are sliced from the field image when the square
    lies inside it, and otherwise rendered from the field's scene; from an
    :class:`OpticalScene` only the sources touching the square are rendered. The pixels are
    the same either way. The centre pixel is the one nearest to (ra, dec), so the position
    is within half a pixel of the cutout centre; the WCS is exact.

    Parameters
    ----------
    source : OpticalField or OpticalScene
    ra, dec : float
        Centre, degrees (ICRS).
    size_arcmin : float
        Side of the square, arcmin (7′ as in the paper: 420 pixels of 1″).

    Returns
    -------
    OpticalCutout

    Raises
    ------
    ValueError
        ``size_arcmin`` is not positive, or the square leaves the sky drawn for the pointing
        (the field plus ``cfg.margin`` on each side).
    """
    sc = source.scene if isinstance(source, OpticalField) else source
    if not isinstance(sc, OpticalScene):
        raise TypeError(f"cutout: expected an OpticalField or OpticalScene, got {type(source).__name__}")
    x0, y0, nx, ny = region = sc.region(ra, dec, size_arcmin)
    npix = sc.grid.npix
    if isinstance(source, OpticalField) and x0 >= 0 and y0 >= 0 and x0 + nx <= npix and y0 + ny <= npix:
        image = source.image[y0:y0 + ny, x0:x0 + nx].copy()
        intensity = source.intensity[y0:y0 + ny, x0:x0 + nx].copy()
    else:
        image, intensity = sc.render(region)
    return OpticalCutout(image=image, intensity=intensity, wcs=sc.wcs(x0, y0), ra=float(ra),
                         dec=float(dec), size_arcmin=float(size_arcmin), band=sc.band,
                         region=region, spec=sc.spec, cfg=sc.cfg)
