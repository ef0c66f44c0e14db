"""A campaign pointing's truth (or any selfunc truth table) as a SIMPUT catalogue.

:func:`export_simput` finds the pointing's ``truth.fits`` in a campaign folder
(:func:`selfunc.campaign.simulate.pointing_dir`), its resolved config, and the pointing's own
``simput`` random stream (:mod:`selfunc.streams`) for the photons of its 3-D clusters, then builds,
writes (atomically) and checks the catalogue with :mod:`selfunc.simput`. The command line
(``selfunc export-simput``) only parses its arguments and calls it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from selfunc.campaign.simulate import pointing_dir
from selfunc.config import load_campaign, load_toml, validate
from selfunc.config.campaign import CampaignConfig
from selfunc.errors import SelfuncError
from selfunc.fitsimage import read_fits_table
from selfunc.pointing import rng_for
from selfunc.simput import build, check, write

__all__ = ["export_simput"]


def _config(path) -> CampaignConfig:
    path = Path(path)
    doc = load_toml(path)
    if "config" in doc and "provenance" in doc:  # a campaign folder's resolved config
        return validate(CampaignConfig, doc["config"], [path])
    return load_campaign(path)


def export_simput(source, out, *, pointing: int | None = None, config=None,
                  photons: int = 200_000, seed: int | None = None) -> str:
    """Write the SIMPUT catalogue of ``source`` (a campaign folder with ``pointing``, or a
    truth.fits file with an optional campaign ``config``) to ``out``; returns a one-line
    summary. Photons of 3-D clusters: ``photons`` per cluster image, drawn from ``seed`` or
    from the pointing's ``simput`` stream."""
    source = Path(source)
    if source.is_dir():
        if pointing is None:
            raise SelfuncError(f"{source}: a campaign folder needs --pointing N")
        truth_path = pointing_dir(source, pointing) / "truth.fits"
        cfg = _config(config or source / "campaign.toml")
    elif source.is_file():
        truth_path = source
        cfg = _config(config) if config else CampaignConfig()
    else:
        raise SelfuncError(f"{source}: no such file or folder")
    truth = read_fits_table(truth_path, "truth table")
    needed = {"id", "kind", "spectrum", "ra", "dec", "flux", "core_radius", "beta", "redshift"}
    missing = sorted(needed - set(truth.colnames))
    if missing:
        raise SelfuncError(f"{truth_path}: not a selfunc truth table (missing columns "
                           f"{', '.join(missing)})")
    pop, inst = cfg.population, cfg.instrument
    rng = (np.random.default_rng(seed) if seed is not None else
           rng_for(int(truth.meta.get("SEED", 0)), int(truth.meta.get("POINTING", 0)), "simput"))

    def photons_of(k):
        from selfunc.gas.photons import cluster_photons

        row = truth[k]
        name = row["gas_model"]
        name = (name.decode() if isinstance(name, bytes) else str(name)).strip()
        models = {m.name: m for m in pop.gas.models}
        if name not in models:
            raise SelfuncError(f"{truth_path}: row {int(row['id'])} uses 3-D model '{name}', "
                               "which the config's population.gas.models lacks (give the "
                               "campaign's --config)")
        return cluster_photons(models[name], flux=float(row["flux"]),
                               redshift=float(row["redshift"]),
                               core_radius=float(row["core_radius"]),
                               kt=float(row["temperature"]), beta=float(row["beta"]),
                               truncation=pop.truncation,
                               position_angle=float(row["position_angle"]), gas_cfg=pop.gas,
                               band=inst.band, cosmology_cfg=pop.mass_function.cosmology,
                               max_photon_flux=float(row["flux"]) / photons,
                               rng=rng.spawn(1)[0])

    out = Path(out)
    hdul = build(truth, filename=out.name, band=inst.band, metallicity=pop.gas.metallicity,
                 truncation=pop.truncation, photons_of=photons_of)
    write(hdul, out)
    check(out)
    n_img = sum(1 for h in hdul if h.name == "IMAGE")
    return f"{len(hdul['SRC_CAT'].data)} sources ({n_img} with images) -> {out} (valid SIMPUT)"
