"""§3.2 augmentation ranges and geometry; §5.2 balanced batches."""

import numpy as np
import pytest

from selfunc.cnn import AugmentConfig, BalancedBatches, Transforms, apply_transforms, draw_transforms


def test_draws_stay_in_the_paper_ranges():
    tr = draw_transforms(np.random.default_rng(1), 20000, AugmentConfig())
    assert tr.zoom.min() >= 1 / 1.3 and tr.zoom.max() <= 1.3
    assert tr.angle.min() >= 0 and tr.angle.max() < 360
    assert np.abs(tr.shift).max() <= 4.0
    # uniform: the whole ranges are used
    assert tr.zoom.min() < 0.78 and tr.zoom.max() > 1.29
    assert tr.angle.min() < 1 and tr.angle.max() > 359
    assert tr.shift.min() < -3.99 and tr.shift.max() > 3.99


def _peak(img):
    w = img.sum()
    yy, xx = np.indices(img.shape)
    return (img * yy).sum() / w, (img * xx).sum() / w


@pytest.mark.parametrize("zoom, angle, shift, expected", [
    (1.0, 0.0, (0.0, 0.0), (20.0, 25.0)),   # identity
    (1.0, 0.0, (2.0, 3.0), (23.0, 27.0)),   # dx = 2 columns, dy = 3 rows
    (1.3, 0.0, (0.0, 0.0), (20.0, 26.5)),   # 5 px from the centre becomes 6.5
    (1.0, 90.0, (0.0, 0.0), (25.0, 20.0)),  # a quarter turn, +x to +y
    (1.0, 180.0, (0.0, 0.0), (20.0, 15.0)),
])
def test_transform_geometry(zoom, angle, shift, expected):
    img = np.zeros((1, 41, 41, 1))
    img[0, 20, 25, 0] = 1.0  # 5 px right of the centre (20, 20)
    out = apply_transforms(img, Transforms(np.array([zoom]), np.array([angle]),
                                           np.array([shift])))[0, ..., 0]
    assert _peak(out) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("n_classes, batch", [(2, 10), (5, 10), (2, 20)])
def test_every_batch_is_exactly_balanced(n_classes, batch):
    rng = np.random.default_rng(0)
    # very unbalanced classes, as the candidates are (mostly point sources)
    sizes = [211, 7, 3, 40, 19][:n_classes]
    targets = rng.permutation(np.repeat(np.arange(n_classes), sizes))
    bb = BalancedBatches(targets, batch, n_classes, seed=5)
    assert bb.steps_per_epoch == -(-len(targets) // batch)
    for epoch in range(3):
        batches = bb.epoch(epoch)
        assert batches.shape == (bb.steps_per_epoch, batch)
        for b in batches:
            counts = np.bincount(targets[b], minlength=n_classes)
            assert (counts == batch // n_classes).all()
        # the rarest class cycles through all its stamps before any repeats: its first
        # size draws (in the first ceil(size / per-batch) batches) are all its stamps
        rare = int(np.argmin(sizes))
        per = batch // n_classes
        head = batches[:-(-sizes[rare] // per)].ravel()
        drawn = head[targets[head] == rare]
        assert set(drawn) == set(np.flatnonzero(targets == rare))
        assert len(drawn) - len(set(drawn)) == len(drawn) - sizes[rare]
    np.testing.assert_array_equal(bb.epoch(2), BalancedBatches(targets, batch, n_classes, 5).epoch(2))
    assert not np.array_equal(bb.epoch(1), bb.epoch(2))


def test_commoner_classes_are_drawn_from_the_whole_set():
    targets = np.r_[np.zeros(300, int), np.ones(10, int)]
    bb = BalancedBatches(targets, 10, 2, seed=1)
    used = np.unique(np.concatenate([bb.epoch(e).ravel() for e in range(4)]))
    assert np.isin(np.arange(300), used).mean() > 0.9


def test_balanced_batches_refuse_what_cannot_balance():
    with pytest.raises(ValueError, match="multiple"):
        BalancedBatches([0, 1, 2, 3, 4], 8, 5, seed=0)
    with pytest.raises(ValueError, match="no training stamp"):
        BalancedBatches([0, 0, 1], 4, 4, seed=0)
    unbalanced = BalancedBatches([0] * 9 + [1], 5, 2, seed=0, balanced=False)
    assert unbalanced.epoch(0).shape == (2, 5)
