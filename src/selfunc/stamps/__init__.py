"""Candidate stamps for the CNN (Kosiba et al. 2020, §3.1 and Appendix A).

7′ × 7′ cutouts of the X-ray and optical images about each candidate, resampled to
356 × 356, normalised as XAmin does (Table A1 cut and inversion, Table A2 colours),
grey-scaled and stacked into the network's input (blue = optical, green = X-ray,
red = zeros by default); datasets in HDF5 and in the layout of the paper's public image set.
See ``docs/cnn.md``.
"""

from selfunc.config.load import load_stamp_config
from selfunc.config.stamps import BandConfig, CutConfig, StampConfig
from selfunc.stamps.composite import (CHANNEL_ORDERS, KINDS, PAPER, ZENODO, channel_order,
                                      compose, reorder)
from selfunc.stamps.cutout import cutout, resample
from selfunc.stamps.dataset import (CLUSTER_CLASSES, StampDataset, concatenate, read_dataset,
                                    write_dataset)
from selfunc.stamps.fitsio import read_image
from selfunc.stamps.make import band_stamp, candidate_ids, make_stamps
from selfunc.stamps.normalise import (FixedCuts, PercentileCuts, channel_rules, cut_invert,
                                      cut_strategy, grey, xamin_png)
from selfunc.stamps.public import is_public_folder, read_public, write_public

__all__ = [
    "KINDS", "PAPER", "ZENODO", "CHANNEL_ORDERS", "channel_order", "compose", "reorder",
    "StampConfig", "BandConfig", "CutConfig", "load_stamp_config",
    "cutout", "resample", "band_stamp", "make_stamps", "candidate_ids",
    "FixedCuts", "PercentileCuts", "cut_strategy", "cut_invert", "channel_rules", "xamin_png", "grey",
    "StampDataset", "read_dataset", "write_dataset", "concatenate", "CLUSTER_CLASSES",
    "read_public", "write_public", "is_public_folder", "read_image",
]
