"""What is in the sky of one pointing: the truth table.

``draw(spec, population, radius, rng)`` returns an :class:`astropy.table.Table`, one row
per emitting component (columns in ``docs/catalogues.md``). ``radius`` (arcmin) is the
disc over which the field populations (AGN, stars) are drawn; clusters, close pairs and
nearby galaxies are placed inside ``population.placement_radius`` (the survey's analysis
radius), at least ``min_separation`` from each other.

Kinds: ``cluster`` (β-model), ``agn``, ``star``, ``nearby_galaxy`` (small soft β-model plus a
bright, large optical galaxy), ``double`` (each AGN of a close pair; the pair shares a
``group``), ``central_agn`` (the AGN at the centre of an AC cluster, same ``group`` as it).
What the optical stage needs of the contaminants (docs/physics.md §8): ``mag_r`` of stars and
AGN nuclei from their log(f_X/f_R); a ``redshift`` for field and pair AGN (their host
galaxy); ``mag_r`` and ``optical_radius`` of nearby galaxies from their X-ray luminosity
(L_X/L_B). These are drawn after the X-ray sky (before the 3-D routes), so the rest of the
sky does not depend on them.
``spectrum`` says which energy conversion factor applies (``cluster``, ``agn``, ``star``).
With ``population.gas.fraction > 0`` the columns ``route``, ``gas_model`` and
``position_angle`` say which clusters are 3-D models observed through pyxsim
(:mod:`selfunc.gas`); without, the table is exactly as before.
"""

from __future__ import annotations

import numpy as np
import astropy.units as u
from astropy.table import Table

from selfunc.angles import arcmin2_to_deg2, arcmin_to_arcsec
from selfunc.config.models import PopulationConfig, Range
from selfunc.pointing import PointingSpec
from selfunc import scaling
from selfunc import halos
from selfunc.sky import lognlogs
from selfunc.sky.tangent import offsets_to_radec
from selfunc.spectra.thermal import KT_RANGE

__all__ = ["draw", "clusters", "TRUTH_UNITS", "nearby_galaxy_optics"]

TRUTH_UNITS = {"ra": u.deg, "dec": u.deg, "xi": u.arcsec, "eta": u.arcsec,
               "flux": u.erg / u.s / u.cm**2, "core_radius": u.arcsec, "mass": u.Msun,
               "temperature": u.keV, "luminosity": u.erg / u.s, "mag_r": u.mag,
               "optical_radius": u.arcsec}

_COLUMNS = ("kind", "group", "spectrum", "xi", "eta", "flux", "core_radius", "beta",
            "redshift", "mass", "temperature", "luminosity", "mag_r", "optical_radius")


def _draw_range(r: Range, rng, n):
    if r.distribution == "loguniform":
        return np.exp(rng.uniform(np.log(r.min), np.log(r.max), n))
    return rng.uniform(r.min, r.max, n)


def _power_law(rng, n, s_min, s_max, slope):
    """Fluxes with N(>S) ∝ S^−slope between s_min and s_max (inverse CDF)."""
    lo, hi = s_min ** -slope, s_max ** -slope
    return (lo - rng.uniform(0.0, 1.0, n) * (lo - hi)) ** (-1.0 / slope)


def _disc(rng, n, radius_arcsec):
    r = radius_arcsec * np.sqrt(rng.uniform(0.0, 1.0, n))
    phi = rng.uniform(0.0, 2 * np.pi, n)
    return r * np.cos(phi), r * np.sin(phi)


def _place(rng, n, radius, min_sep, taken: list):
    """Uniform positions in a disc, at least ``min_sep`` from every taken position."""
    out = []
    for _ in range(n):
        for _attempt in range(1000):
            x, y = _disc(rng, 1, radius)
            p = (float(x[0]), float(y[0]))
            if all(np.hypot(p[0] - q[0], p[1] - q[1]) >= min_sep for q in taken):
                break
        else:
            raise RuntimeError(
                f"cannot place {n} objects {min_sep}\" apart inside {radius}\"; "
                "lower population.min_separation or the number of objects")
        taken.append(p)
        out.append(p)
    return np.array(out).reshape(-1, 2)


