"""Protection of small numbers (SPEC §8): the LAST step before a count is displayed or exported.

A policy is one function that turns exact non-negative integer counts into what may be shown: an ``int``
or the string ``"."`` (geheim, ``spiegel.formats.SECRET``). Policies live in the registry
:data:`POLICIES`; adding one is adding one decorated function::

    @policy("mijnbeleid", "Zin in het Nederlands voor de voorpagina van het rapport.")
    def _mijnbeleid(values: np.ndarray) -> np.ndarray: ...

Rules that hold for every policy:

- Totals are computed from the exact data (``spiegel.count`` does that) and protected like any other cell,
  so protected rows need not add up to the protected total.
- Percentages are computed from *protected* counts with :func:`share`, which gives ``"."`` when the part or
  the whole is secret; differences between periods with :func:`difference`.
- A value that depends on a count (a mean duration next to its number of trajectories) is hidden when that
  count is secret: pass it in ``dependent`` of :func:`protect_table`.

The ``cbs`` policy rounds every count to the nearest multiple of 5 and shows 0 up to and including 7 as
``"."``. Counts are integers, so there are no ties: 8 and 9 become 10, 10–12 become 10, 13–17 become 15.
The smallest number ever shown is therefore 10, never 5; a shown 10 stands for 8–12.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from spiegel.formats import SECRET

if TYPE_CHECKING:
    from spiegel.count import Counts, CountTable

PolicyFunction = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Policy:
    name: str
    description: str  # Dutch sentence for the report's front page
    apply: PolicyFunction


POLICIES: dict[str, Policy] = {}

CBS_ROUNDING_BASE = 5
CBS_SECRET_UP_TO = 7  # counts 0..7 inclusive are shown as "."


def policy(name: str, description: str) -> Callable[[PolicyFunction], PolicyFunction]:
    """Register a policy function under ``name`` with its Dutch description.

    The function gets a 1-d ``int64`` array of exact counts (never negative) and returns an object array of
    the same length holding ``int`` or ``"."``.
    """

    def register(function: PolicyFunction) -> PolicyFunction:
        if name in POLICIES:
            raise ValueError(f"protection policy {name!r} is already registered")
        POLICIES[name] = Policy(name, description, function)
        return function

    return register


@policy(
    "exact",
    "Alle aantallen zijn exact, zoals geleverd: dit rapport geeft de aanbieder de eigen gegevens terug en is "
    "niet bedoeld voor verspreiding buiten de eigen organisatie.",
)
def _exact(values: np.ndarray) -> np.ndarray:
    return values.astype(object)  # int64 → Python ints


@policy(
    "cbs",
    "Kleine aantallen zijn beveiligd volgens de regel van het CBS: elk aantal is afgerond op een veelvoud van "
    "5 en aantallen van 0 tot en met 7 zijn vervangen door een punt (.). Totalen zijn berekend uit de exacte "
    "gegevens en daarna afgerond, zodat de rijen niet altijd optellen tot het totaal; percentages zijn "
    "berekend uit de afgeronde aantallen.",
)
def _cbs(values: np.ndarray) -> np.ndarray:
    rounded = (values + CBS_ROUNDING_BASE // 2) // CBS_ROUNDING_BASE * CBS_ROUNDING_BASE
    out = rounded.astype(object)
    out[values <= CBS_SECRET_UP_TO] = SECRET
    return out


def get_policy(name: str) -> Policy:
    try:
        return POLICIES[name]
    except KeyError:
        from spiegel.errors import ParameterError

        raise ParameterError(
            f"beveiligingsbeleid {name!r} bestaat niet; kies uit: {', '.join(sorted(POLICIES))}"
        ) from None


def describe_policy(name: str) -> str:
    """The Dutch sentence that the report's front page shows for this policy."""
    return get_policy(name).description


def protect_values(values: Iterable[object], policy_name: str) -> list[object]:
    """Protect a sequence of exact counts; missing values (None/NA) stay ``None``."""
    return _protect_array(np.array(list(values), dtype=object), policy_name).tolist()


def protect_series(values: pd.Series, policy_name: str) -> pd.Series:
    """A new object Series: protected counts (int or ``"."``); NA stays missing (``None``, shown as ``-``)."""
    return pd.Series(_protect_array(values.to_numpy(dtype=object), policy_name), index=values.index, dtype=object)


def _protect_array(values: np.ndarray, policy_name: str) -> np.ndarray:
    chosen = get_policy(policy_name)
    if values.dtype.kind in "iu":  # the common case: exact int64 counts straight from spiegel.count
        if (values < 0).any():
            raise ValueError("protection applies to non-negative integer counts only")
        return chosen.apply(values.astype(np.int64))
    out = np.full(values.shape, None, dtype=object)
    missing = pd.isna(values)
    if missing.all():
        return out
    present = values[~missing]
    if (present == SECRET).any() or any(isinstance(v, str) for v in present[:1]):
        raise ValueError("these counts are already protected; protect exact counts only")
    numeric = present.astype(np.float64)
    if (numeric < 0).any() or (numeric != np.round(numeric)).any():
        raise ValueError("protection applies to non-negative integer counts only")
    out[~missing] = chosen.apply(numeric.astype(np.int64))
    return out


