"""Source classes of XAmin / XXL (Faccioli et al. 2018, XXL XXIV, Table 8) [V].

=========  ===========================================================================
C1         EXT > 5″ and EXT_STAT > 33 and EXT_DET_STAT > 32 (negligible contamination)
C2         EXT > 5″ and EXT_STAT > 15 (and not C1; ~50 % contamination)
AC         EPN_EXT > 5″ and ((EXT_STAT_EXT > 20 and EXT_STAT_PNT > 20) or EXT_STAT_PNT > 100)
P1         PNT_DET_STAT > 30 and (EXT < 3″ or EXT_STAT = 0)
double     DBL_STAT > EXT_STAT, among sources that a point does not describe
           (EXT_STAT or DBL_STAT above the C2 threshold, 15)
=========  ===========================================================================

Here EXT_STAT = ``ext_ml``, EXT_DET_STAT = ``ext_det_ml``, PNT_DET_STAT = ``det_ml``,
DBL_STAT = ``dbl_ml``, EPN_EXT = ``pe_ext``, EXT_STAT_EXT = ``pe_ext_ml``, EXT_STAT_PNT =
``pe_pnt_ml`` (Cash differences, see :mod:`selfunc.detect.characterise`). Thresholds come
from :class:`selfunc.config.models.DetectionConfig`.
"""

from __future__ import annotations

import numpy as np

from selfunc.config.models import DetectionConfig

__all__ = ["classify"]


def classify(t, cfg: DetectionConfig) -> dict[str, np.ndarray]:
    """Boolean class columns for a candidate table ``t``."""
    ext = np.asarray(t["ext"], float)
    ext_ml = np.asarray(t["ext_ml"], float)
    c1 = (ext > cfg.c1_ext) & (ext_ml > cfg.c1_ext_ml) & (np.asarray(t["ext_det_ml"]) > cfg.c1_ext_det_ml)
    c2 = (ext > cfg.c2_ext) & (ext_ml > cfg.c2_ext_ml) & ~c1
    pe_ext_ml = np.asarray(t["pe_ext_ml"], float)
    pe_pnt_ml = np.asarray(t["pe_pnt_ml"], float)
    ac = (np.asarray(t["pe_ext"], float) > cfg.ac_ext) & (
        ((pe_ext_ml > cfg.ac_stat) & (pe_pnt_ml > cfg.ac_stat)) | (pe_pnt_ml > cfg.ac_pnt_alone))
    p1 = (np.asarray(t["det_ml"], float) > cfg.p1_det_ml) & ((ext < cfg.p1_ext) | (ext_ml <= 0))
    dbl_ml = np.asarray(t["dbl_ml"], float)
    dbl = (dbl_ml > ext_ml) & (np.maximum(dbl_ml, ext_ml) > cfg.c2_ext_ml)
    return {"C1": c1, "C2": c2, "AC": ac, "P1": p1, "double": dbl}
