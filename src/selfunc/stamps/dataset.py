"""Stamp datasets: images, labels, candidate ids and provenance, in memory and in HDF5.

A :class:`StampDataset` holds, for N candidates, the 8-bit RGB PNG of each band
(``xray_rgb``, ``optical_rgb``: Table A2 of Kosiba et al. 2020), or, for image sets that
come as ready composites (the paper's public set), the three-channel ``composite`` with the
channel order it was made in. Every kind of network input
(:data:`selfunc.stamps.composite.KINDS`) is derived from these on demand by
:meth:`StampDataset.inputs`.

HDF5 layout (``format = "selfunc-stamps"``, ``version = 1``)::

    /ids          (N,) UTF-8 strings, candidate ids
    /labels       (N,) UTF-8 strings, one of CLASSES, or "" when unlabelled
    /xray_rgb     (N, H, W, 3) uint8, gzip   ┐ when made from images
    /optical_rgb  (N, H, W, 3) uint8, gzip   ┘
    /composite    (N, H, W, 3) uint8, gzip     when read from composites
    attrs: format, version, classes (JSON), composite_order (JSON, with /composite),
           provenance (JSON)
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import h5py
import numpy as np

from selfunc.errors import SelfuncError
from selfunc.io import atomic_path
from selfunc.match import CLASSES
from selfunc.stamps.composite import PAPER, channel_order, compose, n_channels
from selfunc.stamps.normalise import grey

__all__ = ["StampDataset", "write_dataset", "read_dataset", "concatenate", "CLUSTER_CLASSES",
           "FORMAT"]

FORMAT = "selfunc-stamps"
VERSION = 1
#: The classes that make the binary "cluster" class (§2.4: low- and high-redshift clusters).
CLUSTER_CLASSES = ("low-z", "hi-z")


def _as_str(values) -> np.ndarray:
    out = np.asarray([v.decode() if isinstance(v, bytes) else str(v) for v in values], dtype=str)
    return out.astype(str) if out.size else np.zeros(0, dtype="U1")


@dataclasses.dataclass(frozen=True, eq=False)
class StampDataset:
    """N labelled stamps; see the module docstring for the fields."""

    ids: np.ndarray
    labels: np.ndarray
    xray_rgb: np.ndarray | None = None
    optical_rgb: np.ndarray | None = None
    composite: np.ndarray | None = None
    composite_order: tuple[str, str, str] | None = None
    provenance: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        ids, labels = _as_str(self.ids), np.char.strip(_as_str(self.labels))
        object.__setattr__(self, "ids", ids)
        object.__setattr__(self, "labels", labels)
        n = len(ids)
        if len(labels) != n:
            raise ValueError(f"StampDataset: {n} ids but {len(labels)} labels")
        bad = sorted(set(labels.tolist()) - set(CLASSES) - {""})
        if bad:
            raise ValueError(f"StampDataset: unknown label(s) {bad}; expected {', '.join(CLASSES)}")
        arrays = {"xray_rgb": self.xray_rgb, "optical_rgb": self.optical_rgb,
                  "composite": self.composite}
        if all(a is None for a in arrays.values()):
            raise ValueError("StampDataset: no images (give xray_rgb, optical_rgb or composite)")
        shapes = set()
        for name, a in arrays.items():
            if a is None:
                continue
            a = np.asarray(a)
            if a.dtype != np.uint8 or a.ndim != 4 or a.shape[0] != n or a.shape[-1] != 3:
                raise ValueError(f"StampDataset: {name} must be uint8 of shape (N={n}, H, W, 3), "
                                 f"got {a.dtype} {a.shape}")
            shapes.add(a.shape[1:3])
            object.__setattr__(self, name, a)
        if len(shapes) > 1:
            raise ValueError(f"StampDataset: images differ in size: {sorted(shapes)}")
        if self.composite is not None:
            if self.composite_order is None:
                raise ValueError("StampDataset: a composite needs its composite_order")
            object.__setattr__(self, "composite_order", channel_order(self.composite_order))
        if len(set(ids.tolist())) != n:
            raise ValueError("StampDataset: candidate ids are not unique")

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def shape(self) -> tuple[int, int]:
        """(H, W) of the stamps."""
        for a in (self.xray_rgb, self.optical_rgb, self.composite):
            if a is not None:
                return a.shape[1:3]
        raise AssertionError("unreachable")

    @property
    def is_cluster(self) -> np.ndarray:
        return np.isin(self.labels, CLUSTER_CLASSES)

    @property
    def labelled(self) -> bool:
        return bool(len(self)) and bool(np.all(self.labels != ""))

    def grey(self, band: str) -> np.ndarray | None:
        """The grey image of ``band`` ('xray' or 'optical'), ``uint8`` (N, H, W), or None."""
        rgb = self.xray_rgb if band == "xray" else self.optical_rgb
        if rgb is not None:
            return grey(rgb)
        if self.composite is not None:
            return self.composite[..., self.composite_order.index(band)]
        return None

    @property
    def kinds(self) -> tuple[str, ...]:
        """The input kinds this dataset can give."""
        out = []
        x = self.xray_rgb is not None or self.composite is not None
        o = self.optical_rgb is not None or self.composite is not None
        if x and o:
            out.append("composite")
        if x:
            out.append("xray")
        if o:
            out.append("optical")
        if self.xray_rgb is not None and self.optical_rgb is not None:
            out.append("six")
        return tuple(out)

    def inputs(self, kind: str = "composite", order=PAPER) -> np.ndarray:
        """Network inputs of ``kind`` (uint8, (N, H, W, C)) in channel ``order``."""
        n_channels(kind)
        if kind not in self.kinds:
            raise ValueError(f"this dataset cannot give input '{kind}' (it has "
                             f"{', '.join(self.kinds) or 'nothing'})")
        if kind == "six":
            return compose("six", xray_rgb=self.xray_rgb, optical_rgb=self.optical_rgb)
        return compose(kind, xray_grey=self.grey("xray") if kind != "optical" else None,
                       optical_grey=self.grey("optical") if kind != "xray" else None,
                       order=order)

    def subset(self, index) -> "StampDataset":
        index = np.asarray(index)

        def pick(a):
            return None if a is None else a[index]

        return StampDataset(ids=self.ids[index], labels=self.labels[index],
                            xray_rgb=pick(self.xray_rgb), optical_rgb=pick(self.optical_rgb),
                            composite=pick(self.composite), composite_order=self.composite_order,
                            provenance=dict(self.provenance))


def concatenate(datasets, provenance: dict | None = None) -> StampDataset:
    """One dataset from several with the same arrays (e.g. the pointings of a campaign)."""
    datasets = list(datasets)
    if not datasets:
        raise ValueError("concatenate: no dataset")
    first = datasets[0]

    def cat(name):
        arrays = [getattr(d, name) for d in datasets]
        if all(a is None for a in arrays):
            return None
        if any(a is None for a in arrays):
            raise ValueError(f"concatenate: some datasets have no {name}")
        return np.concatenate(arrays)

    orders = {d.composite_order for d in datasets}
    if len(orders) > 1:
        raise ValueError(f"concatenate: composites in different channel orders {orders}")
    prov = dict(provenance) if provenance is not None else {
        "parts": [d.provenance for d in datasets]}
    return StampDataset(ids=np.concatenate([d.ids for d in datasets]),
                        labels=np.concatenate([d.labels for d in datasets]),
                        xray_rgb=cat("xray_rgb"), optical_rgb=cat("optical_rgb"),
                        composite=cat("composite"), composite_order=first.composite_order,
                        provenance=prov)


def write_dataset(ds: StampDataset, path: str | Path) -> Path:
    """Write ``ds`` to an HDF5 file, atomically."""
    path = Path(path)
    text = h5py.string_dtype("utf-8")
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as f:
            f.attrs["format"] = FORMAT
            f.attrs["version"] = VERSION
            f.attrs["classes"] = json.dumps(list(CLASSES))
            f.attrs["provenance"] = json.dumps(ds.provenance, default=str)
            f.create_dataset("ids", data=ds.ids.astype(object), dtype=text)
            f.create_dataset("labels", data=ds.labels.astype(object), dtype=text)
            for name in ("xray_rgb", "optical_rgb", "composite"):
                a = getattr(ds, name)
                if a is None:
                    continue
                f.create_dataset(name, data=a, compression="gzip", compression_opts=4,
                                 shuffle=True, chunks=(1, *a.shape[1:]) if len(a) else None)
            if ds.composite is not None:
                f.attrs["composite_order"] = json.dumps(list(ds.composite_order))
    return path


def read_dataset(path: str | Path) -> StampDataset:
    """Read a dataset written by :func:`write_dataset`."""
    path = Path(path)
    if not path.is_file():
        raise SelfuncError(f"{path}: stamp dataset not found")
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise SelfuncError(f"{path}: cannot read as HDF5 ({exc})") from None
    with f:
        if f.attrs.get("format") != FORMAT:
            raise SelfuncError(f"{path}: not a selfunc stamp dataset (attribute format = "
                               f"{f.attrs.get('format')!r}, expected {FORMAT!r})")
        version = int(f.attrs.get("version", -1))
        if version != VERSION:
            raise SelfuncError(f"{path}: stamp dataset version {version}, this selfunc reads "
                               f"{VERSION}")
        arrays = {name: f[name][()] for name in ("xray_rgb", "optical_rgb", "composite")
                  if name in f}
        order = json.loads(f.attrs["composite_order"]) if "composite_order" in f.attrs else None
        try:
            return StampDataset(ids=f["ids"][()], labels=f["labels"][()], composite_order=order,
                                provenance=json.loads(f.attrs.get("provenance", "{}")),
                                **arrays)
        except ValueError as exc:
            raise SelfuncError(f"{path}: {exc}") from None
