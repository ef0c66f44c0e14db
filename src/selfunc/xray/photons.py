"""EPIC observation of a photon list (the pyxsim route for 3-D clusters, :mod:`selfunc.gas`).

Each photon i stands for a share f_i of the source's 0.5–2 keV flux (Σ f_i = F). With the
cluster's ECF of the analytic route (:mod:`selfunc.xray.rates`: its spectrum through the
pointing's N_H, or the constant table), photon i is detected by camera c with probability

    p_ci = ECF_c · f_i · t · v_c(E_eff, θ_i),

so that the expected counts are F · ECF_c · t · v̄ exactly as in :mod:`selfunc.xray.observe`
(one ECF for the whole cluster: its temperature structure does not change its count rate
per unit flux). A photon goes to at most one camera (one uniform
number against the cumulative p_ci: thinning a Poisson photon stream into disjoint classes
gives independent Poisson counts per camera). It is then moved by that camera's King PSF
at its own off-axis angle, radius drawn by inverting the encircled energy
EE(R) = 1 − [1 + (R/r_c)²]^(1−α) (:mod:`selfunc.profiles.king`), and kept with the chip/FOV
coverage of the pixel it lands in (photons in gaps or off the image are lost).

The counts are exact Poisson draws of the model for any oversampling of the photon list;
the expected-counts image (MODEL) is the same histogram weighted by p_ci × coverage over
*all* photons, whose noise shrinks as the list is oversampled.
"""

from __future__ import annotations

import numpy as np

from selfunc.angles import arcsec_to_arcmin
from selfunc.profiles import king

__all__ = ["observe_photons", "observe_gas_clusters", "king_radii"]


def king_radii(rc, alpha, u):
    """Radii (arcsec) with King encircled energy u ∈ [0, 1): R = r_c √((1−u)^(1/(1−α)) − 1)."""
    return rc * np.sqrt((1.0 - u) ** (1.0 / (1.0 - alpha)) - 1.0)


def observe_photons(xi, eta, flux, *, cameras, ecf, exposure: float, vignetting_of, energy: float,
                    grid, coverage, rng: np.random.Generator):
    """Counts and expected counts of a photon list in each camera.

    ``xi``, ``eta``: photon sky offsets from the optical axis (arcsec); ``flux``: the flux
    each photon stands for (erg s⁻¹ cm⁻²); ``ecf``: camera → ECF (counts s⁻¹ per
    erg s⁻¹ cm⁻²); ``vignetting_of``: camera → v(θ) for θ in arcmin; ``coverage``: camera →
    chip/FOV coverage map on ``grid``. Returns (counts, model, expected) dicts by camera;
    ``expected`` is Σ p_ci, the counts before chip gaps and the image edge.
    """
    xi = np.asarray(xi, float)
    eta = np.asarray(eta, float)
    theta = arcsec_to_arcmin(np.hypot(xi, eta))
    p = np.stack([ecf[c] * np.asarray(flux) * exposure * vignetting_of[c](theta)
                  for c in cameras])
    if p.size and p.sum(axis=0).max() > 1.0:
        raise ValueError("photon list too coarse: a photon has detection probability > 1 "
                         "(raise the area x time of the photon list)")
    edges = np.cumsum(p, axis=0)
    u = rng.uniform(size=xi.size)
    assigned = np.where(u < edges[-1], np.argmax(u[None, :] < edges, axis=0), -1)
    n = grid.npix
    counts, model, expected = {}, {}, {}
    for k, cam in enumerate(cameras):
        rc, alpha = king.king_parameters(cam, energy, theta)
        r = king_radii(rc, alpha, rng.uniform(size=xi.size))
        phi = rng.uniform(0.0, 2 * np.pi, size=xi.size)
        x, y = grid.to_pixel(xi + r * np.cos(phi), eta + r * np.sin(phi))
        ix = np.floor(x + 0.5).astype(np.int64)
        iy = np.floor(y + 0.5).astype(np.int64)
        on = (ix >= 0) & (ix < n) & (iy >= 0) & (iy < n)
        flat = iy[on] * n + ix[on]
        m = coverage[cam].ravel()[flat]
        model[cam] = np.bincount(flat, weights=p[k, on] * m, minlength=n * n).reshape(n, n)
        keep = (assigned[on] == k) & (rng.uniform(size=flat.size) < m)
        counts[cam] = np.bincount(flat[keep], minlength=n * n).reshape(n, n).astype(np.int32)
        expected[cam] = float(p[k].sum())
    return counts, model, expected


def observe_gas_clusters(spec, truth, rows, instrument, population, grid, vignetting_of,
                         coverage, rng: np.random.Generator):
    """Photons of the truth's 3-D clusters (``rows``: a boolean mask) through
    :func:`selfunc.gas.photons.cluster_photons`, observed by every camera.

    Returns (counts, model) dicts by camera, summed over the clusters, and the expected
    counts of each row (all cameras, before chip gaps), zero for the other rows.
    """
    from selfunc.gas.photons import cluster_photons

    from selfunc.xray.rates import source_ecf

    gas = population.gas
    models = {m.name: m for m in gas.models}
    cams = tuple(instrument.cameras)
    if instrument.ecf.model == "constant":
        ecf_rows = {c: np.full(len(truth), instrument.ecf[c].cluster) for c in cams}
    else:
        sub = np.asarray(rows, bool)
        ecf_rows = {c: np.zeros(len(truth)) for c in cams}
        for c in cams:
            ecf_rows[c][sub] = source_ecf(truth[sub], c, instrument, spec.nh)
    n = grid.npix
    counts = {c: np.zeros((n, n), np.int32) for c in cams}
    model = {c: np.zeros((n, n)) for c in cams}
    expected = np.zeros(len(truth))
    for k in np.nonzero(rows)[0]:
        row = truth[k]
        ecf = {c: float(ecf_rows[c][k]) for c in cams}
        # No photon may carry more than 1/K chance of detection (K = photons_per_count).
        max_photon_flux = 1.0 / (gas.photons_per_count * sum(ecf.values()) * spec.exposure)
        name = str(row["gas_model"])
        if name not in models:
            raise ValueError(f"truth row {k}: gas model '{name}' is not in population.gas.models")
        ph = cluster_photons(models[name], flux=float(row["flux"]),
                             redshift=float(row["redshift"]),
                             core_radius=float(row["core_radius"]),
                             kt=float(row["temperature"]), beta=float(row["beta"]),
                             truncation=population.truncation,
                             position_angle=float(row["position_angle"]), gas_cfg=gas,
                             band=instrument.band,
                             cosmology_cfg=population.mass_function.cosmology,
                             max_photon_flux=max_photon_flux, rng=rng)
        c_k, m_k, e_k = observe_photons(ph.xi + float(row["xi"]), ph.eta + float(row["eta"]),
                                        ph.flux, cameras=cams, ecf=ecf,
                                        exposure=spec.exposure, vignetting_of=vignetting_of,
                                        energy=instrument.effective_energy, grid=grid,
                                        coverage=coverage, rng=rng)
        for c in cams:
            counts[c] += c_k[c]
            model[c] += m_k[c]
        expected[k] = sum(e_k.values())
    return counts, model, expected
