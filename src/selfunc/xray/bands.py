"""Sub-band images of one pointing: 0.5–1, 1–2 and 2–10 keV beside the 0.5–2 keV detection band.

XXL and X-CLASS measure clusters in count rate (0.5–2 keV), hardness ratio
HR = CR[1–2] / CR[0.5–1] and redshift (Clerc et al. 2012, the CR–HR method; Garrel et al.
2022, XXL XLVI), and XXL catalogues the 2–10 keV band too (``docs/physics.md`` §"Sub-band
images"). Per camera c and band b, with the band's effective energy E_b:

* source model S_c,b: every source rendered as in :mod:`selfunc.xray.observe` with its counts
  F · ECF_c,b · t (ECF per unit 0.5–2 keV flux, from its spectrum: :mod:`selfunc.xray.rates`),
  the King PSF at E_b and the vignetting v_c(E_b, θ);
* background B_c,b: the 0.5–2 keV components split by their spectra (:func:`background_rates`);
* 0.5–1 and 1–2 keV: the 0.5–2 keV counts N_c of each pixel are split binomially,
  N_c,0.5–1 ~ Binomial(N_c, p), p = μ_c,0.5–1 / μ_c with μ_c,0.5–1 = S_c,0.5–1·m_c + B_c,0.5–1
  and μ_c the 0.5–2 keV model, and N_c,1–2 = N_c − N_c,0.5–1: the detection image is
  untouched (bit for bit), the two bands add up to it exactly, and their means are
  μ_c,0.5–1 (its own PSF and background) and μ_c − μ_c,0.5–1 (whose PSF is the 0.5–2 keV
  one less the 0.5–1 keV one: close to the King PSF at ~1.5 keV, see docs/physics.md §9);
* 2–10 keV: an independent Poisson draw of μ_c,2–10.

The random numbers come from the pointing's ``bands`` stream (:mod:`selfunc.streams`), never
from the ``xray`` stream, so turning bands on changes nothing that was there before.
Combined images are sums over cameras; the combined exposure of band b is weighted by the
cameras' band ECFs of the reference cluster spectrum (``instrument.ecf``'s
``cluster_temperature``, ``metallicity``, ``cluster_redshift``) at the pointing's N_H, so that
counts / exposure is the pn+MOS1+MOS2 on-axis count rate in band b, as in 0.5–2 keV.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from selfunc.angles import arcsec_to_arcmin
from selfunc.config.models import InstrumentConfig, PopulationConfig
from selfunc.errors import SelfuncError
from selfunc.xray import background, rates, vignetting
from selfunc.xray.render import ImageGrid, SourceList, render_camera

__all__ = ["BAND_SETS", "BandImages", "Band", "bands_of", "channel_band", "background_rates",
           "band_weights", "observe_bands", "HARD_LEVEL", "SOFT_LEVEL", "CXB_GAMMA",
           "FLAT_SHARE_05_1"]


@dataclasses.dataclass(frozen=True)
class Band:
    name: str  # column suffix: rate_<name>
    edges: tuple[float, float]  # keV
    energy: float  # keV, count-weighted mean energy (PSF, vignetting)


#: The band sets ``instrument.bands`` names. Effective energies: count-weighted mean energy
#: of a Γ = 1.7 power law through the on-axis areas, 0.75 / 1.42 / 3.6–4.0 keV (pn, MOS) [D].
BAND_SETS = {"xxl": (Band("05_1", (0.5, 1.0), 0.75), Band("1_2", (1.0, 2.0), 1.42),
                     Band("2_10", (2.0, 10.0), 3.8))}

#: pn+2MOS on-axis background, cts s⁻¹ arcmin⁻², 0.5–2 and 2–10 keV (Valtchanov, Pierre &
#: Gastaud 2001, Table 1 [V]); the 2–10 keV level is HARD_LEVEL / SOFT_LEVEL × the configured one.
SOFT_LEVEL = 0.0041
HARD_LEVEL = 0.0055
#: Photon index of the CXB (De Luca & Molendi 2004 [V]): the sky component's band shares.
CXB_GAMMA = 1.41
#: Share of the 0.5–2 keV particle and soft-proton counts in 0.5–1 keV: flat in energy [A].
FLAT_SHARE_05_1 = 1.0 / 3.0


@dataclasses.dataclass(frozen=True, eq=False)
class BandImages:
    """One band of a pointing. ``exposure`` has each camera's map (for the PSF shares) and
    ``"combined"``; counts, background and model are the combined (pn+MOS1+MOS2) images."""

    band: Band
    counts: np.ndarray  # int32
    background: np.ndarray  # expected background counts
    model: np.ndarray  # expected counts (sources + background)
    exposure: dict[str, np.ndarray]  # s
    weights: dict[str, float]  # cameras' shares of the combined exposure


def bands_of(instrument: InstrumentConfig) -> tuple[Band, ...]:
    if instrument.bands == "none":
        return ()
    return BAND_SETS[instrument.bands]


def channel_band(camera: str, edges) -> tuple[float, float]:
    """The channel band that stands for ``edges`` in ``camera``: pn's shipped redistribution
    ends its last channel band at 12 keV, so pn 2–10 keV is counted as 2–12 keV [A]: the
    10–12 keV counts are ≤ 0.35 % of 2–10 keV for Γ = 1.4–1.9 and kT = 2–8 keV (MOS, [D])."""
    lo, hi = float(edges[0]), float(edges[1])
    if camera == "pn" and (lo, hi) == (2.0, 10.0):
        return (2.0, 12.0)
    return (lo, hi)


def _cxb_share(camera: str, edges, nh: float) -> float:
    """Counts of the CXB power law in ``edges`` per count in 0.5–2 keV."""
    from selfunc.spectra import agn_ecf

    num = agn_ecf(camera, CXB_GAMMA, nh, band=channel_band(camera, edges), flux_band=(0.5, 2.0))
    return float(num / agn_ecf(camera, CXB_GAMMA, nh, band=(0.5, 2.0)))


def background_rates(instrument: InstrumentConfig, camera: str, population: PopulationConfig,
                     band: Band, background_scale: float = 1.0, *, nh: float = 3e20) -> dict:
    """On-axis rates per arcmin² (particle, soft_proton, sky) of ``camera`` in ``band``.

    * 0.5–1 / 1–2 keV: the sky (CXB and what the level holds of the foreground) splits as the
      CXB power law; particles and soft protons as a flat spectrum (1/3 : 2/3) [A]. The two
      sub-bands add up to :func:`selfunc.xray.background.camera_rates` exactly.
    * 2–10 keV: sky = the 0.5–2 keV sky × the CXB's count ratio; particles + soft protons =
      the 2–10 keV level (HARD_LEVEL, scaled with the configured level) less that sky at the
      reference S_min, split as in 0.5–2 keV; the background scale multiplies the particles.
    """
    soft = background.camera_rates(instrument, camera, population.agn, background_scale, nh=nh)
    lo, hi = band.edges
    if hi <= 2.0:
        flat = FLAT_SHARE_05_1 if (lo, hi) == (0.5, 1.0) else 1.0 - FLAT_SHARE_05_1
        if (lo, hi) not in ((0.5, 1.0), (1.0, 2.0)):
            raise SelfuncError(f"band {band.edges} keV: sub-bands of 0.5-2 keV are 0.5-1 and 1-2")
        return {"particle": soft["particle"] * flat, "soft_proton": soft["soft_proton"] * flat,
                "sky": soft["sky"] * _cxb_share(camera, (lo, hi), nh)}
    bg = instrument.background
    ratio = _cxb_share(camera, (lo, hi), nh)
    base = bg.level * bg.camera_share[camera]
    sky_ref = base * (1.0 - bg.particle_fraction - bg.soft_proton_fraction) * ratio
    rest = base * HARD_LEVEL / SOFT_LEVEL - sky_ref
    if rest < 0:
        raise SelfuncError(f"background: the 2-10 keV sky ({sky_ref:g}) exceeds the 2-10 keV "
                           f"level of {camera} ({base * HARD_LEVEL / SOFT_LEVEL:g} cts/s/arcmin2)")
    nonsky = bg.particle_fraction + bg.soft_proton_fraction
    fp = bg.particle_fraction / nonsky if nonsky > 0 else 1.0
    return {"particle": rest * fp * background_scale, "soft_proton": rest * (1.0 - fp),
            "sky": soft["sky"] * ratio}


def band_weights(instrument: InstrumentConfig, band: Band, nh: float) -> dict[str, float]:
    """Cameras' shares of the combined exposure: their ECFs of the reference cluster."""
    from selfunc.spectra import cluster_ecf

    cfg = instrument.ecf
    e = {c: float(cluster_ecf(c, cfg.cluster_temperature, cfg.metallicity, cfg.cluster_redshift,
                              nh, band=channel_band(c, band.edges), flux_band=(0.5, 2.0),
                              flux=cfg.flux))
         for c in instrument.cameras}
    total = sum(e.values())
    return {c: v / total for c, v in e.items()}


