"""The random-stream registry (selfunc.streams): ids are unique and never renumbered."""

import numpy as np
import pytest

from selfunc.pointing import rng_for
from selfunc.streams import (CAMPAIGN_STREAMS, POINTING_STREAMS, TRAINING_STREAMS, campaign_rng,
                             pointing_rng, training_rng)


def test_stream_ids_are_unique_and_keep_the_values_earlier_campaigns_were_made_with():
    # Campaigns and models made before the registry drew from these seed sequences: a
    # renumbered id would silently change every output of the same seed.
    assert POINTING_STREAMS == {"pointings": 0, "sky": 1, "xray": 2, "optical": 3,
                                "detect": 4, "cnn": 5, "simput": 7, "bands": 8}
    assert TRAINING_STREAMS == {"split": 17, "augment": 0xA06, "batches": 0x5EED}
    assert CAMPAIGN_STREAMS == {"volunteers": 0x766F6C}
    assert (campaign_rng(3, "volunteers").integers(1 << 30)
            == np.random.default_rng([3, 0x766F6C]).integers(1 << 30))
    ids = [*POINTING_STREAMS.values(), *TRAINING_STREAMS.values()]
    assert len(set(ids)) == len(ids)


def test_streams_are_the_registered_seed_sequences():
    a = rng_for(11, 3, "simput").random(4)
    np.testing.assert_array_equal(a, np.random.default_rng([11, 3, 7]).random(4))
    np.testing.assert_array_equal(pointing_rng(11, 3, "sky").random(4),
                                  np.random.default_rng([11, 3, 1]).random(4))
    np.testing.assert_array_equal(training_rng(5, "augment", 2).random(4),
                                  np.random.default_rng([5, 2, 0xA06]).random(4))
    np.testing.assert_array_equal(training_rng(5, "split").random(4),
                                  np.random.default_rng([5, 17]).random(4))
    assert not np.array_equal(rng_for(11, 3, "sky").random(4), rng_for(11, 3, "xray").random(4))


def test_an_unknown_stream_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown pointing stream 'skies'"):
        rng_for(0, 0, "skies")
    with pytest.raises(ValueError, match="unknown training stream 'shuffle'"):
        training_rng(0, "shuffle")
