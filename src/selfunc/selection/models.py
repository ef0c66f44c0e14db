"""Parametric models of a selection probability over catalogue variables.

One family covers both completeness and purity: a smooth transition in one *driving*
variable whose threshold and width move with other variables,

.. math::

    u &= \\log_{10}(x / x_0) ,\\qquad
    \\mu = \\mu_0 + \\sum_j \\mu_j\\, z_j ,\\qquad
    \\ln\\sigma = \\ln w_0 + \\sum_k \\ln w_k\\, z_k ,\\\\
    P &= a_{\\min} + (a_{\\max} - a_{\\min})\\, F\\!\\left(\\frac{u - \\mu}{\\sigma}\\right),

with :math:`F` the standard normal CDF (``link="erf"``, an error-function transition) or the
logistic function (``link="logistic"``). :math:`\\mu` and :math:`\\sigma` are in dex of the
driving variable and the :math:`z_j` are transformed covariates (:class:`Covariate`):
``log10`` → :math:`\\log_{10}(c / c_0)`, ``linear`` → :math:`c - c_0`,
``square`` → :math:`(c / c_0)^2` (zero on axis; vignetting raises the flux threshold roughly
as :math:`\\theta^2` near the axis), ``log10_sq`` → :math:`\\log_{10}^2(c / c_0)` (with the
``log10`` term of the same column, a threshold that is a parabola in log c: the C1 threshold
rises both for compact clusters, which look point-like, and for large ones, whose surface
brightness is low). :math:`a_{\\max} < 1` allows for sources lost whatever
their flux (masks, chip gaps, blends); :math:`a_{\\min} > 0` is a purity floor.

For completeness the driver is the true flux and the covariates the true core radius,
exposure and off-axis angle (Pacaud et al. 2006, Sect. 4, show the C1 probability is a
function of flux and core radius mainly). For purity the driver is the measured extent and
the threshold moves with the measured count rate. The likelihood of detection outcomes
:math:`y_i \\in \\{0, 1\\}` is Bernoulli over individual objects,
:math:`\\ln L = \\sum_i y_i \\ln P_i + (1 - y_i) \\ln(1 - P_i)`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import astropy.units as u
import numpy as np
from scipy.special import log_ndtr, ndtr

from selfunc.errors import SelfuncError

__all__ = [
    "Prior", "Covariate", "TransitionModel", "BernoulliLikelihood",
    "completeness_model", "purity_model", "COVARIATES",
]

_TRANSFORMS = ("log10", "linear", "square", "log10_sq")
_LINKS = ("erf", "logistic")


# ---------------------------------------------------------------- priors
@dataclass(frozen=True)
class Prior:
    """A one-dimensional prior: ``uniform`` on ``[a, b]``, or ``normal`` with mean ``a``, sd ``b``.
    """

    kind: str
    a: float
    b: float

    def __post_init__(self):
        if self.kind not in ("uniform", "normal"):
            raise ValueError(f"prior kind must be 'uniform' or 'normal', got {self.kind!r}")
        if not (math.isfinite(self.a) and math.isfinite(self.b)):
            raise ValueError("prior bounds must be finite")
        if self.kind == "uniform" and not self.a < self.b:
            raise ValueError(f"uniform prior needs a < b, got [{self.a}, {self.b}]")
        if self.kind == "normal" and not self.b > 0:
            raise ValueError(f"normal prior needs sd > 0, got {self.b}")

    @property
    def bounds(self) -> tuple[float | None, float | None]:
        return (self.a, self.b) if self.kind == "uniform" else (None, None)

    @property
    def centre(self) -> float:
        return 0.5 * (self.a + self.b) if self.kind == "uniform" else self.a

    def logpdf(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if self.kind == "uniform":
            inside = (x >= self.a) & (x <= self.b)
            return np.where(inside, -math.log(self.b - self.a), -np.inf)
        z = (x - self.a) / self.b
        return -0.5 * z * z - math.log(self.b * math.sqrt(2 * math.pi))

    def sample(self, rng: np.random.Generator, size=None) -> np.ndarray:
        if self.kind == "uniform":
            return rng.uniform(self.a, self.b, size)
        return rng.normal(self.a, self.b, size)

    def to_list(self) -> list:
        return [self.kind, float(self.a), float(self.b)]

    @classmethod
    def from_list(cls, v: Sequence) -> "Prior":
        return cls(str(v[0]), float(v[1]), float(v[2]))


# ---------------------------------------------------------------- covariates
@dataclass(frozen=True)
class Covariate:
    """A catalogue column entering a model through a fixed transform.

    Parameters
    ----------
    column : str
        Column name in the catalogue and keyword in :meth:`SelectionFunction.__call__`.
    unit : str
        Canonical unit (astropy string, ``""`` for dimensionless); quantities are converted
        to it, plain numbers are taken to be in it.
    transform : {'log10', 'linear', 'square', 'log10_sq'}
        ``log10(c/pivot)``, ``c - pivot``, ``(c/pivot)**2`` or ``log10(c/pivot)**2``.
    pivot : float
        Reference value, in ``unit``.
    name : str, optional
        The covariate's name in parameter names (``mu_<name>``); default ``column``. Two
        covariates of one column (``log10`` and ``log10_sq``) need different names.
    """

    column: str
    unit: str
    transform: str
    pivot: float
    name: str = ""

    def __post_init__(self):
        if self.transform not in _TRANSFORMS:
            raise ValueError(f"transform must be one of {_TRANSFORMS}, got {self.transform!r}")
        if self.transform in ("log10", "square", "log10_sq") and not self.pivot > 0:
            raise ValueError(f"{self.column}: pivot must be > 0 for transform {self.transform}")
        if not self.name:
            object.__setattr__(self, "name", self.column)

    @property
    def monotonic(self) -> bool:
        """Whether the feature is a monotonic function of the column (grids and
        inverses need one)."""
        return self.transform != "log10_sq"

    def values(self, x) -> np.ndarray:
        """``x`` as a float array in :attr:`unit` (quantities converted, numbers as given).

        Counts are a label, not a dimension: ``ct / s`` and ``1 / s`` are the same rate.
        """
        if isinstance(x, u.Quantity):
            target = u.Unit(self.unit)
            try:
                return np.asarray(x.to_value(target), dtype=float)
            except u.UnitConversionError:
                ratio = (x.unit / target).decompose()
                if set(ratio.bases) <= {u.ct}:
                    return np.asarray(x.value * ratio.scale, dtype=float)
                raise SelfuncError(
                    f"{self.column} is given in '{x.unit}', which does not convert to "
                    f"'{self.unit or 'dimensionless'}'") from None
        return np.asarray(x, dtype=float)

    def feature(self, x) -> np.ndarray:
        """The transformed value :math:`z` (see the module docstring)."""
        x = self.values(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.transform == "log10":
                return np.log10(x / self.pivot)
            if self.transform == "log10_sq":
                return np.log10(x / self.pivot) ** 2
            if self.transform == "linear":
                return x - self.pivot
            return (x / self.pivot) ** 2

    def inverse(self, z) -> np.ndarray:
        """Column value of a feature value (``square`` returns the non-negative root)."""
        z = np.asarray(z, dtype=float)
        if not self.monotonic:
            raise ValueError(f"{self.name}: transform {self.transform} has no inverse")
        if self.transform == "log10":
            return self.pivot * 10.0 ** z
        if self.transform == "linear":
            return z + self.pivot
        return self.pivot * np.sqrt(z)

    def valid(self, x) -> np.ndarray:
        """Rows whose feature is finite (log of a non-positive value is not)."""
        return np.isfinite(self.feature(x))

    def to_dict(self) -> dict:
        d = {"column": self.column, "unit": self.unit, "transform": self.transform,
             "pivot": float(self.pivot)}
        if self.name != self.column:
            d["name"] = self.name
        return d

    @classmethod
    def from_dict(cls, d: Mapping) -> "Covariate":
        return cls(str(d["column"]), str(d["unit"]), str(d["transform"]), float(d["pivot"]),
                   str(d.get("name", "")))


#: Covariates of the catalogue contract with sensible transforms and pivots.
COVARIATES: dict[str, Covariate] = {
    "flux": Covariate("flux", "erg / (s cm2)", "log10", 1e-14),
    "core_radius": Covariate("core_radius", "arcsec", "log10", 20.0),
    "core_radius_sq": Covariate("core_radius", "arcsec", "log10_sq", 20.0, "core_radius_sq"),
    "exposure": Covariate("exposure", "s", "log10", 1e4),
    "offaxis": Covariate("offaxis", "arcmin", "square", 10.0),
    "redshift": Covariate("redshift", "", "linear", 0.5),
    "rate": Covariate("rate", "ct / s", "log10", 0.01),
    "ext": Covariate("ext", "arcsec", "log10", 20.0),
    "background": Covariate("background", "", "log10", 1.0),
}


def _feature_text(c: Covariate) -> str:
    """The transformed covariate z of ``c`` as a formula with its pivot and unit."""
    unit = f" {c.unit}" if c.unit else ""
    return {"log10": f"log10({c.column} / {c.pivot:g}{unit})",
            "log10_sq": f"log10²({c.column} / {c.pivot:g}{unit})",
            "linear": f"({c.column} − {c.pivot:g}{unit})",
            "square": f"({c.column} / {c.pivot:g}{unit})²"}[c.transform]


# ---------------------------------------------------------------- the model
@dataclass(frozen=True)
class TransitionModel:
    """Error-function or logistic transition in a log driving variable (module docstring).

    Parameters
    ----------
    kind : str
        What the probability is: ``"completeness"`` or ``"purity"`` (labels only).
    driver : Covariate
        The transition variable; must use the ``log10`` transform.
    threshold, width : sequence of Covariate
        Covariates moving the threshold :math:`\\mu` and the log-width :math:`\\ln\\sigma`.
    link : {'erf', 'logistic'}
    ceiling, floor : bool
        Fit :math:`a_{\\max}` (else 1) and :math:`a_{\\min}` (else 0).
    priors : mapping of parameter name → Prior, optional
        Overrides of :meth:`default_prior`.
    """

    kind: str
    driver: Covariate
    threshold: tuple[Covariate, ...] = ()
    width: tuple[Covariate, ...] = ()
    link: str = "erf"
    ceiling: bool = True
    floor: bool = False
    priors: tuple[tuple[str, Prior], ...] = field(default=())

    def __post_init__(self):
        if self.link not in _LINKS:
            raise ValueError(f"link must be one of {_LINKS}, got {self.link!r}")
        if self.driver.transform != "log10":
            raise ValueError("the driving variable must use the log10 transform")
        object.__setattr__(self, "threshold", tuple(self.threshold))
        object.__setattr__(self, "width", tuple(self.width))
        for group in (self.threshold, self.width):
            names = [c.name for c in group]
            if (len(set(names)) != len(names) or self.driver.column in names
                    or self.driver.column in [c.column for c in group]):
                raise ValueError(f"covariates repeat or include the driver: {names}")
        given = dict(self.priors.items() if isinstance(self.priors, Mapping) else self.priors)
        unknown = set(given) - set(self.parameter_names)
        if unknown:
            raise ValueError(f"priors for unknown parameters {sorted(unknown)}; "
                             f"parameters are {list(self.parameter_names)}")
        full = tuple((n, given.get(n, self.default_prior(n))) for n in self.parameter_names)
        object.__setattr__(self, "priors", full)

    # -- parameters
    def describe(self, name: str) -> str:
        """What parameter ``name`` means, in words and units (the corner plots' legend)."""
        d = self.driver
        unit = f" {d.unit}" if d.unit else ""
        z = {c.name: _feature_text(c) for c in (*self.threshold, *self.width)}
        if name == "mu0":
            return f"mu0: 50 % point, log10({d.column} / {d.pivot:g}{unit}) [dex], at the pivots"
        if name == "lnw0":
            return f"lnw0: ln of the width σ of the transition [σ in dex of {d.column}]"
        if name.startswith("mu_") and name[3:] in z:
            return f"{name}: shift of the 50 % point [dex] per unit {z[name[3:]]}"
        if name.startswith("lnw_") and name[4:] in z:
            return f"{name}: change of ln σ per unit {z[name[4:]]}"
        if name == "amax":
            return f"amax: plateau, the largest probability (objects lost whatever their {d.column})"
        if name == "amin":
            return "amin: floor, the smallest probability"
        raise ValueError(f"{name!r} is not a parameter of this model ({list(self.parameter_names)})")

    @property
    def parameter_names(self) -> tuple[str, ...]:
        names = ["mu0"] + [f"mu_{c.name}" for c in self.threshold]
        names += ["lnw0"] + [f"lnw_{c.name}" for c in self.width]
        if self.ceiling:
            names.append("amax")
        if self.floor:
            names.append("amin")
        return tuple(names)

    @property
    def ndim(self) -> int:
        return len(self.parameter_names)

    @staticmethod
    def default_prior(name: str) -> Prior:
        """Weakly informative defaults, in dex of the driver (``mu*``), ln dex (``lnw*``).

        ``mu0 ~ N(0, 1)`` lets the 50 % point lie anywhere within ±2 dex of the pivot,
        ``lnw0 ~ N(ln 0.2, 1)`` widths from 0.03 to 1.5 dex, slopes ``N(0, 1)`` per unit
        feature, ``amax, amin ~ U(0, 1)``.
        """
        if name == "mu0":
            return Prior("normal", 0.0, 1.0)
        if name == "lnw0":
            return Prior("normal", math.log(0.2), 1.0)
        if name in ("amax", "amin"):
            return Prior("uniform", 0.0, 1.0)
        return Prior("normal", 0.0, 1.0)

    @property
    def prior_map(self) -> dict[str, Prior]:
        return dict(self.priors)

    @property
    def variables(self) -> tuple[Covariate, ...]:
        """Distinct columns the model reads, driver first, each as a monotonic covariate
        (a column entering only through ``log10_sq`` is given its ``log10`` form), so that
        grids over them and their inverses are defined."""
        out = [self.driver]
        for c in sorted(self.threshold + self.width, key=lambda c: not c.monotonic):
            if c.column not in [o.column for o in out]:
                out.append(c if c.monotonic else Covariate(c.column, c.unit, "log10", c.pivot))
        return tuple(out)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c.column for c in self.variables)

    def with_priors(self, **priors: Prior) -> "TransitionModel":
        merged = self.prior_map | priors
        return TransitionModel(self.kind, self.driver, self.threshold, self.width, self.link,
                               self.ceiling, self.floor, tuple(merged.items()))

    # -- prior
    def log_prior(self, theta: np.ndarray) -> np.ndarray:
        """Log prior of parameter vectors ``theta`` (shape ``(..., ndim)``)."""
        theta = np.asarray(theta, dtype=float)
        lp = np.zeros(theta.shape[:-1])
        for i, (_, prior) in enumerate(self.priors):
            lp = lp + prior.logpdf(theta[..., i])
        if self.ceiling and self.floor:
            amax = theta[..., self.parameter_names.index("amax")]
            amin = theta[..., self.parameter_names.index("amin")]
            lp = np.where(amin < amax, lp, -np.inf)
        return lp

    def sample_prior(self, rng: np.random.Generator, size: int | None = None) -> np.ndarray:
        """Draws from the prior (rejecting ``amin >= amax``), shape ``(size, ndim)``."""
        n = 1 if size is None else int(size)
        out = np.empty((0, self.ndim))
        while len(out) < n:
            draw = np.column_stack([p.sample(rng, n) for _, p in self.priors])
            out = np.vstack([out, draw[np.isfinite(self.log_prior(draw))]])
        out = out[:n]
        return out[0] if size is None else out

    # -- evaluation
    def _split(self, theta: np.ndarray):
        """Parameter blocks of ``theta`` (..., ndim) → (mu, lnw, amax, amin)."""
        k, l = len(self.threshold), len(self.width)
        mu = theta[..., : 1 + k]
        lnw = theta[..., 1 + k: 2 + k + l]
        i = 2 + k + l
        amax = theta[..., i] if self.ceiling else np.ones(theta.shape[:-1])
        amin = theta[..., i + self.ceiling] if self.floor else np.zeros(theta.shape[:-1])
        return mu, lnw, amax, amin

    def features(self, values: Mapping) -> tuple[np.ndarray, list, list]:
        """Driver feature and covariate features of ``values`` (column → array), broadcast."""
        missing = [c for c in self.columns if c not in values]
        if missing:
            raise SelfuncError(
                f"the {self.kind} model needs {', '.join(missing)} "
                f"(it reads {', '.join(self.columns)})")
        used = {c.name: c for c in (self.driver, *self.threshold, *self.width)}
        feats = {n: c.feature(values[c.column]) for n, c in used.items()}
        arrays = np.broadcast_arrays(*feats.values())
        feats = dict(zip(feats, arrays))
        return (feats[self.driver.name], [feats[c.name] for c in self.threshold],
                [feats[c.name] for c in self.width])

    def probability(self, theta, values: Mapping) -> np.ndarray:
        """:math:`P` for parameters ``theta`` at ``values``.

        Parameters
        ----------
        theta : array, shape ``(ndim,)`` or ``(S, ndim)``
        values : mapping column → array-like (quantities accepted), broadcast together.

        Returns
        -------
        array of shape ``broadcast`` or ``(S,) + broadcast``.
        """
        theta = np.asarray(theta, dtype=float)
        if theta.shape[-1] != self.ndim or theta.ndim > 2:
            raise ValueError(f"theta must have shape (ndim,) or (S, ndim) with ndim={self.ndim}")
        uu, zt, zw = self.features(values)
        mu, lnw, amax, amin = self._split(theta)
        # Parameters get trailing axes so that S draws broadcast against the data shape.
        expand = (slice(None),) * (theta.ndim - 1) + (None,) * uu.ndim
        m = mu[..., 0][expand] + sum(mu[..., j + 1][expand] * z for j, z in enumerate(zt))
        s = lnw[..., 0][expand] + sum(lnw[..., j + 1][expand] * z for j, z in enumerate(zw))
        t = (uu - m) * np.exp(-s)
        f = ndtr(t) if self.link == "erf" else 0.5 * (1.0 + np.tanh(0.5 * t))
        return amin[expand] + (amax - amin)[expand] * f

    def simulate(self, theta, values: Mapping, rng: np.random.Generator) -> np.ndarray:
        """Bernoulli outcomes drawn with probability :meth:`probability` (one draw per row)."""
        p = self.probability(theta, values)
        return rng.random(p.shape) < p

    # -- serialisation
    def to_dict(self) -> dict:
        return {
            "class": "TransitionModel", "kind": self.kind, "link": self.link,
            "driver": self.driver.to_dict(),
            "threshold": [c.to_dict() for c in self.threshold],
            "width": [c.to_dict() for c in self.width],
            "ceiling": bool(self.ceiling), "floor": bool(self.floor),
            "priors": {n: p.to_list() for n, p in self.priors},
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, d: Mapping) -> "TransitionModel":
        if d.get("class") != "TransitionModel":
            raise SelfuncError(f"unknown selection model class {d.get('class')!r}; "
                               "expected 'TransitionModel'")
        return cls(
            kind=d["kind"], driver=Covariate.from_dict(d["driver"]),
            threshold=tuple(Covariate.from_dict(c) for c in d["threshold"]),
            width=tuple(Covariate.from_dict(c) for c in d["width"]),
            link=d["link"], ceiling=bool(d["ceiling"]), floor=bool(d["floor"]),
            priors=tuple((n, Prior.from_list(p)) for n, p in d["priors"].items()),
        )