def observe_bands(spec, truth, instrument: InstrumentConfig, population: PopulationConfig,
                  grid: ImageGrid, vig: dict, cover: dict, counts: dict, model: dict,
                  background_maps: dict, rng: np.random.Generator
                  ) -> tuple[dict[str, BandImages], dict[str, np.ndarray]]:
    """The band images of a pointing whose 0.5–2 keV ``counts``, ``model`` and
    ``background_maps`` (per camera) are drawn; returns ({band name: images}, {band name:
    each row's pn+MOS1+MOS2 on-axis count rate in the band per its truth flux, counts s⁻¹})."""
    bands = bands_of(instrument)
    names = [band.name for band in bands]
    if names[:2] != ["05_1", "1_2"]:
        raise SelfuncError(f"band set {instrument.bands}: expected 0.5-1 and 1-2 keV first")
    x, y = grid.to_pixel(np.asarray(truth["xi"]), np.asarray(truth["eta"]))
    theta = arcsec_to_arcmin(np.hypot(truth["xi"], truth["eta"]))
    flux = np.asarray(truth["flux"], float)
    extended = np.isfinite(np.asarray(truth["core_radius"], float))
    pix_area = arcsec_to_arcmin(grid.pixel) ** 2
    sp_vig = vignetting.soft_proton()
    cams = instrument.cameras
    rate = {name: np.zeros(len(truth)) for name in names}
    shape = (grid.npix, grid.npix)
    acc = {(name, kind): np.zeros(shape) for name in names for kind in ("model", "background")}
    cnt = {name: np.zeros(shape, np.int64) for name in names}
    expo = {}

    def band_model(band, cam):
        """(sources ⊗ band PSF × coverage + background, background) of one camera."""
        ecf = rates.source_ecf(truth, cam, instrument, spec.nh, band=channel_band(cam, band.edges))
        rate[band.name] += flux * ecf
        vmap = vig[cam](band.energy, grid.theta)
        expo[band.name, cam] = spec.exposure * vmap * cover[cam]
        n = flux * ecf * spec.exposure
        n = np.where(extended, n, n * vig[cam](band.energy, theta))
        sources = SourceList(x=x, y=y, theta=np.asarray(theta), counts=n,
                             core_radius=np.asarray(truth["core_radius"], float),
                             beta=np.asarray(truth["beta"], float),
                             truncation=population.truncation)
        src = render_camera(sources, grid, cam, band.energy, instrument.psf_core_radius,
                            instrument.psf_theta_step, lambda ya, yb, xa, xb: vmap[ya:yb, xa:xb])
        bg = background_rates(instrument, cam, population, band, spec.background_scale, nh=spec.nh)
        b = (bg["particle"] + bg["soft_proton"] * sp_vig(band.energy, grid.theta)
             + bg["sky"] * vmap) * spec.exposure * pix_area * cover[cam]
        return src * cover[cam] + b, b

    for cam in cams:  # one camera at a time: a few images in memory, not bands × cameras
        # 0.5-1 keV from its own render; 1-2 keV is the rest of the 0.5-2 keV model, so that
        # p = mu_0.5-1 / mu_0.5-2 and the band means are exactly mu_0.5-1 and mu - mu_0.5-1
        m1, b1 = band_model(bands[0], cam)
        mu = model[cam]
        p = np.clip(np.divide(m1, mu, out=np.zeros_like(mu), where=mu > 0), 0.0, 1.0)
        n1 = rng.binomial(counts[cam], p)
        b0 = background_maps[cam]
        for name, n_b, m_b, bk in (("05_1", n1, mu * p, b1),
                                   ("1_2", counts[cam] - n1, mu * (1.0 - p), b0 - b1)):
            cnt[name] += n_b
            acc[name, "model"] += m_b
            acc[name, "background"] += bk
        rate["1_2"] += flux * rates.source_ecf(truth, cam, instrument, spec.nh,
                                               band=channel_band(cam, bands[1].edges))
        vmap = vig[cam](bands[1].energy, grid.theta)
        expo["1_2", cam] = spec.exposure * vmap * cover[cam]
        for band in bands[2:]:
            m, bk = band_model(band, cam)
            cnt[band.name] += rng.poisson(m)
            acc[band.name, "model"] += m
            acc[band.name, "background"] += bk
    out = {}
    for band in bands:
        w = band_weights(instrument, band, spec.nh)
        e = {c: expo[band.name, c] for c in cams}
        e["combined"] = sum(w[c] * e[c] for c in cams)
        out[band.name] = BandImages(band=band, counts=cnt[band.name].astype(np.int32),
                                    background=acc[band.name, "background"],
                                    model=acc[band.name, "model"], exposure=e, weights=w)
    return out, rate