def _optical_mag(flux, log_fx_fo):
    """R magnitude from log(f_X/f_R) = log f_X + m_R/2.5 + 5.5 (Hornschemeier+01 form)."""
    return 2.5 * (log_fx_fo - np.log10(flux) - 5.5)


def clusters(pop: PopulationConfig, rng: np.random.Generator, area_deg2: float) -> dict:
    """The clusters of ``area_deg2`` of sky as a dict of arrays (grid or mass-function
    mode): ``flux`` (erg/s/cm², whole model), ``core_radius`` (arcsec), ``redshift``,
    ``mass`` (M500c, M☉), ``temperature`` (keV), ``luminosity`` (erg/s, rest 0.5–2 keV in
    R500). In grid mode ``area_deg2`` is ignored (``grid.n_per_pointing`` clusters)."""
    mf = pop.mass_function
    cosmo = scaling.astropy_cosmology(mf.cosmology)
    rel = mf.scaling
    if pop.mode == "grid":
        g = pop.grid
        n = g.n_per_pointing
        flux = _draw_range(g.flux, rng, n)
        rc = _draw_range(g.core_radius, rng, n)
        z = _draw_range(g.redshift, rng, n)
        # Bookkeeping for later stages: L, M, T consistent with the mean relations (no
        # scatter, nominal x_c), by a fixed-point iteration because K(z, T) depends on T.
        share = scaling.r500_fraction(rel.x_c, pop.beta, pop.truncation)
        t = np.full(n, 3.0)
        for _ in range(20):
            lum = scaling.luminosity_from_flux(flux, z, t, cosmo, r500_share=share)
            mass = scaling.mass_from_luminosity(lum, z, cosmo, rel)
            t = scaling.temperature_from_mass(mass, z, cosmo, rel,
                                              mf_slope=halos.log_slope(mf, mass, z))
    else:
        mass, z = halos.sample_halos(mf, area_deg2, rng)
        p = scaling.draw_properties(mass, z, cosmo, rel, rng, beta=pop.beta,
                                    truncation=pop.truncation,
                                    mf_slope=halos.log_slope(mf, mass, z))
        flux, rc, t, lum = p["flux"], p["core_radius"], p["temperature"], p["luminosity"]
    # T sets the spectral ECF and K-correction, tabulated for 0.2–32 keV: grid-mode bookkeeping
    # of faint nearby objects (and a mass-function draw > 6σ below the mean) would fall
    # outside, so T is kept inside the table.
    t = np.clip(t, *KT_RANGE)
    return dict(flux=flux, core_radius=rc, redshift=z, mass=mass, temperature=t,
                luminosity=lum)


def _assign_routes(table: Table, gas, rng: np.random.Generator) -> None:
    """Columns ``route`` (analytic / pyxsim), ``gas_model`` and ``position_angle`` (deg east
    of north of the 3-D model's long or merger axis): each cluster takes the 3-D route with
    probability ``gas.fraction``, its model drawn by weight. Drawn after everything else, so
    the rest of the sky is the same as without 3-D clusters. A user dataset brings its own
    redshift and nominal core radius (also given to its central AGN, if any)."""
    n = len(table)
    clusters = np.nonzero(np.asarray(table["kind"]) == "cluster")[0]
    is_3d = rng.uniform(size=clusters.size) < gas.fraction
    weights = np.array([m.weight for m in gas.models])
    pick = rng.choice(len(gas.models), size=clusters.size, p=weights / weights.sum())
    angle = rng.uniform(0.0, 360.0, size=clusters.size)
    route = np.full(n, "analytic", dtype="U8")
    name = np.full(n, "", dtype="U24")
    pa = np.full(n, np.nan)
    for k, row in enumerate(clusters):
        if not is_3d[k]:
            continue
        model = gas.models[pick[k]]
        route[row], name[row], pa[row] = "pyxsim", model.name, angle[k]
        if model.kind == "dataset":
            same = np.asarray(table["group"]) == table["group"][row]
            table["redshift"][same] = model.redshift
            table["core_radius"][row] = model.core_radius
    table["route"] = route
    table["gas_model"] = name
    table["position_angle"] = pa
    table["position_angle"].unit = u.deg


#: Absolute B magnitude of the Sun (Binney & Merrifield 1998, Table 2.1: M_B☉ = 5.48).
M_B_SUN = 5.48


