"""Appendix A of Kosiba et al. 2020: Table A1 (cut and inversion), Table A2 (channels) and
grey-scaling, against values computed by hand at every branch."""

import numpy as np
import pytest
from PIL import Image

from selfunc.stamps.normalise import (FixedCuts, PercentileCuts, channel_rules, cut_invert, grey,
                                      xamin_png)


def test_table_a1_every_branch():
    # min_cut = 0, max_cut = 10: below → 255, above → 0, inside 255 (1 − d/10)
    data = np.array([-1.0, 0.0, 2.0, 5.0, 10.0, 11.0, np.nan])
    expected = [255.0, 255.0, 204.0, 127.5, 0.0, 0.0, 255.0]
    np.testing.assert_allclose(cut_invert(data, 0.0, 10.0), expected, rtol=0, atol=1e-12)


def test_table_a1_offset_cuts():
    # min 2, max 6: 3 → 255 (1 − 1/4) = 191.25; 1.999 → 255; 6.001 → 0
    np.testing.assert_allclose(cut_invert([1.999, 2.0, 3.0, 6.0, 6.001], 2.0, 6.0),
                               [255.0, 255.0, 191.25, 0.0, 0.0], atol=1e-12)


def test_table_a1_needs_ordered_cuts():
    with pytest.raises(ValueError, match="max_cut"):
        cut_invert([1.0], 3.0, 3.0)
    with pytest.raises(ValueError, match="max_cut"):
        FixedCuts(5.0, 1.0)


PIX = [0, 88, 119, 120, 165, 175, 176, 189, 190, 216, 255]
# by hand: R = pix·255/176 below 176, else 255
R = [0.0, 127.5, 172.41477272727272, 173.86363636363637, 239.0625, 253.55113636363637,
     255.0, 255.0, 255.0, 255.0, 255.0]
# G = (pix − 120)·255/135 from 120 on, else 0
G = [0.0, 0.0, 0.0, 0.0, 85.0, 103.88888888888889, 105.77777777777777, 130.33333333333334,
     132.22222222222223, 181.33333333333334, 255.0]
# B = (pix − 190)·255/65 from 190 on, else 0
B = [0.0] * 8 + [0.0, 102.0, 255.0]


def test_table_a2_every_branch():
    rgb = channel_rules(np.array(PIX, dtype=float))
    np.testing.assert_allclose(rgb[:, 0], R, atol=1e-9)
    np.testing.assert_allclose(rgb[:, 1], G, atol=1e-9)
    np.testing.assert_allclose(rgb[:, 2], B, atol=1e-9)


def test_xamin_png_quantised_by_hand():
    # counts 0..5 with cuts (0, 4): pix = 255, 191.25→191, 127.5→128, 63.75→64, 0, 0
    data = np.arange(6, dtype=float).reshape(1, 6)
    png = xamin_png(data, FixedCuts(0.0, 4.0))
    assert png.dtype == np.uint8 and png.shape == (1, 6, 3)
    expected = [
        (255, 255, 255),  # pix 255
        (255, 134, 4),    # pix 191: G 71·255/135 = 134.1, B 1·255/65 = 3.9
        (185, 15, 0),     # pix 128: R 128·255/176 = 185.45, G 8·255/135 = 15.1
        (93, 0, 0),       # pix 64: R 64·255/176 = 92.7
        (0, 0, 0),
        (0, 0, 0),
    ]
    assert [tuple(int(v) for v in px) for px in png[0]] == expected


def test_xamin_png_float_and_grey_png():
    data = np.array([[0.0, 1.0, 2.0]])
    f = xamin_png(data, FixedCuts(0.0, 4.0), quantise=False)
    np.testing.assert_allclose(f[0, 1], [255.0, (191.25 - 120) * 255 / 135, (191.25 - 190) * 255 / 65])
    g = xamin_png(data, FixedCuts(0.0, 4.0), colour=False)
    assert [tuple(p) for p in g[0]] == [(255, 255, 255), (191, 191, 191), (128, 128, 128)]


def test_percentile_cuts():
    data = np.arange(1001, dtype=float)
    lo, hi = PercentileCuts(0.0, 99.9, 1.0)(data)
    assert lo == 0.0 and hi == pytest.approx(999.0)
    # an empty cutout: the levels are kept min_range apart
    assert PercentileCuts(0.0, 99.9, 1.0)(np.zeros((5, 5))) == (0.0, 1.0)
    # NaN (no data) is ignored
    assert PercentileCuts(0.0, 100.0, 0.5)(np.array([np.nan, 2.0, 4.0])) == (2.0, 4.0)
    with pytest.raises(ValueError):
        PercentileCuts(50.0, 10.0)


def test_grey_is_pillows_luma():
    rng = np.random.default_rng(3)
    rgb = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    rgb[0, :4] = [(255, 255, 255), (0, 0, 0), (255, 0, 0), (0, 0, 255)]
    ours = grey(rgb)
    pil = np.asarray(Image.fromarray(rgb).convert("L"))
    np.testing.assert_array_equal(ours, pil)
    assert list(ours[0, :4]) == [255, 0, 76, 29]  # 0.299·255 = 76.2, 0.114·255 = 29.1


def test_grey_float():
    np.testing.assert_allclose(grey(np.array([[100.0, 200.0, 50.0]])),
                               [0.299 * 100 + 0.587 * 200 + 0.114 * 50])
    with pytest.raises(ValueError):
        grey(np.zeros((3, 4)))
