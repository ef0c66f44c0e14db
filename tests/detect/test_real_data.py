"""`selfunc detect` on real XMM products (skips where ../shared/data/real is absent)."""

import numpy as np
import pytest
from astropy.table import Table

from selfunc.cli import main


@pytest.mark.slow
def test_a1835_mos2_cluster_extended_and_point_sources_point_like(real_data, tmp_path):
    d = real_data / "xmm_a1835_mos2"
    out = tmp_path / "a1835.fits"
    rc = main(["detect", str(d / "P0098010101M2U009IMAGE_3000.FTZ"),
               "--exposure", str(d / "P0098010101M2U009EXPMAP3000.FTZ"),
               "--background", str(d / "P0098010101M2X000BKGMAP3000.FTZ"),
               "--energy", "1.5", "--out", str(out)])
    assert rc == 0
    cat = Table.read(out)
    assert cat.meta["CAMERAS"] == "mos2"  # from INSTRUME = EMOS2
    # A1835 (README: cool-core peak at pixel (329, 349), 1-based) is C1 with a large extent.
    d_cl = np.hypot(cat["x"] + 1 - 329, cat["y"] + 1 - 349)
    cl = cat[np.argmin(d_cl)]
    assert d_cl.min() < 4 and cl["C1"] and cl["ext"] > 10 and cl["ext_ml"] > 1000
    # The course's 26 point sources to mask: found, and (nearly all) not extended.
    pts = np.loadtxt(d / "M2ptsrc.txt")
    sep = np.hypot(cat["x"][:, None] + 1 - pts[None, :, 0], cat["y"][:, None] + 1 - pts[None, :, 1])
    found = sep.min(axis=0) < 4
    assert found.mean() >= 0.9
    near = sep.argmin(axis=0)[found]
    extended = cat["C1"][near] | cat["C2"][near]
    assert extended.sum() <= 2


@pytest.mark.slow
def test_elais_s1_blank_field_without_exposure_map_is_refused_then_runs(real_data, tmp_path, capsys):
    f = real_data / "xmm_pn_superres" / "sky_wcs_20ks" / "0827240501_image_split_500_2000_20ks_1_1.fits.gz"
    assert main(["detect", str(f), "--out", str(tmp_path / "x.fits")]) == 2
    assert "give --exposure" in capsys.readouterr().err
    # A flat 20 ks exposure inside the detector footprint (no map is published for it).
    from astropy.io import fits
    with fits.open(f) as h:
        counts = h[0].data.astype(float)
        header = h[0].header
    from scipy import ndimage
    footprint = ndimage.binary_closing(ndimage.uniform_filter(counts, 9) > 0, iterations=5)
    expo = tmp_path / "expo.fits"
    fits.PrimaryHDU(np.where(footprint, 20_000.0, 0.0), header=header).writeto(expo)
    assert main(["detect", str(f), "--exposure", str(expo), "--camera", "pn",
                 "--out", str(tmp_path / "elais.fits")]) == 0
    cat = Table.read(tmp_path / "elais.fits")
    bright = cat[cat["det_ml"] > 30]
    # An extragalactic survey field: tens of point sources, almost none extended.
    assert 10 <= len(bright) <= 200
    assert (bright["C1"].sum() + bright["C2"].sum()) <= 0.1 * len(bright)
