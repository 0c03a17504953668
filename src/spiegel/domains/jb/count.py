"""Count one GI's jeugdbescherming delivery for one half-year (SPEC §4.5): the flow tables of the maatregelen and
the machtigingen, reasons for ending, transfers, duration, age classes, and the share of (V)OTS youths with a
machtiging uithuisplaatsing. The tables and their conditions are those of spiegel.domains.gi.count."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from spiegel.count import Counts, CountTable
from spiegel.domains.gi import count as gi
from spiegel.periods import Period

DESCRIPTIONS = {
    "stromen": "Maatregelen bij de GI: beginstand, instroom (gestart, overgedragen gekregen), uitstroom (beëindigd, "
               "overgedragen), eindstand en lopend op de laatste dag, per type en gemeente; trajecten en jongeren",
    "reden_beeindiging": "Beëindigde maatregelen per reden: (V)OTS 01–07, voogdij 11–15",
    "voorlopige_voogdij_gevolgd": "Voorlopige voogdij (22) gevolgd door voogdij (21) van dezelfde jeugdige",
    "overdrachten": "Overdrachten tussen GI's per type: overgedragen gekregen en overgedragen in de periode",
    "duur": "Duur van beëindigde maatregelen in dagen per type en gemeente (vanaf datum aanvang; bij overname: duur "
            "bij deze GI)",
    "leeftijd": "Instroom en eindstand per leeftijdsklasse (leeftijd op het einde bij de GI, uiterlijk de laatste dag)",
    "machtigingen": "Machtigingen (71 gesloten plaatsing, 72 uithuisplaatsing): beginstand, instroom, uitstroom, "
                    "eindstand per type en gemeente",
    "ots_met_machtiging": "Jongeren in de eindstand (V)OTS, van wie met een machtiging uithuisplaatsing (72) in de "
                          "eindstand",
}
REASON_GROUPS = {"ots": ("11", "12"), "voogdij": ("21", "22", "23")}


def tables_of(delivery: Any, period: Period) -> dict[str, CountTable]:
    sets = gi.facts_of(delivery, period)
    f, m = sets["jb"], sets["muhp"]
    categories, members = gi.type_hierarchy(f, total="totaal", total_label="Totaal jeugdbescherming")
    tables = {
        "stromen": gi.flows_table(f, categories, members, DESCRIPTIONS["stromen"]),
        "reden_beeindiging": gi.reasons_table(f, REASON_GROUPS, DESCRIPTIONS["reden_beeindiging"]),
        "voorlopige_voogdij_gevolgd": _vv_followed(f),
        "overdrachten": gi.transfers_table(f, categories, members, DESCRIPTIONS["overdrachten"]),
        "duur": gi.duration_table(f, categories, members, DESCRIPTIONS["duur"], over_3_months=("12",)),
        "leeftijd": gi.age_table(f, DESCRIPTIONS["leeftijd"]),
    }
    m_categories, m_members = gi.type_hierarchy(m, total="totaal", total_label="Totaal machtigingen")
    tables["machtigingen"] = gi.flows_table(m, m_categories, m_members, DESCRIPTIONS["machtigingen"])
    tables["ots_met_machtiging"] = _ots_with_72(f, m)
    return tables


def _vv_followed(f) -> CountTable:
    """The 22 records that end on the day before, or the day of, the start of a 21 record of the same youth (SPEC
    §4.3, Decision), among the *beeindigd* records."""
    flags = gi.flow_flags(f)
    end = f.day("datum_einde")
    vv = flags["beeindigd"] & f.type_in({"22"}) & ~f.ongeboren
    starts: dict[int, list] = {}
    for i in np.flatnonzero(f.type_in({"21"}) & ~np.isnat(f.s) & ~f.ongeboren):
        starts.setdefault(int(f.person_id[i]), []).append(f.s[i])
    followed = np.zeros(f.n, dtype=bool)
    for i in np.flatnonzero(vv):
        followed[i] = any(0 <= int((s - end[i]).astype(np.int64)) <= 1 for s in starts.get(int(f.person_id[i]), []))
    categories = [("22_beeindigd", "Voorlopige voogdij beëindigd"), ("22_gevolgd_door_21", "waarvan gevolgd door "
                                                                                           "voogdij")]
    members = np.column_stack([np.where(vv, 0, -1), np.where(followed, 1, -1)]) if f.n else np.zeros((0, 2), int)
    frame = gi.tally_table(f, members, categories, {"beeindigd": flags["beeindigd"]})
    return CountTable(frame, gi.count_columns(("beeindigd",)), description=DESCRIPTIONS["voorlopige_voogdij_gevolgd"])


def _ots_with_72(f, m) -> CountTable:
    """Per gemeente (of the (V)OTS record): distinct youths in the (V)OTS eindstand, and those of them who also
    have a 72 machtiging in the eindstand (matched by person; unborn children are youths of their own)."""
    ots_end = gi.flow_flags(f)["eindstand"] & f.type_in({"11", "12"})
    m_end = gi.flow_flags(m)["eindstand"] & m.type_in({"72"})
    with_72 = set(m.person_id[m_end].tolist())
    has = ots_end & np.isin(f.person_id, list(with_72))
    categories = [("ots_eindstand", "Jongeren in de eindstand (V)OTS"),
                  ("ots_met_72", "waarvan met machtiging uithuisplaatsing")]
    members = np.column_stack([np.where(ots_end, 0, -1), np.where(has, 1, -1)]) if f.n else np.zeros((0, 2), int)
    frame = gi.tally_table(f, members, categories, {"eindstand": ots_end})
    frame = frame.drop(columns=["trajecten_eindstand"])
    return CountTable(frame, ("jongeren_eindstand",), description=DESCRIPTIONS["ots_met_machtiging"])


def count_report(
    delivery: Any,
    period: Period,
    *,
    history: Sequence[tuple[Period, Any]] = (),
    previous: Any | None = None,
    gemeente: str | None = None,
) -> Counts:
    """The domain's count function: the exact counts of one report. ``previous``: the GI's delivery of the previous
    half-year (its eindstand beside this one's, ``vorige_trajecten_eindstand``); ``gemeente``: only that gemeente's
    rows (an extract). ``history`` is accepted for the seam and not needed."""
    tables = tables_of(delivery, period)
    if previous is not None:
        before = tables_of(previous, period.previous())
        for name in ("stromen", "machtigingen"):
            tables[name] = gi.with_previous(tables[name], before[name])
    if gemeente is not None:
        tables = gi.only_gemeente(tables, gemeente)
    return gi.result(period, tables)



