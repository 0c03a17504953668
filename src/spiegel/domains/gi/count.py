"""Count one GI delivery the way its spiegelrapport does (SPEC §4.5): stands and flows at this GI with start ``s``
and end ``t`` (SPEC §4.4), per type (with its groups and total) and gemeente, for trajecten and jongeren, and the
breakdowns — reasons for ending, the JR end items, transfers, duration, age classes and the machtigingen.

For a period P = [F, L], on the records of one record set (all flags imply *actief*):

================================ =====================================================================
beginstand                        ``s`` < F and (``t`` empty or ``t`` ≥ F)
instroom                          F ≤ ``s`` ≤ L; *gestart* (no ``datum_overgedragen_gekregen``) or
                                  *overgedragen_gekregen*
uitstroom                         F ≤ ``t`` ≤ L; *beeindigd* (``t`` = ``datum_einde``) or *overgedragen*
eindstand                         ``s`` ≤ L and (``t`` empty or ``t`` > L)
lopend_laatste_dag                ``s`` ≤ L and (``t`` empty or ``t`` ≥ L) — not part of the identity
================================ =====================================================================

so beginstand + instroom − uitstroom = eindstand holds for trajecten in every cell (:func:`identity_holds`). A
record without a valid ``s`` is not active and not counted (it is a finding of the validation).

Every table is a long :class:`spiegel.count.CountTable` with columns ``gemeente``, ``gemeentenaam``,
``categorie``, ``label`` and count columns ``trajecten_<flag>`` and ``jongeren_<flag>`` (declared, so protection
works cell by cell); ``gemeente`` is ``totaal`` for the GI as a whole. Identifiers never leave the facts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from spiegel import codes as shared_codes
from spiegel import count as primitives
from spiegel import dates
from spiegel.count import TOTAAL, Counts, CountTable
from spiegel.domains.gi.facts import Facts
from spiegel.periods import Period

FLOW_FLAGS = ("beginstand", "instroom", "gestart", "overgedragen_gekregen", "uitstroom", "beeindigd",
              "overgedragen", "eindstand", "lopend_laatste_dag")
UNITS = ("trajecten", "jongeren")
JR_TYPES = ("41", "42", "50", "51", "61", "62", "63")
LEEG = "leeg"


def facts_of(delivery: Any, period: Period) -> dict[str, Facts]:
    """The facts of every record set of a delivery (positions 0..n-1)."""
    layout = delivery.layout
    if len(delivery.sets) == 1:
        plain = delivery.with_frames({n: (s.frame.reset_index(drop=True), s.raw.reset_index(drop=True))
                                      for n, s in delivery.sets.items()})
        return {layout.sets[0].naam: Facts(plain, period, layout)}
    return {name: Facts(s.__class__(s.naam, s.frame.reset_index(drop=True), s.raw.reset_index(drop=True), s.layout,
                                    s.bron), period, layout)
            for name, s in delivery.sets.items()}


def flow_flags(f: Facts) -> dict[str, np.ndarray]:
    """The flags of the module docstring, per record."""
    s, t = f.s, f.t
    first, last = f.first_day, f.last_day
    has_s = ~np.isnat(s)
    running = np.isnat(t)
    actief = has_s & (s <= last) & (running | (t >= first))
    instroom = actief & (s >= first)
    uitstroom = actief & ~running & (t <= last)
    return {
        "actief": actief,
        "beginstand": actief & (s < first),
        "instroom": instroom,
        "gestart": instroom & ~f.taken_over,
        "overgedragen_gekregen": instroom & f.taken_over,
        "uitstroom": uitstroom,
        "beeindigd": uitstroom & f.ended,
        "overgedragen": uitstroom & ~f.ended,
        "eindstand": actief & ~uitstroom,
        "lopend_laatste_dag": actief & (running | (t >= last)),
    }


def _gemeente_labels(values: np.ndarray, day) -> tuple[list[str], np.ndarray, list[str]]:
    ordered, index = primitives.gemeente_index(values)
    names = shared_codes.gemeente_names(day)
    labels = ["Totaal" if g == TOTAAL else "Onbekend" if g == primitives.ONBEKEND else names.get(g, g)
              for g in ordered]
    return ordered, index, labels


def tally_table(f: Facts, members: np.ndarray, categories: Sequence[tuple[str, str]], flags: Mapping[str, np.ndarray],
                *, gemeente: bool = True) -> pd.DataFrame:
    """Records and distinct youths per (gemeente, category) and flag. ``members``: rows × slots of category
    positions (−1 none); every row also counts in the gemeente ``totaal``."""
    n_cat = len(categories)
    flag_names = list(flags)
    if gemeente:
        ordered, gem_index, gem_labels = _gemeente_labels(f.gemeente_code, f.period.last_day)
    else:
        ordered, gem_index, gem_labels = [TOTAAL], np.zeros(f.n, dtype=np.int64), ["Totaal"]
    n_cells = len(ordered) * n_cat
    matrix = np.column_stack([flags[k] for k in flag_names]) if f.n else np.zeros((0, len(flag_names)), dtype=bool)
    if f.n:
        rows, cells = primitives.expand(gem_index, members, n_cat)
        if not gemeente:
            half = len(rows) // 2
            rows, cells = rows[half:], cells[half:]
        person = pd.factorize(f.person_id)[0].astype(np.int64)
        records, persons = primitives.tally(rows, cells, matrix, person, n_cells)
    else:
        records = persons = np.zeros((n_cells, len(flag_names)), dtype=np.int64)
    out: dict[str, object] = {
        "gemeente": np.repeat(np.array(ordered, dtype=object), n_cat),
        "gemeentenaam": np.repeat(np.array(gem_labels, dtype=object), n_cat),
        "categorie": np.tile(np.array([c for c, _ in categories], dtype=object), len(ordered)),
        "label": np.tile(np.array([lab for _, lab in categories], dtype=object), len(ordered)),
    }
    for j, name in enumerate(flag_names):
        out[f"trajecten_{name}"] = records[:, j]
        out[f"jongeren_{name}"] = persons[:, j]
    return primitives.frame(out)


def count_columns(flags: Sequence[str]) -> tuple[str, ...]:
    return tuple(f"{u}_{k}" for k in flags for u in UNITS)


def type_hierarchy(f: Facts, *, total: str, total_label: str, exclude_groups: Sequence[str] = ()) \
        -> tuple[list[tuple[str, str]], np.ndarray]:
    """Categories total → group → type (from the code lists ``type_maatregel``/``type_groep``, or the machtigingen)
    and the rows × 3 membership (total, group, type); a type of an excluded group is in no total."""
    codes = f.layout.codes
    column = f.layout.record_set(f.set_name).column(f.col("type_maatregel"))
    type_list = codes.code_list(column.codelijst)
    groups = type_list.groups()
    categories: list[tuple[str, str]] = [(total, total_label)]
    position: dict[str, int] = {}
    group_position: dict[str, int] = {}
    if any(groups.values()):
        for group in codes.code_list("type_groep").codes:
            if group.code in exclude_groups:
                continue
            group_position[group.code] = len(categories)
            categories.append((f"groep_{group.code}", group.label))
            for code in type_list.codes:
                if groups.get(code.code) == group.code:
                    position[code.code] = len(categories)
                    categories.append((code.code, code.label))
    else:
        for code in type_list.codes:
            position[code.code] = len(categories)
            categories.append((code.code, code.label))
    type_pos = np.array([position.get(v, -1) for v in f.type_code] or [], dtype=np.int64)
    group_pos = np.array([group_position.get(groups.get(v) or "", -1) for v in f.type_code] or [], dtype=np.int64)
    total_pos = np.where(type_pos >= 0, 0, -1)
    return categories, np.column_stack([total_pos, group_pos, type_pos]) if f.n else np.zeros((0, 3), np.int64)


def single_category(f: Facts, values: np.ndarray, categories: Sequence[tuple[str, str]]) -> np.ndarray:
    position = {c: i for i, (c, _) in enumerate(categories)}
    return np.array([position.get(v, -1) for v in values] or [], dtype=np.int64).reshape(-1, 1)


def flows_table(f: Facts, categories, members, description: str) -> CountTable:
    flags = flow_flags(f)
    frame = tally_table(f, members, categories, {k: flags[k] for k in FLOW_FLAGS})
    return CountTable(frame, count_columns(FLOW_FLAGS), description=description)


def reasons_table(f: Facts, groups: Mapping[str, Sequence[str]], description: str) -> CountTable:
    """Among the *beeindigd* records, per type group and reason (code list ``reden_beeindiging``), with leeg."""
    flags = flow_flags(f)
    reasons = f.layout.codes.code_list("reden_beeindiging")
    categories: list[tuple[str, str]] = []
    values = np.empty(f.n, dtype=object)
    reason = np.asarray(f.item("reden_beeindiging"), dtype=object)
    for group, types in groups.items():
        in_group = f.type_in(set(types))
        allowed = [c for c in reasons.codes if set(str(c.get("typen") or " ".join(types)).split()) & set(types)]
        for c in allowed:
            categories.append((f"{group}:{c.code}", c.label))
        categories.append((f"{group}:{LEEG}", "Leeg of ongeldig"))
        known = {c.code for c in allowed}
        values[in_group] = [f"{group}:{r}" if r in known else f"{group}:{LEEG}" for r in reason[in_group]]
    members = single_category(f, values, categories)
    frame = tally_table(f, members, categories, {"beeindigd": flags["beeindigd"]})
    return CountTable(frame, count_columns(("beeindigd",)), description=description)


def transfers_table(f: Facts, categories, members, description: str) -> CountTable:
    """Overgedragen gekregen (F ≤ gekregen ≤ L) and overgedragen (F ≤ overgedragen ≤ L) per type."""
    gekregen, over = f.day("datum_overgedragen_gekregen"), f.day("datum_overgedragen")
    in_p = lambda d: ~np.isnat(d) & (d >= f.first_day) & (d <= f.last_day)  # noqa: E731
    flags = {"overgedragen_gekregen": f.taken_over & in_p(gekregen),
             "overgedragen": f.handed_over & in_p(over)}
    frame = tally_table(f, members, categories, flags)
    return CountTable(frame, count_columns(tuple(flags)), description=description)


def duration_table(f: Facts, categories, members, description: str, *, over_3_months: Sequence[str] = ()) \
        -> CountTable:
    """Duration in days of the *beeindigd* records per type and gemeente: ``duur`` (datum_einde − datum_aanvang, only
    records with datum_aanvang that were not taken over) and ``duur_bij_gi`` (datum_einde − datum_overgedragen_gekregen,
    records taken over); for the types ``over_3_months`` also the number that ran three months or longer."""
    flags = flow_flags(f)
    ended = flags["beeindigd"]
    end = f.day("datum_einde")
    start = f.day("datum_aanvang")
    own = ended & ~f.taken_over & ~np.isnat(start)
    taken = ended & f.taken_over
    total = np.where(own, (end - start).astype("timedelta64[D]").astype(np.float64), np.nan)
    at_gi = np.where(taken, (end - f.s).astype("timedelta64[D]").astype(np.float64), np.nan)
    long = own & f.type_in(set(over_3_months)) & (end >= dates.add_months(start, 3))
    n_cat = len(categories)
    ordered, gem_index, gem_labels = _gemeente_labels(f.gemeente_code, f.period.last_day)
    n_cells = len(ordered) * n_cat
    rows, cells = primitives.expand(gem_index, members, n_cat) if f.n else (np.zeros(0, np.int64),) * 2
    out: dict[str, object] = {
        "gemeente": np.repeat(np.array(ordered, dtype=object), n_cat),
        "gemeentenaam": np.repeat(np.array(gem_labels, dtype=object), n_cat),
        "categorie": np.tile(np.array([c for c, _ in categories], dtype=object), len(ordered)),
        "label": np.tile(np.array([lab for _, lab in categories], dtype=object), len(ordered)),
    }
    for name, values in (("duur", total), ("duur_bij_gi", at_gi)):
        number, mean, median = primitives.cell_statistics(cells, values[rows], n_cells)
        out[f"{name}_aantal"], out[f"{name}_gemiddelde"], out[f"{name}_mediaan"] = number, mean, median
    out["langer_dan_3_maanden"] = np.bincount(cells[long[rows]], minlength=n_cells).astype(np.int64)
    dependent = {f"{n}_{s}": f"{n}_aantal" for n in ("duur", "duur_bij_gi") for s in ("gemiddelde", "mediaan")}
    return CountTable(primitives.frame(out), ("duur_aantal", "duur_bij_gi_aantal", "langer_dan_3_maanden"),
                      dependent=dependent, description=description)


def age_classes(f: Facts) -> np.ndarray:
    """The age class per record (code list ``leeftijdsklasse``, with ``van``/``tot``): age in full years on
    min(``t``, L); ``ongeboren`` for an unborn child when the list has it, else ``onbekend``."""
    classes = f.layout.codes.code_list("leeftijdsklasse")
    day = np.where(np.isnat(f.t) | (f.t > f.last_day), f.last_day, f.t)
    birth = f.geboorte
    out = np.full(f.n, "onbekend", dtype=object)
    ok = ~np.isnat(birth) & ~np.isnat(day)
    if ok.any():
        age = dates.age_at(birth[ok], day[ok].astype("datetime64[D]"))
        labels = np.full(ok.sum(), "onbekend", dtype=object)
        for c in classes.codes:
            if c.get("van") is not None:
                labels[(age >= int(c.get("van"))) & (age < int(c.get("tot")))] = c.code
        out[ok] = labels
    if "ongeboren" in classes.values:
        out[f.ongeboren] = "ongeboren"
    return out


def age_table(f: Facts, description: str, only: np.ndarray | None = None) -> CountTable:
    classes = f.layout.codes.code_list("leeftijdsklasse")
    categories = [(c.code, c.label) for c in classes.codes]
    members = single_category(f, age_classes(f), categories)
    flags = flow_flags(f)
    chosen = {k: flags[k] & (only if only is not None else True) for k in ("instroom", "eindstand")}
    frame = tally_table(f, members, categories, chosen)
    return CountTable(frame, count_columns(tuple(chosen)), description=description)


def with_previous(table: CountTable, previous: CountTable | None, column: str = "trajecten_eindstand") -> CountTable:
    """Add ``vorige_<column>`` (the previous period's value of the same cell; 0 when the cell is new)."""
    if previous is None:
        return table
    keys = ["gemeente", "categorie"]
    prev = previous.frame[[*keys, column]].rename(columns={column: f"vorige_{column}"})
    frame = table.frame.merge(prev, on=keys, how="left")
    frame[f"vorige_{column}"] = frame[f"vorige_{column}"].fillna(0).astype(np.int64)
    return CountTable(frame, (*table.counts, f"vorige_{column}"), dict(table.dependent), table.exempt,
                      dict(table.differences), table.description)


def only_gemeente(tables: Mapping[str, CountTable], gemeente: str) -> dict[str, CountTable]:
    """An extract: the rows of one gemeente (tables without a gemeente breakdown are left out)."""
    out = {}
    for name, table in tables.items():
        frame = table.frame
        if (frame["gemeente"] != TOTAAL).any() or gemeente == TOTAAL:
            part = frame[frame["gemeente"].to_numpy() == gemeente].reset_index(drop=True)
            out[name] = table.with_frame(part)
    return out


def identity_holds(table: pd.DataFrame) -> bool:
    """beginstand + instroom − uitstroom = eindstand for trajecten in every row, and instroom = gestart +
    overgedragen gekregen, uitstroom = beëindigd + overgedragen."""
    t = {k: table[f"trajecten_{k}"].to_numpy() for k in FLOW_FLAGS}
    return bool(np.all(t["beginstand"] + t["instroom"] - t["uitstroom"] == t["eindstand"])
                and np.all(t["instroom"] == t["gestart"] + t["overgedragen_gekregen"])
                and np.all(t["uitstroom"] == t["beeindigd"] + t["overgedragen"]))


def result(period: Period, tables: Mapping[str, CountTable]) -> Counts:
    return Counts(period, dict(tables))
