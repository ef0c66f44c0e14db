"""Observe one pointing's sky with EPIC: expected counts, Poisson counts, exposure and
background maps per camera and combined.

Per camera c, with exposure t, vignetting v_c, chip/FOV coverage m_c (0…1 per pixel):

* exposure map   E_c = t · v_c(E_eff, θ) · m_c                                  [s]
* background map B_c = t · A_pix · (particle + soft-proton·v_sp + sky·v_c) · m_c   [counts]
* source model   S_c = (Σ sources ⊗ PSF_c) · m_c                                [counts]
* counts         N_c ~ Poisson(S_c + B_c)

Each source's counts are its flux × its own ECF per camera (:mod:`selfunc.xray.rates`:
from its spectrum and the pointing's Galactic N_H, or the constant tables of
``instrument.ecf.model = "constant"``). Combined images are sums over cameras; the
combined exposure is weighted by the cameras' reference (XXL APEC) cluster ECFs of the
tables, E = Σ_c (ECF_c / Σ ECF) E_c, so that counts / E is the pn+MOS1+MOS2 count rate
(the XXL convention: ≈ 0.011 cts s⁻¹ per 10⁻¹⁴ erg s⁻¹ cm⁻² on axis).

Truth rows with ``route == "pyxsim"`` (3-D clusters, :mod:`selfunc.gas`) are not rendered:
their photon lists are observed by :mod:`selfunc.xray.photons` and their counts and
expected counts join S_c and N_c with the same ECFs, vignetting, PSF and chip coverage.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from astropy.table import Table
from astropy.wcs import WCS

from selfunc.angles import arcmin_to_arcsec, arcsec_to_arcmin
from selfunc.config.models import InstrumentConfig, PopulationConfig
from selfunc.pointing import PointingSpec
from selfunc.sky.tangent import tangent_wcs
from selfunc.xray import background, ccd, rates, vignetting
from selfunc.xray.render import ImageGrid, SourceList, render_camera

__all__ = ["XrayObservation", "observe", "vignetting_tables", "exposure_maps"]


@dataclasses.dataclass(frozen=True, eq=False)
class XrayObservation:
    """Images of one pointing. Dict keys: camera names and ``"combined"``."""

    spec: PointingSpec
    wcs: WCS
    cameras: tuple[str, ...]
    counts: dict[str, np.ndarray]
    exposure: dict[str, np.ndarray]
    background: dict[str, np.ndarray]
    model: dict[str, np.ndarray]
    truth: Table
    pixel: float
    ecf_weights: dict[str, float]
    #: Sub-band images (:mod:`selfunc.xray.bands`) by band name; empty unless
    #: ``instrument.bands`` asks for them.
    bands: dict = dataclasses.field(default_factory=dict)


def vignetting_tables(instrument: InstrumentConfig) -> dict[str, vignetting.VignettingTable]:
    cfg = instrument.vignetting
    if cfg.model == "analytic":
        table = vignetting.analytic()
        return {c: table for c in instrument.cameras}
    return {c: vignetting.from_xareaef(cfg.files[c]) for c in instrument.cameras}


def _roll(camera: str, roll: float) -> float:
    return roll + 90.0 if camera == "mos2" else roll


def exposure_maps(spec: PointingSpec, instrument: InstrumentConfig, grid: ImageGrid,
                  vig: dict) -> tuple[dict, dict]:
    """(coverage, exposure) per camera."""
    xi, eta = grid.offsets
    cover, expo = {}, {}
    for cam in instrument.cameras:
        chips = ccd.layout(cam, spec.date, ccd6_lost=instrument.mos1_ccd6_lost,
                           ccd3_lost=instrument.mos1_ccd3_lost)
        m = ccd.coverage(chips, xi, eta, _roll(cam, spec.roll), grid.pixel,
                         arcmin_to_arcsec(instrument.fov_radius), gaps=instrument.chip_gaps)
        cover[cam] = m
        expo[cam] = spec.exposure * vig[cam](instrument.effective_energy, grid.theta) * m
    return cover, expo


def observe(spec: PointingSpec, truth: Table, instrument: InstrumentConfig,
            population: PopulationConfig, rng: np.random.Generator,
            band_rng: np.random.Generator | None = None) -> XrayObservation:
    """Simulate the EPIC images of one pointing; returns the truth table with ``x``, ``y``,
    ``offaxis``, ``ecf`` (pn+MOS1+MOS2 on-axis ECF of the row, counts s⁻¹ per erg s⁻¹ cm⁻²)
    and ``counts_expected`` (all cameras, before chip gaps) added, and the pointing's
    Galactic column in ``meta["nh"]``. With ``instrument.bands``, also the sub-band images
    (drawn from ``band_rng``, default the pointing's ``bands`` stream) and the truth's
    on-axis band count rates ``rate_<band>`` and ``hr`` (:mod:`selfunc.xray.bands`)."""
    grid = ImageGrid(instrument.npix, instrument.pixel_size)
    vig = vignetting_tables(instrument)
    sp_vig = vignetting.soft_proton()
    cover, expo = exposure_maps(spec, instrument, grid, vig)

    x, y = grid.to_pixel(np.asarray(truth["xi"]), np.asarray(truth["eta"]))
    theta = arcsec_to_arcmin(np.hypot(truth["xi"], truth["eta"]))
    flux = np.asarray(truth["flux"], float)
    extended = np.isfinite(np.asarray(truth["core_radius"], float))
    pix_area = arcsec_to_arcmin(grid.pixel) ** 2
    e_eff = instrument.effective_energy
    # 3-D clusters (route "pyxsim") are observed as photon lists (selfunc.xray.photons);
    # the analytic renderer skips them. Their random stream is spawned, not drawn, so the
    # analytic sources get the same Poisson draws as without them.
    gas_rows = (np.asarray(truth["route"]).astype(str) == "pyxsim") \
        if "route" in truth.colnames else np.zeros(len(truth), bool)
    if gas_rows.any():
        from selfunc.xray.photons import observe_gas_clusters

        gas_counts, gas_model, gas_expected = observe_gas_clusters(
            spec, truth, gas_rows, instrument, population, grid,
            {c: (lambda th, c=c: vig[c](e_eff, th)) for c in instrument.cameras}, cover,
            rng.spawn(1)[0])

    counts, bkg, model = {}, {}, {}
    expected_total = np.zeros(len(truth))
    ecf_total = np.zeros(len(truth))
    for cam in instrument.cameras:
        ecf_src = rates.source_ecf(truth, cam, instrument, spec.nh)
        ecf_total += ecf_src
        v_src = vig[cam](e_eff, theta)
        n_src = flux * ecf_src * spec.exposure * v_src
        # Extended sources carry v per pixel (inside the renderer), not at their centre.
        n_render = np.where(extended, flux * ecf_src * spec.exposure, n_src)
        n_render = np.where(gas_rows, 0.0, n_render)
        vmap = vig[cam](e_eff, grid.theta)
        sources = SourceList(x=x, y=y, theta=np.asarray(theta), counts=n_render,
                             core_radius=np.asarray(truth["core_radius"], float),
                             beta=np.asarray(truth["beta"], float),
                             truncation=population.truncation)
        src = render_camera(sources, grid, cam, e_eff, instrument.psf_core_radius,
                            instrument.psf_theta_step,
                            lambda ya, yb, xa, xb: vmap[ya:yb, xa:xb])
        bg = background.camera_rates(instrument, cam, population.agn, spec.background_scale,
                                     nh=spec.nh)
        b = (bg["particle"] + bg["soft_proton"] * sp_vig(e_eff, grid.theta)
             + bg["sky"] * vmap) * spec.exposure * pix_area * cover[cam]
        mu = src * cover[cam] + b
        counts[cam] = rng.poisson(mu).astype(np.int32)
        if gas_rows.any():
            counts[cam] += gas_counts[cam]
            mu = mu + gas_model[cam]
        bkg[cam] = b
        model[cam] = mu
        # Expected counts of extended sources: flux-weighted vignetting over the profile.
        v_ext = _extended_counts(truth, extended & ~gas_rows, lambda th: vig[cam](e_eff, th),
                                 grid.pixel, population.truncation)
        n_ext = flux * ecf_src * spec.exposure * v_ext
        expected_total += np.where(gas_rows, 0.0, np.where(extended, n_ext, n_src))

    if gas_rows.any():
        expected_total += gas_expected
    band_images, band_rates = {}, {}
    if instrument.bands != "none":
        band_images, band_rates = _bands(spec, truth, instrument, population, grid, vig, cover,
                                         counts, model, bkg, gas_rows, band_rng)
    w_total = sum(instrument.ecf[c].cluster for c in instrument.cameras)
    weights = {c: instrument.ecf[c].cluster / w_total for c in instrument.cameras}
    counts["combined"] = sum(counts[c] for c in instrument.cameras).astype(np.int32)
    bkg["combined"] = sum(bkg[c] for c in instrument.cameras)
    model["combined"] = sum(model[c] for c in instrument.cameras)
    expo["combined"] = sum(weights[c] * expo[c] for c in instrument.cameras)

    truth = truth.copy()
    truth["x"] = x
    truth["y"] = y
    truth["offaxis"] = np.asarray(theta)
    truth["offaxis"].unit = "arcmin"
    truth["ecf"] = ecf_total
    truth["ecf"].unit = "cm2 / erg"
    truth["counts_expected"] = expected_total
    # float32: 7 significant digits are plenty for derived rates, and they keep a catalogue-
    # mode pointing under its 200 kB (issue 16) with the bands on
    for name, r in band_rates.items():
        truth[f"rate_{name}"] = r.astype(np.float32)
        truth[f"rate_{name}"].unit = "1 / s"
    if band_rates:
        truth["hr"] = _hardness(band_rates).astype(np.float32)
    truth.meta["exposure"] = spec.exposure
    truth.meta["nh"] = spec.nh
    return XrayObservation(spec=spec, wcs=tangent_wcs(spec.ra, spec.dec, grid.npix, grid.pixel),
                           cameras=tuple(instrument.cameras), counts=counts, exposure=expo,
                           background=bkg, model=model, truth=truth, pixel=grid.pixel,
                           ecf_weights=weights, bands=band_images)


def _bands(spec, truth, instrument, population, grid, vig, cover, counts, model, bkg, gas_rows,
           band_rng):
    from selfunc.pointing import rng_for
    from selfunc.xray import bands

    if gas_rows.any():
        raise ValueError("instrument.bands: sub-band images of 3-D (pyxsim) clusters are not "
                         "implemented; set bands = 'none' or population.gas off")
    rng = band_rng if band_rng is not None else rng_for(spec.seed, spec.id, "bands")
    return bands.observe_bands(spec, truth, instrument, population, grid, vig, cover, counts,
                               model, bkg, rng)


def _hardness(band_rates):
    """HR = CR[1–2] / CR[0.5–1] (NaN where the soft rate is 0)."""
    soft, hard = band_rates["05_1"], band_rates["1_2"]
    return np.divide(hard, soft, out=np.full_like(soft, np.nan), where=soft > 0)


def _extended_counts(truth, rows, vig_of, pixel, truncation):
    """Flux-weighted mean vignetting over each extended row's β-profile (rings × angles)."""
    from selfunc.profiles import betamodel

    out = np.ones(len(truth))
    rc = np.asarray(truth["core_radius"], float)
    beta = np.asarray(truth["beta"], float)
    xi = np.asarray(truth["xi"], float)
    eta = np.asarray(truth["eta"], float)
    phi = np.linspace(0.0, 2 * np.pi, 16, endpoint=False)
    for k in np.nonzero(rows)[0]:
        r = np.linspace(0.0, truncation * rc[k], 200)
        w = np.diff(betamodel.enclosed(r, rc[k], beta[k]))
        rm = 0.5 * (r[1:] + r[:-1])
        th = arcsec_to_arcmin(np.hypot(xi[k] + rm[:, None] * np.cos(phi),
                                       eta[k] + rm[:, None] * np.sin(phi)))
        out[k] = np.sum(w * vig_of(th).mean(axis=1)) / np.sum(w)
    return out
