"""Count one GI's jeugdreclassering delivery for one quarter (SPEC §4.5): the flow tables of the jeugdreclassering
(41–63, with its groups and total) and, separately, of the preventief justitieel kader (31); the JR end items among
the ended records (risicoprofiel, doorverwijzing, erkende interventie); reasons for ending of PJK; transfers;
duration; age classes. The tables and their conditions are those of spiegel.domains.gi.count."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from spiegel.count import Counts, CountTable
from spiegel.domains.gi import count as gi
from spiegel.periods import Period

DESCRIPTIONS = {
    "stromen": "Jeugdreclassering bij de GI: beginstand, instroom (gestart, overgedragen gekregen), uitstroom "
               "(beëindigd, overgedragen), eindstand en lopend op de laatste dag, per type en gemeente",
    "stromen_pjk": "Preventief justitieel kader (31), apart van de jeugdreclassering: dezelfde stromen",
    "einde": "Beëindigde jeugdreclassering: risicoprofiel bij einde, doorverwijzing naar zorg, erkende interventie",
    "reden_beeindiging": "Beëindigd preventief justitieel kader per reden",
    "overdrachten": "Overdrachten tussen GI's per type: overgedragen gekregen en overgedragen in de periode",
    "duur": "Duur van beëindigde jeugdreclassering en PJK in dagen per type (bij overname: duur bij deze GI)",
    "leeftijd": "Jeugdreclassering: instroom en eindstand per leeftijdsklasse",
}
END_ITEMS = ("drp_einde", "zorg_einde", "erkende_interventie")


def tables_of(delivery: Any, period: Period) -> dict[str, CountTable]:
    f = gi.facts_of(delivery, period)["jr"]
    categories, members = gi.type_hierarchy(f, total="totaal", total_label="Totaal jeugdreclassering",
                                            exclude_groups=("pjk",))
    pjk_categories = [("31", f.layout.codes.code_list("type_maatregel").label("31"))]
    pjk_members = gi.single_category(f, f.type_code, pjk_categories)
    all_categories = [*categories, *pjk_categories]
    all_members = np.column_stack([members, np.where(pjk_members[:, 0] >= 0, len(categories), -1)]) if f.n else \
        np.zeros((0, 4), dtype=np.int64)
    return {
        "stromen": gi.flows_table(f, categories, members, DESCRIPTIONS["stromen"]),
        "stromen_pjk": gi.flows_table(f, pjk_categories, pjk_members, DESCRIPTIONS["stromen_pjk"]),
        "einde": _end_items(f),
        "reden_beeindiging": gi.reasons_table(f, {"pjk": ("31",)}, DESCRIPTIONS["reden_beeindiging"]),
        "overdrachten": gi.transfers_table(f, all_categories, all_members, DESCRIPTIONS["overdrachten"]),
        "duur": gi.duration_table(f, all_categories, all_members, DESCRIPTIONS["duur"]),
        "leeftijd": gi.age_table(f, DESCRIPTIONS["leeftijd"], only=f.type_in(set(gi.JR_TYPES))),
    }


def _end_items(f) -> CountTable:
    """Among the *beeindigd* records of types 41–63: each end item per code and leeg (an invalid code counts as
    leeg). The share erkende interventie is ``erkende_interventie:01`` / (``:01`` + ``:02``)."""
    codes = f.layout.codes
    ended = gi.flow_flags(f)["beeindigd"] & f.type_in(set(gi.JR_TYPES))
    categories: list[tuple[str, str]] = []
    columns = []
    for item in END_ITEMS:
        lst = codes.code_list(item)
        start = len(categories)
        categories += [(f"{item}:{c.code}", f"{lst.titel}: {c.label}") for c in lst.codes]
        categories.append((f"{item}:{gi.LEEG}", f"{lst.titel}: leeg"))
        position = {c.code: start + i for i, c in enumerate(lst.codes)}
        empty = start + len(lst.codes)
        columns.append(np.array([position.get(v, empty) for v in f.item(item)] or [], dtype=np.int64))
    members = np.column_stack(columns) if f.n else np.zeros((0, len(END_ITEMS)), dtype=np.int64)
    members = np.where(ended[:, None], members, -1) if f.n else members
    frame = gi.tally_table(f, members, categories, {"beeindigd": ended})
    return CountTable(frame, gi.count_columns(("beeindigd",)), description=DESCRIPTIONS["einde"])


def count_report(
    delivery: Any,
    period: Period,
    *,
    history: Sequence[tuple[Period, Any]] = (),
    previous: Any | None = None,
    gemeente: str | None = None,
) -> Counts:
    """The domain's count function (see spiegel.domains.jb.count.count_report); ``previous`` is the previous
    quarter's delivery."""
    tables = tables_of(delivery, period)
    if previous is not None:
        before = tables_of(previous, period.previous())
        for name in ("stromen", "stromen_pjk"):
            tables[name] = gi.with_previous(tables[name], before[name])
    if gemeente is not None:
        tables = gi.only_gemeente(tables, gemeente)
    return gi.result(period, tables)