def _covariates(names: Sequence[str]) -> tuple[Covariate, ...]:
    out = []
    for n in names:
        if isinstance(n, Covariate):
            out.append(n)
        elif n in COVARIATES:
            out.append(COVARIATES[n])
        else:
            raise SelfuncError(f"unknown covariate {n!r}; known: {', '.join(COVARIATES)} "
                               "(or pass a Covariate)")
    return tuple(out)


def completeness_model(
    threshold: Sequence[str] = ("core_radius", "exposure", "offaxis"),
    width: Sequence[str] | None = None,
    *, link: str = "erf", ceiling: bool = True, priors: Mapping[str, Prior] | None = None,
) -> TransitionModel:
    """P(selected | true flux, core radius, exposure, off-axis): transition in log flux.

    ``width`` defaults to the threshold covariates. Pivots: 10⁻¹⁴ erg s⁻¹ cm⁻², 20″, 10 ks,
    10′ (see :data:`COVARIATES`).
    """
    threshold = _covariates(threshold)
    width = threshold if width is None else _covariates(width)
    return TransitionModel("completeness", COVARIATES["flux"], threshold, width, link,
                           ceiling=ceiling, floor=False, priors=tuple((priors or {}).items()))


def purity_model(
    threshold: Sequence[str] = ("rate",), width: Sequence[str] | None = None,
    *, link: str = "erf", ceiling: bool = True, floor: bool = False,
    priors: Mapping[str, Prior] | None = None,
) -> TransitionModel:
    """P(true cluster | selected, measured extent, count rate): transition in log extent.

    Point-like impostors (AGN, pairs, stars) crowd at small fitted extents, so purity rises
    with ``ext``; brighter sources have better-measured extents, hence the rate terms.
    A selection with an extent cut (C1, C2: ext > 5″) never sees the lower asymptote, so
    ``floor`` is off by default: a free floor is then degenerate with the threshold and
    width.
    """
    threshold = _covariates(threshold)
    width = threshold if width is None else _covariates(width)
    return TransitionModel("purity", COVARIATES["ext"], threshold, width, link,
                           ceiling=ceiling, floor=floor, priors=tuple((priors or {}).items()))


