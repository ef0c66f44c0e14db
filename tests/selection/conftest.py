"""Synthetic campaigns for the selection tests, drawn from a known parametric model.

:func:`write_campaign` lays down ``DIR/catalogues/{truth,candidates,pointings}.h5`` as in
``docs/catalogues.md``. True clusters are classified with a latent uniform ``U``: C1 if
``U < P_C1``, else C2 if ``U < P_C12``, else detected as a point source if ``U < P_det``,
else undetected. The three probabilities are :func:`completeness_model` transitions that
share their widths and ceiling and have decreasing thresholds, so ``P_C1 ≤ P_C12 ≤ P_det``
and the C1 completeness is exactly the model at ``TRUE_C1``. AGN add spurious extended
candidates for the purity.
"""

from __future__ import annotations

from pathlib import Path

import astropy.units as u
import numpy as np
import pytest
from astropy.table import Table

from selfunc.selection.models import completeness_model

#: Generating parameters of the C1 completeness (order of completeness_model()).
TRUE_C1 = {
    "mu0": 0.05, "mu_core_radius": 0.45, "mu_exposure": -0.55, "mu_offaxis": 0.3,
    "lnw0": np.log(0.15), "lnw_core_radius": 0.3, "lnw_exposure": 0.0, "lnw_offaxis": 0.1,
    "amax": 0.93,
}
C2_SHIFT = -0.25    # dex: C1 or C2 threshold below C1's
DET_SHIFT = -0.45   # dex: any detection
ECF = 1.1e12        # ct/s per erg/s/cm² (pn + 2 MOS, rough)


def theta_of(model, params: dict) -> np.ndarray:
    return np.array([params[n] for n in model.parameter_names])


def draw_clusters(n: int, rng: np.random.Generator, exposures=(1e4, 2e4)) -> dict:
    """Covariates of n clusters like the quickstart grid population."""
    return {
        "flux": 10 ** rng.uniform(np.log10(5e-15), np.log10(2e-13), n),
        "core_radius": 10 ** rng.uniform(np.log10(5.0), np.log10(120.0), n),
        "redshift": rng.uniform(0.05, 1.2, n),
        "exposure": rng.choice(np.asarray(exposures, float), n),
        "offaxis": 13.0 * np.sqrt(rng.random(n)),
    }