def nearby_galaxy_optics(flux, z, log_lx_lb, ng, cosmo):
    """(mag_r, optical_radius in arcsec) of nearby galaxies of 0.5–2 keV ``flux`` at redshift
    ``z`` with log(L_X/L_B) = ``log_lx_lb`` (erg s⁻¹ per L_B☉): L_X = 4π d_L² f (K ≈ 1 at
    z < 0.03), L_B = L_X / 10^x, m_R = M_B☉ − 2.5 log L_B + DM − (B − R),
    R₂₅ = r25_kpc (L_B/10¹⁰)^slope / D_A."""
    d_l = cosmo.luminosity_distance(z).to_value(u.cm)
    log_lb = np.log10(4 * np.pi * d_l**2 * np.asarray(flux, float)) - log_lx_lb
    mag_r = M_B_SUN - 2.5 * log_lb + cosmo.distmod(z).value - ng.b_minus_r
    r25 = ng.r25_kpc * 10 ** (ng.r25_slope * (log_lb - 10.0))
    radius = (r25 / cosmo.angular_diameter_distance(z).to_value(u.kpc)) * u.rad.to(u.arcsec)
    return mag_r, radius


def _contaminant_optics(table: Table, pop: PopulationConfig, rng: np.random.Generator) -> None:
    """Redshifts of field and pair AGN (for their hosts), then the optical magnitude and
    size of each nearby galaxy from its X-ray luminosity; in table order, after the X-ray sky."""
    kind = np.asarray(table["kind"])
    agn = np.flatnonzero(np.isin(kind, ("agn", "double")))
    a = pop.agn
    table["redshift"][agn] = rng.gamma(a.redshift_shape, a.redshift_scale, agn.size)
    gal = np.flatnonzero(kind == "nearby_galaxy")
    if gal.size:
        ng = pop.nearby_galaxies
        ratio = rng.normal(*ng.log_lx_lb, gal.size)
        cosmo = scaling.astropy_cosmology(pop.mass_function.cosmology)
        mag, radius = nearby_galaxy_optics(np.asarray(table["flux"])[gal],
                                           np.asarray(table["redshift"])[gal], ratio, ng, cosmo)
        table["mag_r"][gal] = mag
        table["optical_radius"][gal] = radius