# ---------------------------------------------------------------- likelihood
class BernoulliLikelihood:
    """:math:`\\ln L(\\theta) = \\sum_i y_i \\ln P_i + (1 - y_i) \\ln (1 - P_i)`, batched.

    The design matrices are built once; :meth:`__call__` takes a batch of parameter vectors
    (emcee's ``vectorize=True``) so that one BLAS product serves all walkers. Rows are sorted
    with the successes first so that each row needs a single ``log F`` evaluation:
    :math:`\\ln P = \\ln(a_{\\min} + (a_{\\max} - a_{\\min}) F(t))` and
    :math:`\\ln(1 - P) = \\ln((1 - a_{\\max}) + (a_{\\max} - a_{\\min}) F(-t))`, both by
    ``logaddexp`` so that neither underflows in the tails.
    """

    def __init__(self, model: TransitionModel, values: Mapping, outcome):
        self.model = model
        y = np.asarray(outcome).astype(bool).ravel()
        uu, zt, zw = model.features(values)
        uu = uu.ravel()
        if uu.shape != y.shape:
            raise SelfuncError(f"{len(y)} outcomes for {uu.size} objects")
        bad = ~np.isfinite(uu)
        for z in zt + zw:
            bad |= ~np.isfinite(z.ravel())
        if bad.any():
            raise SelfuncError(
                f"{int(bad.sum())} of {len(y)} objects have non-finite or non-positive "
                f"{', '.join(model.columns)}; drop them before fitting")
        order = np.argsort(~y, kind="stable")
        self.n1 = int(y.sum())
        self.n = len(y)
        self.u = uu[order]
        self.Zt = np.column_stack([np.ones(self.n)] + [z.ravel()[order] for z in zt])
        self.Zw = np.column_stack([np.ones(self.n)] + [z.ravel()[order] for z in zw])
        self.sign = np.where(np.arange(self.n) < self.n1, 1.0, -1.0)

    def _logF(self, x: np.ndarray) -> np.ndarray:
        if self.model.link == "erf":
            return log_ndtr(x)
        return -np.logaddexp(0.0, -x)

    def __call__(self, theta: np.ndarray) -> np.ndarray:
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        mu, lnw, amax, amin = self.model._split(theta)
        t = mu @ self.Zt.T                     # (M, N)
        np.subtract(self.u, t, out=t)
        t *= np.exp(-(lnw @ self.Zw.T))
        t *= self.sign                         # +t for successes, -t for failures
        lf = self._logF(t)
        n1 = self.n1
        if not (self.model.ceiling or self.model.floor):
            return lf.sum(axis=1)
        with np.errstate(divide="ignore"):
            lrange = np.log(amax - amin)[:, None]
            lo1 = np.log(amin)[:, None]
            lo0 = np.log1p(-amax)[:, None]
        if self.model.floor:
            ll = np.logaddexp(lo1, lrange + lf[:, :n1]).sum(axis=1)
        else:  # a_min = 0: ln P = ln a_max + ln F(t), no logaddexp needed
            ll = n1 * lrange[:, 0] + lf[:, :n1].sum(axis=1)
        if self.model.ceiling:
            ll += np.logaddexp(lo0, lrange + lf[:, n1:]).sum(axis=1)
        else:  # a_max = 1: ln(1 - P) = ln(1 - a_min) + ln F(-t)
            ll += (self.n - n1) * lrange[:, 0] + lf[:, n1:].sum(axis=1)
        return ll