def protect_table(
    df: pd.DataFrame,
    policy_name: str,
    count_columns: Iterable[str],
    *,
    dependent: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """A new frame in which every cell of ``count_columns`` is an ``int`` or ``"."`` under the policy
    (dtype ``object``; a missing value stays ``None``).

    ``dependent`` maps value columns to the count column they were computed from (``{"gemiddelde":
    "trajecten"}``): such a value becomes ``"."`` where its count is secret and is otherwise kept as it is.
    Other columns are copied unchanged.
    """
    columns = list(count_columns)
    protected: dict[str, np.ndarray] = {}
    if columns:
        block = np.column_stack([df[column].to_numpy() for column in columns])
        result = _protect_array(block.ravel(), policy_name).reshape(block.shape)
        protected = {column: result[:, i] for i, column in enumerate(columns)}
    for column, count_column in (dependent or {}).items():
        values = df[column].to_numpy(dtype=object).copy()
        values[_secret_mask(protected[count_column] if count_column in protected else df[count_column])] = SECRET
        protected[column] = values
    if not protected:
        return df.copy()
    replaced = pd.DataFrame(protected, index=df.index, dtype=object)
    names = list(df.columns)
    if names[len(names) - len(protected) :] == list(protected):  # the usual layout: counts last, in order
        return pd.concat([df.iloc[:, : len(names) - len(protected)], replaced], axis=1)
    out = pd.concat([df.drop(columns=list(protected)), replaced], axis=1)
    return out[names]


def _secret_mask(values: object) -> np.ndarray:
    array = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else np.asarray(values, dtype=object)
    return np.array([isinstance(v, str) and v == SECRET for v in array], dtype=bool)


def is_secret(values: pd.Series) -> pd.Series:
    """Boolean Series: which protected cells are ``"."``."""
    return pd.Series(_secret_mask(values), index=values.index)


def _is_secret_scalar(value: object) -> bool:
    return isinstance(value, str) and value == SECRET


def _is_missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def share(part: object, whole: object) -> object:
    """``part / whole`` of protected counts as a fraction (format with ``fmt_pct``); ``"."`` when either is
    secret; ``nan`` when the whole is 0 or missing. Works on scalars and on aligned Series."""
    if isinstance(part, pd.Series) or isinstance(whole, pd.Series):
        parts, wholes, index = _aligned(part, whole)
        return pd.Series([share(p, w) for p, w in zip(parts, wholes, strict=True)], index=index, dtype=object)
    if _is_secret_scalar(part) or _is_secret_scalar(whole):
        return SECRET
    if _is_missing(part) or _is_missing(whole) or float(whole) == 0:  # type: ignore[arg-type]
        return float("nan")
    return float(part) / float(whole)  # type: ignore[arg-type]


def difference(new: object, old: object) -> object:
    """``new − old`` of protected counts; ``"."`` when either is secret; ``None`` when either is missing.
    Works on scalars and on aligned Series."""
    if isinstance(new, pd.Series) or isinstance(old, pd.Series):
        news, olds, index = _aligned(new, old)
        return pd.Series([difference(n, o) for n, o in zip(news, olds, strict=True)], index=index, dtype=object)
    if _is_secret_scalar(new) or _is_secret_scalar(old):
        return SECRET
    if _is_missing(new) or _is_missing(old):
        return None
    return int(new) - int(old)  # type: ignore[call-overload]


def _aligned(a: object, b: object) -> tuple[list[object], list[object], pd.Index]:
    """The values of ``a`` and ``b`` as Python objects, ``b`` aligned on ``a``'s index (a scalar repeated),
    and that index. Lists, not object Series: a handful of Series per call cost ~0.2 ms, ~7 calls a report."""
    if isinstance(a, pd.Series) and isinstance(b, pd.Series):
        return a.tolist(), b.reindex(a.index).tolist(), a.index
    if isinstance(a, pd.Series):
        return a.tolist(), [b] * len(a), a.index
    assert isinstance(b, pd.Series)
    return [a] * len(b), b.tolist(), b.index


def protect_counts(counts: Counts, policy_name: str) -> Counts:
    """Every table of a :class:`spiegel.count.Counts` protected under the policy (same shapes and columns), by
    what each :class:`~spiegel.count.CountTable` declares: count cells become ``int`` or ``"."``; dependent values
    are hidden where their count is secret; exempt rows stay exact; differences are recomputed from the protected
    counts with :func:`difference`."""
    tables = {name: protect_count_table(table, policy_name) for name, table in counts.tables.items()}
    return counts.with_tables(tables, get_policy(policy_name).name)


def protect_count_table(table: CountTable, policy_name: str) -> CountTable:
    if table.exempt is None and not table.differences:
        return table.with_frame(protect_table(table.frame, policy_name, table.counts, dependent=table.dependent))
    frame = table.frame
    exempt = (frame[table.exempt[0]].isin(table.exempt[1]).to_numpy() if table.exempt is not None
              else np.zeros(len(frame), dtype=bool))
    shown: dict[str, np.ndarray] = {}
    for column in table.counts:
        exact = frame[column].to_numpy(dtype=object, na_value=None)
        protected = _protect_array(exact, policy_name)
        protected[exempt] = exact[exempt]
        shown[column] = protected
    for column, count_column in table.dependent.items():
        values = frame[column].to_numpy(dtype=object).copy()
        values[_secret_mask(shown[count_column])] = SECRET
        shown[column] = values
    for column, (new, old) in table.differences.items():
        shown[column] = np.array([difference(a, b) for a, b in zip(shown[new], shown[old], strict=True)], dtype=object)
    protected_frame = pd.DataFrame(
        {c: pd.Series(shown[c], dtype=object, copy=False) if c in shown else frame[c].to_numpy()
         for c in frame.columns},
        index=frame.index,
    )
    return table.with_frame(protected_frame)
