"""The optical source catalogue of one pointing: every object a plate may show.

:func:`draw_catalogue` turns the truth table and the optical populations into one table
of sources (plain arrays), in a fixed order that is also the drawing order:

1. field galaxies from the number counts (:func:`~selfunc.optical.counts.galaxy_counts`),
   uniform over the catalogue square (the field plus ``margin`` on each side);
2. field stars from the latitude-dependent counts (:func:`~selfunc.optical.counts.star_counts`);
3. cluster members and BCGs of every ``cluster`` truth row (:mod:`selfunc.optical.members`);
4. the truth table's point sources: ``star`` rows (kind ``xray_star``) and ``agn``,
   ``double``, ``central_agn`` rows (kind ``agn``) at their truth positions and ``mag_r``;
5. the large galaxy of each ``nearby_galaxy`` row;
6. the host galaxy (kind ``agn_host``, same ``truth_id``) of each ``agn`` and ``double`` row
   with a finite redshift, centred on the nucleus (``OpticalConfig.agn_hosts``); hosts
   fainter than ``depth`` are dropped. A truth table without AGN redshifts has no hosts.

Every source has both magnitudes, R_F (``mag_r``) and B_J (``mag_b``), so the red and blue
plates of a pointing show the same sky: the catalogue does not depend on the band, the
plate limit or the seeing. Positions are tangent-plane offsets ξ (east), η (north) in arcsec
about the pointing (:mod:`selfunc.sky.tangent`).
"""

from __future__ import annotations

import numpy as np
from astropy.table import Table

from selfunc.optical import members
from selfunc.optical.config import OpticalConfig
from selfunc.optical.counts import galaxy_counts, star_counts
from selfunc.pointing import PointingSpec
from selfunc import scaling
from selfunc.sky.tangent import radec_to_offsets
from selfunc.angles import arcmin_to_arcsec, arcsec_to_deg

__all__ = ["draw_catalogue", "cluster_masses", "SOURCE_KINDS", "REQUIRED_TRUTH_COLUMNS",
           "catalogue_half_size"]

SOURCE_KINDS = ("galaxy", "star", "member", "bcg", "xray_star", "agn", "nearby_galaxy",
                "agn_host")
REQUIRED_TRUTH_COLUMNS = ("id", "kind", "ra", "dec", "mag_r", "redshift", "mass",
                          "optical_radius")
_POINT_TRUTH = {"star": "xray_star", "agn": "agn", "double": "agn", "central_agn": "agn"}
_FLOAT_COLUMNS = ("xi", "eta", "mag_r", "mag_b", "bulge_fraction", "bulge_re", "disc_re",
                  "bulge_q", "disc_q", "pa", "redshift")


def catalogue_half_size(cfg: OpticalConfig) -> float:
    """Half side (arcsec) of the square over which field objects are drawn."""
    return arcmin_to_arcsec(cfg.field_size / 2.0 + cfg.margin)


def _block(n, kind, **cols):
    out = {"kind": np.full(n, kind, dtype="U13"),
           "truth_id": np.asarray(cols.pop("truth_id", np.full(n, -1)), dtype=np.int64),
           "knots": np.asarray(cols.pop("knots", np.zeros(n)), dtype=np.int64),
           "knot_seed": np.asarray(cols.pop("knot_seed", np.zeros(n)), dtype=np.int64)}
    for key in _FLOAT_COLUMNS:
        out[key] = np.asarray(np.broadcast_to(cols.pop(key, np.nan), n), dtype=float)
    if cols:
        raise TypeError(f"unknown source columns {sorted(cols)}")
    return out


def _field_galaxies(rng, cfg: OpticalConfig, half: float):
    g = cfg.galaxies
    counts = galaxy_counts(g, cfg.depth)
    area = arcsec_to_deg(2 * half) ** 2
    n = int(rng.poisson(counts.number(g.bright_limit, cfg.depth) * area))
    mag = counts.sample(n, rng)
    xi = rng.uniform(-half, half, n)
    eta = rng.uniform(-half, half, n)
    early = rng.uniform(size=n) < g.early_fraction
    re = g.size_at_18 * 10.0 ** (g.size_slope * (mag - 18.0) + rng.normal(0.0, g.size_scatter, n))
    bt = np.where(early, rng.uniform(0.6, 1.0, n), rng.uniform(0.0, 0.3, n))
    bq = rng.uniform(0.5, 1.0, n)
    dq = members.random_axis_ratio(rng, n)
    pa = rng.uniform(0.0, 180.0, n)
    colour = np.where(early, rng.normal(*g.colour_early, n), rng.normal(*g.colour_late, n))
    return _block(n, "galaxy", xi=xi, eta=eta, mag_r=mag, mag_b=mag + colour, bulge_fraction=bt,
                  bulge_re=np.where(early, re, 0.4 * re), disc_re=np.where(early, 1.5 * re, re),
                  bulge_q=bq, disc_q=dq, pa=pa)


