"""``selfunc export-simput SOURCE [--pointing N] [--config FILE] --out CAT.simput.fits``."""

from __future__ import annotations

from selfunc.cli._types import nonnegative_int, positive_int, seed

HELP = "write a pointing's truth as a SIMPUT catalogue (for SIXTE / SOXS cross-checks)"


def register(sub) -> None:
    p = sub.add_parser("export-simput", help=HELP, description=HELP)
    p.add_argument("source", help="a campaign folder (with campaign.toml; give --pointing) or "
                                  "a truth.fits file")
    p.add_argument("--pointing", type=nonnegative_int, help="pointing id inside a campaign folder")
    p.add_argument("--config", help="campaign TOML for a bare truth.fits (a campaign file, or "
                                    "a campaign folder's campaign.toml); default: the defaults")
    p.add_argument("--out", required=True, help="output SIMPUT file (FITS)")
    p.add_argument("--photons", type=positive_int, default=200_000,
                   help="photons per 3-D cluster for its image (default 200000)")
    p.add_argument("--seed", type=seed, default=None,
                   help="seed of the 3-D clusters' photons (default: from the pointing's "
                        "campaign seed and id)")
    p.set_defaults(func=run)


def _config(path):
    from pathlib import Path

    from selfunc.config import load_campaign, load_toml, validate
    from selfunc.config.campaign import CampaignConfig

    path = Path(path)
    doc = load_toml(path)
    if "config" in doc and "provenance" in doc:  # a campaign folder's resolved config
        return validate(CampaignConfig, doc["config"], [path])
    return load_campaign(path)


def run(args) -> int:
    from pathlib import Path

    import numpy as np
    from astropy.table import Table

    from selfunc.campaign.simulate import pointing_dir
    from selfunc.cli._paths import output_file
    from selfunc.config.campaign import CampaignConfig
    from selfunc.errors import SelfuncError
    from selfunc.pointing import rng_for
    from selfunc.simput import build, check, write

    output_file(args.out)
    source = Path(args.source)
    if source.is_dir():
        if args.pointing is None:
            raise SelfuncError(f"{source}: a campaign folder needs --pointing N")
        truth_path = pointing_dir(source, args.pointing) / "truth.fits"
        cfg = _config(args.config or source / "campaign.toml")
    elif source.is_file():
        truth_path = source
        cfg = _config(args.config) if args.config else CampaignConfig()
    else:
        raise SelfuncError(f"{source}: no such file or folder")
    if not truth_path.is_file():
        raise SelfuncError(f"{truth_path}: truth table not found")
    try:
        truth = Table.read(truth_path, format="fits")
    except (OSError, ValueError) as exc:
        raise SelfuncError(f"{truth_path}: cannot read the truth table ({exc})") from None
    for col in truth.colnames:  # FITS NaNs come back masked: the physics wants NaN
        if getattr(truth[col], "mask", None) is not None and truth[col].dtype.kind == "f":
            truth[col] = truth[col].filled(np.nan)
    needed = {"id", "kind", "spectrum", "ra", "dec", "flux", "core_radius", "beta", "redshift"}
    missing = sorted(needed - set(truth.colnames))
    if missing:
        raise SelfuncError(f"{truth_path}: not a selfunc truth table (missing columns "
                           f"{', '.join(missing)})")
    pop, inst = cfg.population, cfg.instrument
    rng = (np.random.default_rng(args.seed) if args.seed is not None else
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
                               max_photon_flux=float(row["flux"]) / args.photons,
                               rng=rng.spawn(1)[0])

    out = Path(args.out)
    hdul = build(truth, filename=out.name, band=inst.band, metallicity=pop.gas.metallicity,
                 truncation=pop.truncation, photons_of=photons_of)
    write(hdul, out)
    check(out)
    n_img = sum(1 for h in hdul if h.name == "IMAGE")
    print(f"{len(hdul['SRC_CAT'].data)} sources ({n_img} with images) -> {out} (valid SIMPUT)")
    return 0
