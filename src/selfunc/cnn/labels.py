"""Training labels other than the truth: a binary label from another screener (the
volunteers' weighted vote, for the paper's CN-Z / MN-Z networks, §5.1 and Table 5).

Stamps carry five-class labels; a binary network reads "cluster" as ``low-z`` or ``hi-z``
(:data:`selfunc.stamps.dataset.CLUSTER_CLASSES`). :func:`relabel_binary` gives each stamp
the other screener's class while keeping its label wherever the two agree, so a binary
network trains on the screener's verdicts exactly; a stamp the screener calls a cluster but
is none becomes ``low-z``, one it calls a non-cluster but is a cluster becomes ``other``.
Five-class training on such labels is refused (the screener says only cluster or not).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from selfunc.errors import SelfuncError
from selfunc.stamps.dataset import CLUSTER_CLASSES, StampDataset

__all__ = ["relabel_binary"]


def relabel_binary(ds: StampDataset, ids, is_cluster, *, source: str = "volunteers") -> StampDataset:
    """``ds`` with binary labels from ``(ids, is_cluster)``; stamps without one are dropped.

    Returns the dataset with ``provenance["labels"] = source`` and the counts of changed
    labels in ``provenance["relabelled"]``.
    """
    verdict = dict(zip(np.asarray(ids).astype(str).tolist(), np.asarray(is_cluster, bool).tolist()))
    keep = np.array([i in verdict for i in ds.ids.tolist()], dtype=bool)
    if not keep.any():
        raise SelfuncError(f"no stamp has a {source} label (ids do not match)")
    sub = ds.subset(np.flatnonzero(keep))
    says = np.array([verdict[i] for i in sub.ids.tolist()], dtype=bool)
    truth = np.isin(sub.labels, CLUSTER_CLASSES)
    labels = sub.labels.copy()
    labels[says & ~truth] = "low-z"
    labels[~says & truth] = "other"
    prov = dict(sub.provenance, labels=source,
                relabelled={"to_cluster": int((says & ~truth).sum()),
                            "to_non_cluster": int((~says & truth).sum()),
                            "dropped": int((~keep).sum())})
    return dataclasses.replace(sub, labels=labels, provenance=prov)