def _field_stars(rng, cfg: OpticalConfig, glat: float, half: float):
    s = cfg.stars
    counts = star_counts(s, glat, cfg.depth)
    area = arcsec_to_deg(2 * half) ** 2
    n = int(rng.poisson(counts.number(s.bright_limit, cfg.depth) * area))
    mag = counts.sample(n, rng)
    xi = rng.uniform(-half, half, n)
    eta = rng.uniform(-half, half, n)
    colour = rng.uniform(s.colour.min, s.colour.max, n)
    return _block(n, "star", xi=xi, eta=eta, mag_r=mag, mag_b=mag + colour)


def _check_truth(truth: Table):
    missing = [c for c in REQUIRED_TRUTH_COLUMNS if c not in truth.colnames]
    if missing:
        raise ValueError(f"truth: missing column(s) {', '.join(missing)} "
                         f"(the optical stage needs {', '.join(REQUIRED_TRUTH_COLUMNS)})")


def cluster_masses(truth: Table, cosmo, relations) -> np.ndarray:
    """M500 (M☉) of the ``cluster`` rows: the ``mass`` column, or — where it is NaN — the
    mass of the mean L–M relation at the row's ``luminosity`` (as the sky stage does in grid
    mode)."""
    cl = np.asarray(truth["kind"]).astype(str) == "cluster"   # merged truth.h5 holds bytes
    mass = np.asarray(truth["mass"], float)[cl]
    z = np.asarray(truth["redshift"], float)[cl]
    bad = ~np.isfinite(mass)
    if bad.any():
        if "luminosity" not in truth.colnames:
            raise ValueError("truth: cluster rows with NaN mass and no luminosity column")
        lum = np.asarray(truth["luminosity"], float)[cl][bad]
        if not np.all(np.isfinite(lum)):
            raise ValueError("truth: cluster rows with neither mass nor luminosity")
        mass[bad] = scaling.mass_from_luminosity(lum, z[bad], cosmo, relations)
    if not np.all(np.isfinite(z)):
        raise ValueError("truth: cluster rows need a finite redshift")
    return mass


