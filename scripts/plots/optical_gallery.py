"""Gallery of simulated X-ray and DSS2-like optical cutouts (7'x7'), like Figure 9 of
Kosiba et al. 2020: a low-z cluster, a high-z cluster, an AGN, an X-ray star and a nearby
galaxy, each from a simulated quickstart pointing.

Columns: optical (red plate, scan units, white = bright), X-ray (pn+MOS counts, Gaussian
smoothed σ = 1.5 px = 3.75″), the optical with the X-ray contours drawn through both WCS
(checks that RA/Dec agree), and the paper's CNN input (blue = grey optical, green = grey
X-ray, red = 0, 356x356). A cross marks the truth position.

    python scripts/plots/optical_gallery.py [--out optical_gallery.png] [--band red|blue]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from astropy.coordinates import SkyCoord
import astropy.units as u
from scipy import ndimage

from selfunc import optical
from selfunc.campaign.simulate import field_radius, simulate_pointing
from selfunc.config import configs_dir, load_campaign
from selfunc.pointing import draw_pointings, rng_for
from selfunc.sky.draw import draw

SIZE = 7.0  # arcmin


def choose(cfg, n_search=60, seed=None):
    """(label, spec, truth row id) for each gallery object, found by drawing skies only."""
    specs = draw_pointings(cfg.survey, n_search, cfg.campaign.seed if seed is None else seed)
    best = {}

    def offer(label, score, spec, row):
        if label not in best or score > best[label][0]:
            best[label] = (score, spec, row)

    for spec in specs:
        t = draw(spec, cfg.population, field_radius(cfg), rng_for(spec.seed, spec.id, "sky"))
        r = np.hypot(t["xi"], t["eta"]) / 60.0
        for k in range(len(t)):
            kind, z, flux = t["kind"][k], t["redshift"][k], t["flux"][k]
            if r[k] > 10.0:
                continue
            if kind == "cluster" and z < 0.25:
                offer("low-z cluster", t["mass"][k], spec, k)
            elif kind == "cluster" and z > 0.7:
                offer("high-z cluster", flux, spec, k)
            elif kind in ("agn", "star", "nearby_galaxy"):
                offer({"agn": "AGN", "star": "X-ray star", "nearby_galaxy": "nearby galaxy"}[kind],
                      flux, spec, k)
    order = ("low-z cluster", "high-z cluster", "AGN", "X-ray star", "nearby galaxy")
    missing = [o for o in order if o not in best]
    if missing:
        raise SystemExit(f"no {', '.join(missing)} in {n_search} pointings; raise --search")
    return [(o, best[o][1], best[o][2]) for o in order]


def xray_cutout(obs, ra, dec):
    n = int(round(SIZE * 60.0 / obs.pixel))
    x, y = (float(v) for v in obs.wcs.world_to_pixel(SkyCoord(ra * u.deg, dec * u.deg)))
    x0 = int(np.floor(x - (n - 1) / 2 + 0.5))
    y0 = int(np.floor(y - (n - 1) / 2 + 0.5))
    img = np.zeros((n, n))
    counts = obs.counts["combined"]
    ya, yb = max(y0, 0), min(y0 + n, counts.shape[0])
    xa, xb = max(x0, 0), min(x0 + n, counts.shape[1])
    img[ya - y0:yb - y0, xa - x0:xb - x0] = counts[ya:yb, xa:xb]
    return img, obs.wcs.slice((slice(y0, y0 + n), slice(x0, x0 + n)))


def grey(img, lo, hi, stretch=np.arcsinh, soft=0.1):
    v = np.clip((img - lo) / (hi - lo), 0, 1)
    return stretch(v / soft) / stretch(1 / soft)


def main(out: Path, band: str, search: int) -> Path:
    cfg = load_campaign(configs_dir() / "campaign" / "quickstart.toml")
    ocfg = optical.load_optical_config(f"dss2_{band}")
    picks = choose(cfg, search)
    fig = plt.figure(figsize=(16, 20.5))
    cache = {}
    for i, (label, spec, row) in enumerate(picks):
        if spec.id not in cache:
            truth, obs = simulate_pointing(spec, cfg)
            sc = optical.scene(spec, truth, ocfg, rng_for(spec.seed, spec.id, "optical"))
            cache[spec.id] = (obs, sc)
        obs, sc = cache[spec.id]
        t = sc.truth
        ra, dec = float(t["ra"][row]), float(t["dec"][row])
        cut = optical.cutout(sc, ra, dec, SIZE)
        xr, xwcs = xray_cutout(obs, ra, dec)
        xs = ndimage.gaussian_filter(xr, 1.5)
        xc = ndimage.gaussian_filter(xr, 3.0)  # for the contours
        phot = sc.phot
        sky_d, sig_d = phot.sky, phot.sky_sigma * phot.density_slope
        opt = grey(cut.image.astype(float), sky_d - 2 * sig_d, phot.saturation)
        bkg = np.median(xs)
        xg = grey(xs, bkg, max(np.percentile(xs, 99.7), bkg + 1e-3), soft=0.3)

        kind = t["kind"][row]
        if kind == "cluster":
            info = (f"z = {t['redshift'][row]:.2f}, M500 = {t['mass'][row]:.1e} M$_\\odot$, "
                    f"λ = {t['richness'][row]:.0f}, {t['n_members_visible'][row]} members "
                    f"< {ocfg.limiting_magnitude:.1f}, BCG {t['mag_bcg'][row]:.1f}")
        else:
            info = f"{'R_F' if band == 'red' else 'B_J'} = {t['mag_optical'][row]:.1f}"
            if kind == "nearby_galaxy":
                info += f", z = {t['redshift'][row]:.3f}, R$_{{opt}}$ = {t['optical_radius'][row]:.0f}\""
        info += f", F$_X$ = {t['flux'][row]:.1e}, {t['counts_expected'][row]:.0f} cts"
        title = f"{label} (pointing {spec.id}): {info}"

        target = SkyCoord(ra * u.deg, dec * u.deg)
        axes = [fig.add_subplot(5, 4, 4 * i + 1, projection=cut.wcs),
                fig.add_subplot(5, 4, 4 * i + 2, projection=xwcs),
                fig.add_subplot(5, 4, 4 * i + 3, projection=cut.wcs),
                fig.add_subplot(5, 4, 4 * i + 4)]
        axes[0].imshow(opt, origin="lower", cmap="gray")
        axes[1].imshow(xg, origin="lower", cmap="gray")
        axes[2].imshow(opt, origin="lower", cmap="gray")
        bc = np.median(xc)
        levels = bc + np.array([3, 6, 12, 24, 48, 96]) * np.sqrt(bc / (4 * np.pi * 3.0**2) + 1e-6)
        axes[2].contour(xc, levels=levels, colors="lime", linewidths=0.7,
                        transform=axes[2].get_transform(xwcs))
        if kind == "cluster":
            for ax in (axes[0], axes[2]):
                ax.scatter(t["bcg_ra"][row], t["bcg_dec"][row], transform=ax.get_transform("world"),
                           marker="s", s=120, facecolors="none", edgecolors="red", linewidths=0.8)
        for ax in axes[:3]:
            ax.scatter(target.ra.deg, target.dec.deg, transform=ax.get_transform("world"),
                       marker="o", s=400, facecolors="none", edgecolors="cyan", linewidths=0.8)
            ax.coords[0].set_ticklabel(size=6)
            ax.coords[1].set_ticklabel(size=6)
            ax.coords[0].set_axislabel(" ")
            ax.coords[1].set_axislabel(" ")
        rgb = np.zeros((356, 356, 3))
        rgb[..., 2] = ndimage.zoom(opt, 356 / opt.shape[0], order=1)[:356, :356]
        rgb[..., 1] = ndimage.zoom(xg, 356 / xg.shape[0], order=1)[:356, :356]
        axes[3].imshow(np.clip(rgb, 0, 1), origin="lower")
        axes[3].set_xticks([])
        axes[3].set_yticks([])
        axes[0].set_title(title, loc="left", fontsize=9, x=0.0)
        if i == 0:
            for ax, name in zip(axes, (f"optical (DSS2 {band})", "X-ray (pn+MOS, smoothed)",
                                       "optical + X-ray contours", "CNN input (B: opt, G: X)")):
                ax.text(0.5, 1.12 if ax is not axes[0] else 1.2, name, transform=ax.transAxes,
                        ha="center", fontsize=11, weight="bold")
    fig.subplots_adjust(left=0.04, right=0.99, top=0.96, bottom=0.02, hspace=0.35, wspace=0.25)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")
    for label, spec, row in picks:
        print(f"  {label:15s} pointing {spec.id:3d} truth id {row}")
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("optical_gallery.png"))
    ap.add_argument("--band", choices=("red", "blue"), default="red")
    ap.add_argument("--search", type=int, default=60, help="pointings searched for the objects")
    args = ap.parse_args()
    main(args.out, args.band, args.search)