def draw(spec: PointingSpec, pop: PopulationConfig, radius: float,
         rng: np.random.Generator) -> Table:
    """Draw the truth table of one pointing (see module docstring)."""
    rows = {k: [] for k in _COLUMNS}
    nan = np.nan

    def add(kind, group, spectrum, xy, flux, **kw):
        n = len(flux)
        rows["kind"] += [kind] * n
        rows["group"] += list(np.broadcast_to(group, n))
        rows["spectrum"] += [spectrum] * n
        rows["xi"] += list(xy[:, 0])
        rows["eta"] += list(xy[:, 1])
        rows["flux"] += list(flux)
        for key in _COLUMNS[6:]:
            rows[key] += list(np.broadcast_to(kw.get(key, nan), n))

    field_radius = arcmin_to_arcsec(radius)
    place_radius = arcmin_to_arcsec(pop.placement_radius)
    area_field = arcmin2_to_deg2(np.pi * radius**2)
    area_place = arcmin2_to_deg2(np.pi * pop.placement_radius**2)
    taken: list = []
    next_group = 0

    # Clusters first: they are what the survey is about, so they get space first.
    cl = clusters(pop, rng, area_place)
    n_cl = len(cl["flux"])
    xy = _place(rng, n_cl, place_radius, pop.min_separation, taken)
    groups = np.arange(next_group, next_group + n_cl)
    next_group += n_cl
    add("cluster", groups, "cluster", xy, cl["flux"], core_radius=cl["core_radius"],
        beta=pop.beta, redshift=cl["redshift"], mass=cl["mass"],
        temperature=cl["temperature"], luminosity=cl["luminosity"])
    has_agn = rng.uniform(size=n_cl) < pop.central_agn.fraction
    if has_agn.any():
        ratio = _draw_range(pop.central_agn.flux_ratio, rng, has_agn.sum())
        fx = cl["flux"][has_agn] * ratio
        add("central_agn", groups[has_agn], "agn", xy[has_agn], fx,
            redshift=cl["redshift"][has_agn],
            mag_r=_optical_mag(fx, rng.normal(*pop.agn.log_fx_fo, has_agn.sum())))

    # Nearby galaxies: soft extended X-ray emission and a bright, large optical galaxy.
    ng = pop.nearby_galaxies
    n_gal = rng.poisson(ng.per_pointing)
    xy = _place(rng, n_gal, place_radius, pop.min_separation, taken)
    add("nearby_galaxy", np.arange(next_group, next_group + n_gal), "cluster", xy,
        _power_law(rng, n_gal, ng.flux.min, ng.flux.max, ng.flux_slope), core_radius=_draw_range(ng.core_radius, rng, n_gal),
        beta=pop.beta, redshift=_draw_range(ng.redshift, rng, n_gal))
    next_group += n_gal

    # Close AGN pairs: the "double source" class.
    pc = pop.pairs
    n_pair = rng.poisson(pc.per_pointing)
    centre = _place(rng, n_pair, place_radius, pop.min_separation, taken)
    sep = _draw_range(pc.separation, rng, n_pair)
    phi = rng.uniform(0.0, 2 * np.pi, n_pair)
    half = 0.5 * sep[:, None] * np.stack([np.cos(phi), np.sin(phi)], axis=1)
    for sign in (+1, -1):
        fx = _draw_range(pc.flux, rng, n_pair)
        add("double", np.arange(next_group, next_group + n_pair), "agn", centre + sign * half,
            fx, mag_r=_optical_mag(fx, rng.normal(*pop.agn.log_fx_fo, n_pair)))
    next_group += n_pair

    # Field AGN from the logN-logS over the whole field.
    agn = pop.agn
    mean = (lognlogs.n_greater(agn.flux_min, agn) - lognlogs.n_greater(agn.flux_max, agn)) * area_field
    n_agn = rng.poisson(mean)
    fx = lognlogs.sample_fluxes(n_agn, rng, agn)
    xy = np.stack(_disc(rng, n_agn, field_radius), axis=1)
    add("agn", np.arange(next_group, next_group + n_agn), "agn", xy, fx,
        mag_r=_optical_mag(fx, rng.normal(*pop.agn.log_fx_fo, n_agn)))
    next_group += n_agn

    # X-ray stars: a plane-parallel disc makes their density scale as 1/sin|b|.
    st = pop.stars
    sinb = max(abs(np.sin(np.radians(spec.glat))), 0.05)
    bounded = 1.0 - (st.flux_max / st.flux_min) ** -st.slope
    n_star = rng.poisson(st.density_at_pole * bounded / sinb * area_field)
    fx = _power_law(rng, n_star, st.flux_min, st.flux_max, st.slope)
    xy = np.stack(_disc(rng, n_star, field_radius), axis=1)
    add("star", np.arange(next_group, next_group + n_star), "star", xy, fx,
        mag_r=_optical_mag(fx, _draw_range(st.log_fx_fo, rng, n_star)))

    table = Table({k: np.asarray(v) for k, v in rows.items()})
    table["kind"] = table["kind"].astype("U13")
    table["spectrum"] = table["spectrum"].astype("U7")
    table["group"] = table["group"].astype(np.int64)
    table.add_column(np.arange(len(table), dtype=np.int64), name="id", index=0)
    ra, dec = offsets_to_radec(spec.ra, spec.dec, table["xi"], table["eta"])
    table.add_column(ra, name="ra", index=4)
    table.add_column(dec, name="dec", index=5)
    for name, unit in TRUTH_UNITS.items():
        table[name].unit = unit
    # before the 3-D routes, whose draws must leave the rest of the sky alone
    _contaminant_optics(table, pop, rng)
    if pop.gas.fraction > 0:
        _assign_routes(table, pop.gas, rng)
    # FITS-safe (≤ 8 character) keys: the table is written as a FITS binary table.
    table.meta.update(POINTING=spec.id, SEED=spec.seed, RA_PNT=spec.ra, DEC_PNT=spec.dec,
                      FIELDRAD=radius, AGNSMIN=agn.flux_min)
    return table