def draw_catalogue(spec: PointingSpec, truth: Table, cfg: OpticalConfig,
                   rng: np.random.Generator, cosmo, relations):
    """All sources of one pointing (see module docstring).

    Returns ``(sources, clusters)``: ``sources`` a dict of equal-length arrays (``kind``,
    ``truth_id``, ``xi``, ``eta``, ``mag_r``, ``mag_b``, ``bulge_fraction``, ``bulge_re``,
    ``disc_re``, ``bulge_q``, ``disc_q``, ``pa``, ``redshift``, ``knots``, ``knot_seed``);
    ``clusters`` the per-cluster summary of :func:`selfunc.optical.members.draw_clusters`
    plus ``row`` (the truth row index of each cluster).
    """
    _check_truth(truth)
    half = catalogue_half_size(cfg)
    kind = np.asarray(truth["kind"]).astype(str)
    ids = np.asarray(truth["id"], dtype=np.int64)
    xi_t, eta_t = radec_to_offsets(spec.ra, spec.dec, np.asarray(truth["ra"], float),
                                   np.asarray(truth["dec"], float))
    mag_t = np.asarray(truth["mag_r"], float)
    z_t = np.asarray(truth["redshift"], float)

    blocks = [_field_galaxies(rng, cfg, half), _field_stars(rng, cfg, spec.glat, half)]

    # clusters
    rows = np.nonzero(kind == "cluster")[0]
    mass = cluster_masses(truth, cosmo, relations)
    mem, summary = members.draw_clusters(rng, mass, z_t[rows], xi_t[rows], eta_t[rows],
                                         cfg.clusters, cosmo, cfg.depth)
    n_mem = len(mem["xi"])
    blocks.append(_block(n_mem, "member", truth_id=ids[rows][mem["cluster"]],
                         xi=mem["xi"], eta=mem["eta"], mag_r=mem["mag_r"], mag_b=mem["mag_b"],
                         bulge_fraction=mem["bulge_fraction"], bulge_re=mem["bulge_re"],
                         disc_re=mem["disc_re"], bulge_q=mem["bulge_q"], disc_q=mem["disc_q"],
                         pa=mem["pa"], redshift=z_t[rows][mem["cluster"]]))
    blocks[-1]["kind"][mem["is_bcg"]] = "bcg"
    summary["row"] = rows

    # point sources of the truth table
    pts = np.nonzero(np.isin(kind, list(_POINT_TRUTH)))[0]
    if np.any(~np.isfinite(mag_t[pts])):
        raise ValueError("truth: star/agn/double/central_agn rows need a finite mag_r")
    is_star = kind[pts] == "star"
    c = cfg.colours
    colour = np.where(is_star, rng.uniform(c.xray_star.min, c.xray_star.max, len(pts)),
                      rng.normal(*c.agn, len(pts)))
    block = _block(len(pts), "agn", truth_id=ids[pts], xi=xi_t[pts], eta=eta_t[pts],
                   mag_r=mag_t[pts], mag_b=mag_t[pts] + colour, redshift=z_t[pts])
    block["kind"][is_star] = "xray_star"
    blocks.append(block)

    # nearby galaxies
    ng = np.nonzero(kind == "nearby_galaxy")[0]
    radius = np.asarray(truth["optical_radius"], float)[ng]
    if np.any(~np.isfinite(mag_t[ng])) or np.any(~(radius > 0)):
        raise ValueError("truth: nearby_galaxy rows need a finite mag_r and optical_radius > 0")
    o = cfg.nearby_galaxies
    n = len(ng)
    blocks.append(_block(
        n, "nearby_galaxy", truth_id=ids[ng], xi=xi_t[ng], eta=eta_t[ng], mag_r=mag_t[ng],
        mag_b=mag_t[ng] + rng.normal(*o.colour, n),
        bulge_fraction=rng.uniform(o.bulge_fraction.min, o.bulge_fraction.max, n),
        bulge_re=o.bulge_re_per_radius * radius, disc_re=o.disc_re_per_radius * radius,
        bulge_q=rng.uniform(0.6, 1.0, n), disc_q=members.random_axis_ratio(rng, n),
        pa=rng.uniform(0.0, 180.0, n), redshift=z_t[ng], knots=np.full(n, o.knots),
        knot_seed=rng.integers(1, 2**31 - 1, n)))

    blocks.append(_agn_hosts(rng, cfg, kind, ids, xi_t, eta_t, z_t, cosmo))
    sources = {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]}
    return sources, summary


def _agn_hosts(rng, cfg: OpticalConfig, kind, ids, xi, eta, z, cosmo):
    """Host galaxies of the field and pair AGN with a redshift (see module docstring)."""
    rows = np.flatnonzero(np.isin(kind, ("agn", "double")) & np.isfinite(z))
    h, cl = cfg.agn_hosts, cfg.clusters
    n = rows.size
    zz = np.maximum(z[rows], 1e-4)
    absolute = rng.normal(*h.abs_mag_r, n)
    mag = (absolute + cosmo.distmod(zz).value + members._poly(zz, cl.kcorr_r)
           - cl.evolution_r * zz)
    kpc_per_arcsec = cosmo.angular_diameter_distance(zz).to_value("kpc") * np.radians(arcsec_to_deg(1.0))
    re = h.re_kpc * 10 ** rng.normal(0.0, h.re_scatter, n) / kpc_per_arcsec
    bt = rng.uniform(h.bulge_fraction.min, h.bulge_fraction.max, n)
    colour = rng.normal(*h.colour, n)
    bq = rng.uniform(0.5, 1.0, n)
    dq = members.random_axis_ratio(rng, n)
    pa = rng.uniform(0.0, 180.0, n)
    keep = mag < cfg.depth  # all drawn first: the stream does not depend on the depth
    return _block(int(keep.sum()), "agn_host", truth_id=ids[rows][keep], xi=xi[rows][keep],
                  eta=eta[rows][keep], mag_r=mag[keep], mag_b=(mag + colour)[keep],
                  bulge_fraction=bt[keep], bulge_re=(0.5 * re)[keep], disc_re=re[keep],
                  bulge_q=bq[keep], disc_q=dq[keep], pa=pa[keep], redshift=z[rows][keep])