def write_campaign(directory: Path, *, n_pointings: int = 60, clusters_per_pointing: int = 40,
                   agn_per_pointing: int = 30, seed: int = 7, with_p_cluster: bool = True,
                   drop: dict | None = None, covariates=("core_radius", "exposure", "offaxis"),
                   c1: dict | None = None) -> Path:
    """Write a synthetic campaign folder; ``drop`` = {table: [columns]} omits columns;
    ``covariates`` and ``c1`` (default TRUE_C1): the generating C1 model."""
    rng = np.random.default_rng(seed)
    model = completeness_model(covariates)
    th1 = theta_of(model, TRUE_C1 if c1 is None else c1)
    th12 = th1.copy()
    th12[0] += C2_SHIFT
    thd = th1.copy()
    thd[0] += DET_SHIFT
    exposures = rng.choice([1e4, 2e4], n_pointings)
    truth_rows, cand_rows = [], []
    for p in range(n_pointings):
        nc = clusters_per_pointing
        cl = draw_clusters(nc, rng)
        cl["exposure"][:] = exposures[p]
        uu = rng.random(nc)
        p1, p12, pd = (model.probability(t, cl) for t in (th1, th12, thd))
        c1 = uu < p1
        c2 = ~c1 & (uu < p12)
        det = uu < pd
        na = agn_per_pointing
        agn_flux = 10 ** rng.uniform(-14.7, -13.0, na)
        agn_off = 13.0 * np.sqrt(rng.random(na))
        # Spurious extended detections: a few bright AGN become C1/C2 candidates.
        a_ext = rng.random(na) < 0.25
        a_c1 = a_ext & (rng.random(na) < 0.4)
        a_c2 = a_ext & ~a_c1
        cand_id = 0
        for i in range(nc):
            match = -1
            if det[i]:
                match = cand_id
                vig = 1 - 0.004 * cl["offaxis"][i] ** 2
                rate = cl["flux"][i] * ECF * vig
                ext = cl["core_radius"][i] * np.exp(rng.normal(0, 0.25))
                if c1[i] or c2[i]:
                    # C1/C2 imply a fitted extent above 5 arcsec.
                    ext = 5.0 + ext
                    ext_ml = 33 + rng.exponential(60) if c1[i] else rng.uniform(15, 33)
                else:
                    ext_ml = rng.uniform(0, 15)
                cand_rows.append(dict(
                    pointing=p, cand_id=cand_id, offaxis=cl["offaxis"][i],
                    exposure=exposures[p], rate=rate, ext=ext, ext_ml=ext_ml,
                    det_ml=40 + rng.exponential(80), C1=bool(c1[i]), C2=bool(c2[i]),
                    truth_id=i, is_cluster=True,
                    label="low-z" if cl["redshift"][i] < 0.4 else "hi-z",
                    p_cluster=rng.beta(6, 2)))
                cand_id += 1
            truth_rows.append(dict(
                pointing=p, id=i, kind="cluster", flux=cl["flux"][i],
                core_radius=cl["core_radius"][i], redshift=cl["redshift"][i],
                offaxis=cl["offaxis"][i], exposure=exposures[p], match=match))
        for j in range(na):
            tid = nc + j
            det_a = agn_flux[j] > 3e-15
            match = -1
            if det_a:
                match = cand_id
                # PSF residuals of bright AGN fitted as small extended sources.
                ext = (5.0 + rng.lognormal(np.log(3.0), 0.6) if a_ext[j]
                       else rng.uniform(0, 4))
                ext_ml = (33 + rng.exponential(30) if a_c1[j] else
                          rng.uniform(15, 33) if a_c2[j] else rng.uniform(0, 10))
                cand_rows.append(dict(
                    pointing=p, cand_id=cand_id, offaxis=agn_off[j], exposure=exposures[p],
                    rate=agn_flux[j] * ECF, ext=ext, ext_ml=ext_ml,
                    det_ml=20 + rng.exponential(50), C1=bool(a_c1[j]), C2=bool(a_c2[j]),
                    truth_id=tid, is_cluster=False, label="point", p_cluster=rng.beta(2, 6)))
                cand_id += 1
            truth_rows.append(dict(
                pointing=p, id=tid, kind="agn", flux=agn_flux[j], core_radius=np.nan,
                redshift=np.nan, offaxis=agn_off[j], exposure=exposures[p], match=match))
    truth = Table(rows=truth_rows)
    cands = Table(rows=cand_rows)
    truth["flux"].unit = u.erg / u.s / u.cm**2
    truth["core_radius"].unit = u.arcsec
    truth["offaxis"].unit = u.arcmin
    truth["exposure"].unit = u.s
    cands["offaxis"].unit = u.arcmin
    cands["exposure"].unit = u.s
    cands["rate"].unit = u.ct / u.s
    cands["ext"].unit = u.arcsec
    if not with_p_cluster:
        cands.remove_column("p_cluster")
    pointings = Table({"pointing": np.arange(n_pointings), "exposure": exposures * u.s,
                       "ra": rng.uniform(0, 360, n_pointings),
                       "dec": rng.uniform(-60, 60, n_pointings)})
    tables = {"truth": truth, "candidates": cands, "pointings": pointings}
    for name, cols in (drop or {}).items():
        tables[name].remove_columns(cols)
    cat = Path(directory) / "catalogues"
    cat.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        table.write(cat / f"{name}.h5", path=name, serialize_meta=True, overwrite=True)
    return Path(directory)


@pytest.fixture(scope="session")
def campaign(tmp_path_factory) -> Path:
    """A synthetic campaign (60 pointings × 40 clusters) shared by the tests that read it."""
    return write_campaign(tmp_path_factory.mktemp("campaign"))


@pytest.fixture
def make_campaign(tmp_path):
    """Factory writing a variant campaign into a fresh folder."""
    def make(**kw):
        return write_campaign(tmp_path / "campaign", **kw)
    return make
