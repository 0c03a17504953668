"""Logic checks of the Veilig Thuis rule set (rules with ``soort: logica`` in ``rules.yaml``, SPEC §5.7 and the
decisions of §5.7a).

Each function gets a :class:`~spiegel.validate.context.Context`: ``ctx.sets`` holds the
:class:`~spiegel.domains.vt.facts.Facts` of every record set, ``ctx.prev_sets`` those of the previous period's
delivery, ``ctx.history`` those of every earlier delivery of the organisation (links may cross deliveries). A check
returns a boolean mask over the rows of the rule's ``set``, or :class:`~spiegel.validate.engine.Hit`\\ s that name
their record set (one rule, several sets). Code, severity and message live in the YAML; only the decision is here.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from spiegel.domains.vt import werkdagen
from spiegel.domains.vt.facts import IDENTIFIERS, NORM_DAYS, NORM_WORKING_DAYS, Facts, Links
from spiegel.formats import fmt_int, fmt_pct
from spiegel.read import list_codes_not_in
from spiegel.validate.context import Context
from spiegel.validate.engine import Hit, logic

ITEM_SETS = ("adviezen", "meldingen", "onderzoeken")
KM_AANLEIDING = ("06", "07", "08")
KM_UITKOMST = ("04", "05", "06")
HG_UITKOMST = ("01", "02", "03")
VOORTIJDIG = ("07", "08", "09")
BEVESTIGD = ("03", "06")
PERSON_ITEMS = ("bsn", "geboortedatum", "geslacht")


def links(ctx: Context) -> Links:
    """The delivery's links, made once per validation."""
    if "links" not in ctx.memo:
        ctx.memo["links"] = Links(ctx.sets, list(ctx.history))
    return ctx.memo["links"]


def _hit(facts: Facts, mask: np.ndarray, columns: Iterable[str] | None = None, toelichting: str | None = None
         ) -> list[Hit]:
    if not mask.any():
        return []
    return [Hit(facts.rij[mask], tuple(columns) if columns is not None else None, toelichting,
                gegevensset=facts.set_name)]


def _sets(ctx: Context, names: Iterable[str]) -> list[Facts]:
    return [ctx.sets[n] for n in names]


def _codes(ctx: Context, name: str) -> tuple[str, ...]:
    return ctx.sets["personen"].layout.codes.code_list(name).values


# --- bestand ---------------------------------------------------------------------------------------------


def _ignored(facts: Facts) -> list[tuple[int, str]]:
    """(position, normalised name) of the header's columns that are not in the layout."""
    return list(zip(facts.delivery.ignored_columns, facts.delivery.ignored_names, strict=True))


@logic("VT-F03")
def unknown_columns(ctx: Context) -> list[Hit]:
    hits = []
    for name, facts in ctx.sets.items():
        positions = [p for p, col in _ignored(facts) if not (name == "adviezen" and col in PERSON_ITEMS)]
        if positions:
            hits.append(Hit(np.zeros(0, dtype=np.int64), (), "kolom op positie " + ", ".join(map(str, positions)),
                            gegevensset=name))
    return hits


@logic("VT-F04")
def empty_sets(ctx: Context) -> list[Hit]:
    return [Hit(np.zeros(0, dtype=np.int64), (), gegevensset=name) for name, facts in ctx.sets.items() if facts.n == 0]


# --- velden ----------------------------------------------------------------------------------------------


@logic("VT-V01")
def bsn_invalid(ctx: Context) -> np.ndarray:
    return ctx.sets["personen"].bsn_status == "ongeldig"


DATE_COLUMNS = {"meldingen": ("datum_melding", "datum_triagebesluit"),
                "onderzoeken": ("datum_start_onderzoek", "datum_afronding_onderzoek")}


@logic("VT-V02")
def dates_invalid(ctx: Context) -> list[Hit]:
    hits = []
    for name, columns in DATE_COLUMNS.items():
        facts = ctx.sets[name]
        for column in columns:
            hits += _hit(facts, ~facts.empty(column) & np.isnat(facts.day(column)), (column,))
    persons = ctx.sets["personen"]
    hits += _hit(persons, persons.geboorte_status == "ongeldig", ("geboortedatum",))
    return hits


CODE_COLUMNS = (("adviezen", "hoedanigheid"), ("meldingen", "hoedanigheid"), ("meldingen", "vervolg"),
                ("personen", "geslacht"))


@logic("VT-V03")
def codes_unknown(ctx: Context) -> list[Hit]:
    hits = []
    for name, column in CODE_COLUMNS:
        facts = ctx.sets[name]
        allowed = set(facts.layout.codes.code_list(facts.record_layout.column(column).codelijst).values)
        values = facts.values(column)
        hits += _hit(facts, np.asarray([v != "" and v not in allowed for v in values.tolist()] or [], dtype=bool),
                     (column,))
    return hits


@logic("VT-V04")
def flags_invalid(ctx: Context) -> list[Hit]:
    hits = []
    for name in ITEM_SETS:
        facts = ctx.sets[name]
        for item, options in facts.items.items():
            for code in options:
                column = f"{item}_{code}"
                values = facts.values(column)
                hits += _hit(facts, np.asarray([v not in ("", "0", "1") for v in values.tolist()] or [], dtype=bool),
                             (column,))
        for column in facts.record_layout.lijsten:
            if column.naam in facts.raw.columns:
                hits += _hit(facts, list_codes_not_in(facts.text(column.naam), column.opties), (column.naam,))
    return hits


@logic("VT-V05")
def hoedanigheid_empty(ctx: Context) -> list[Hit]:
    return [h for facts in _sets(ctx, ("adviezen", "meldingen")) for h in _hit(facts, facts.empty("hoedanigheid"))]


REQUIRED = {"adviezen": ("advies_id",), "meldingen": ("melding_id", "datum_melding"),
            "onderzoeken": ("onderzoeksnummer", "datum_start_onderzoek"),
            "personen": ("bsn", "geboortedatum", "geslacht")}


@logic("VT-V07")
def required_empty(ctx: Context) -> list[Hit]:
    return [h for name, columns in REQUIRED.items() for column in columns
            for h in _hit(ctx.sets[name], ctx.sets[name].empty(column), (column,))]


# --- consistentie: meldingen -----------------------------------------------------------------------------


def _melding_days(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    m = ctx.sets["meldingen"]
    return m.day("datum_melding"), m.day("datum_triagebesluit")


@logic("VT-K01")
def triage_before_melding(ctx: Context) -> np.ndarray:
    melding, triage = _melding_days(ctx)
    return triage < melding


def triage_working_days(ctx: Context) -> np.ndarray:
    if "werkdagen" not in ctx.memo:
        ctx.memo["werkdagen"] = werkdagen.between(*_melding_days(ctx))
    return ctx.memo["werkdagen"]


@logic("VT-K02")
def triage_late(ctx: Context) -> np.ndarray:
    return triage_working_days(ctx) > NORM_WORKING_DAYS


@logic("VT-K03")
def melding_long_before_triage(ctx: Context) -> np.ndarray:
    from spiegel.dates import years_before

    melding, triage = _melding_days(ctx)
    out = np.zeros(len(melding), dtype=bool)
    both = ~np.isnat(melding) & ~np.isnat(triage)
    out[both] = melding[both] < years_before(triage[both], 1)
    return out


@logic("VT-K04")
def triage_empty(ctx: Context) -> np.ndarray:
    return ctx.sets["meldingen"].empty("datum_triagebesluit")


@logic("VT-K05")
def triage_after_period(ctx: Context) -> np.ndarray:
    m = ctx.sets["meldingen"]
    return m.day("datum_triagebesluit") > m.last_day


@logic("VT-K06")
def triage_before_period(ctx: Context) -> np.ndarray:
    m = ctx.sets["meldingen"]
    return m.day("datum_triagebesluit") < m.first_day


def _vervolg(ctx: Context) -> np.ndarray:
    return ctx.sets["meldingen"].values("vervolg")


@logic("VT-K07")
def onderzoek_without_number(ctx: Context) -> np.ndarray:
    return (_vervolg(ctx) == "01") & ctx.sets["meldingen"].empty("onderzoeksnummer")


@logic("VT-K08")
def number_without_onderzoek(ctx: Context) -> np.ndarray:
    return (_vervolg(ctx) != "01") & ~ctx.sets["meldingen"].empty("onderzoeksnummer")


@logic("VT-K09")
def onderzoek_overdue(ctx: Context) -> np.ndarray:
    m = ctx.sets["meldingen"]
    known = links(ctx).onderzoeken_here | links(ctx).onderzoeken_earlier
    number = m.values("onderzoeksnummer")
    missing = np.asarray([n != "" and n not in known for n in number.tolist()] or [], dtype=bool)
    overdue = (m.last_day - m.day("datum_triagebesluit")) > np.timedelta64(NORM_DAYS, "D")
    return (_vervolg(ctx) == "01") & missing & overdue


@logic("VT-K10")
def onderzoek_without_melding(ctx: Context) -> np.ndarray:
    o = ctx.sets["onderzoeken"]
    referenced = links(ctx).referenced_onderzoeken
    return np.asarray([n != "" and n not in referenced for n in o.values("onderzoeksnummer").tolist()] or [],
                      dtype=bool)


@logic("VT-K11")
def onderzoek_of_several_cases(ctx: Context) -> np.ndarray:
    m = ctx.sets["meldingen"]
    number, case = m.values("onderzoeksnummer"), m.values("hoofdnummer")
    cases: dict[str, set[str]] = {}
    for n, c in zip(number.tolist(), case.tolist(), strict=True):
        if n:
            cases.setdefault(n, set()).add(c)
    several = {n for n, c in cases.items() if len(c) > 1}
    return np.asarray([n in several for n in number.tolist()] or [], dtype=bool)


# --- consistentie: onderzoeken ---------------------------------------------------------------------------


def _onderzoek_days(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    o = ctx.sets["onderzoeken"]
    return o.day("datum_start_onderzoek"), o.day("datum_afronding_onderzoek")


@logic("VT-K12")
def afronding_before_start(ctx: Context) -> np.ndarray:
    start, end = _onderzoek_days(ctx)
    return end < start


@logic("VT-K13")
def afronding_empty(ctx: Context) -> np.ndarray:
    return ctx.sets["onderzoeken"].empty("datum_afronding_onderzoek")


@logic("VT-K14")
def afronding_after_period(ctx: Context) -> np.ndarray:
    o = ctx.sets["onderzoeken"]
    return _onderzoek_days(ctx)[1] > o.last_day


@logic("VT-K15")
def afronding_before_period(ctx: Context) -> np.ndarray:
    o = ctx.sets["onderzoeken"]
    return _onderzoek_days(ctx)[1] < o.first_day


def linked_triage(ctx: Context) -> np.ndarray:
    if "triage" not in ctx.memo:
        ctx.memo["triage"] = links(ctx).triage_of_onderzoeken()
    return ctx.memo["triage"]


@logic("VT-K16")
def start_before_triage(ctx: Context) -> np.ndarray:
    return _onderzoek_days(ctx)[0] < linked_triage(ctx)


@logic("VT-K17")
def afronding_after_ten_weeks(ctx: Context) -> np.ndarray:
    return (_onderzoek_days(ctx)[1] - linked_triage(ctx)) > np.timedelta64(NORM_DAYS, "D")


@logic("VT-K18")
def uitkomst_empty(ctx: Context) -> np.ndarray:
    return ctx.sets["onderzoeken"].n_ticked("uitkomst") == 0


@logic("VT-K19")
def uitkomst_contradicts(ctx: Context) -> np.ndarray:
    o = ctx.sets["onderzoeken"]
    return (o.n_ticked("uitkomst", HG_UITKOMST) > 1) | (o.n_ticked("uitkomst", KM_UITKOMST) > 1)


@logic("VT-K20")
def voortijdig_with_outcome(ctx: Context) -> np.ndarray:
    o = ctx.sets["onderzoeken"]
    return o.ticked("uitkomst", VOORTIJDIG) & o.ticked("uitkomst", HG_UITKOMST + KM_UITKOMST)


@logic("VT-K21")
def aard_without_confirmation(ctx: Context) -> np.ndarray:
    o = ctx.sets["onderzoeken"]
    return (o.n_ticked("aard") > 0) & ~o.ticked("uitkomst", BEVESTIGD)


@logic("VT-K22")
def confirmation_without_aard(ctx: Context) -> np.ndarray:
    o = ctx.sets["onderzoeken"]
    return o.ticked("uitkomst", BEVESTIGD) & (o.n_ticked("aard") == 0)


@logic("VT-K23")
def km_confirmed_without_minor(ctx: Context) -> np.ndarray:
    o = ctx.sets["onderzoeken"]
    return o.ticked("uitkomst", ("06",)) & ~links(ctx).any_minor("onderzoeken")


@logic("VT-K24")
def km_aanleiding_without_minor(ctx: Context) -> np.ndarray:
    m = ctx.sets["meldingen"]
    return m.ticked("aanleiding", KM_AANLEIDING) & ~links(ctx).any_minor("meldingen")


@logic("VT-K25")
def elder_abuse_without_elder(ctx: Context) -> np.ndarray:
    m = ctx.sets["meldingen"]
    old = links(ctx).per_item("meldingen", links(ctx).person_old) > 0
    return m.ticked("aanleiding", ("03",)) & ~old


def _km_only_aard(facts: Facts) -> np.ndarray:
    codes = [c.code for c in facts.layout.codes.code_list("aard").codes if c.get("alleen_km")]
    return facts.ticked("aard", codes)


@logic("VT-K26")
def km_aard_without_km(ctx: Context) -> list[Hit]:
    hits = []
    a = ctx.sets["adviezen"]
    hits += _hit(a, _km_only_aard(a) & ~a.ticked("aanleiding", KM_AANLEIDING), ("aard", "aanleiding"))
    m = ctx.sets["meldingen"]
    no_km = ~m.ticked("aanleiding", KM_AANLEIDING) | ~links(ctx).any_minor("meldingen")
    hits += _hit(m, _km_only_aard(m) & no_km, ("aard", "aanleiding", "geboortedatum"))
    o = ctx.sets["onderzoeken"]
    no_km = ~o.ticked("uitkomst", KM_UITKOMST) | ~links(ctx).any_minor("onderzoeken")
    hits += _hit(o, _km_only_aard(o) & no_km, ("aard", "uitkomst", "geboortedatum"))
    return hits


@logic("VT-K27")
def aanleiding_empty(ctx: Context) -> list[Hit]:
    return [h for f in _sets(ctx, ("adviezen", "meldingen")) for h in _hit(f, f.n_ticked("aanleiding") == 0)]


@logic("VT-K28")
def aard_empty(ctx: Context) -> list[Hit]:
    return [h for f in _sets(ctx, ("adviezen", "meldingen")) for h in _hit(f, f.n_ticked("aard") == 0)]


@logic("VT-K29")
def other_problems_combined(ctx: Context) -> list[Hit]:
    hits = []
    for f in _sets(ctx, ("adviezen", "meldingen")):
        other = f.ticked("aanleiding", ("10",))
        combined = other & (f.n_ticked("aanleiding") > 1)
        if f.set_name == "meldingen":
            hits += _hit(f, combined | (other & (f.values("vervolg") == "01")), ("aanleiding", "vervolg"))
        else:
            hits += _hit(f, combined, ("aanleiding",))
    return hits


@logic("VT-K30")
def not_unsafe_combined(ctx: Context) -> list[Hit]:
    return [h for f in _sets(ctx, ITEM_SETS)
            for h in _hit(f, f.ticked("aard", ("12",)) & (f.n_ticked("aard") > 1))]


@logic("VT-K31")
def overdracht_missing(ctx: Context) -> np.ndarray:
    m = ctx.sets["meldingen"]
    return (_vervolg(ctx) == "02") & (m.n_ticked("overdracht") == 0)


@logic("VT-K32")
def overdracht_without_vervolg(ctx: Context) -> np.ndarray:
    m = ctx.sets["meldingen"]
    return np.isin(_vervolg(ctx), ["03", "04"]) & (m.n_ticked("overdracht") > 0)


# --- consistentie: personen ------------------------------------------------------------------------------


@logic("VT-K33")
def advies_with_person_data(ctx: Context) -> list[Hit]:
    persons = ctx.sets["personen"]
    hits = _hit(persons, ~np.isin(links(ctx).person_target, list(_codes(ctx, "persoon_set"))), ("set",))
    adviezen = ctx.sets["adviezen"]
    columns = [(p, c) for p, c in _ignored(adviezen) if c in PERSON_ITEMS]
    if columns:
        hits.append(Hit(np.zeros(0, dtype=np.int64), tuple(c for _, c in columns),
                        "kolom op positie " + ", ".join(str(p) for p, _ in columns), gegevensset="adviezen"))
    return hits


@logic("VT-K34")
def unborn_bsn_with_birth_date(ctx: Context) -> np.ndarray:
    p = ctx.sets["personen"]
    return (p.bsn_status == "ongeboren") & (p.geboorte_status == "bekend")


@logic("VT-K35")
def unborn_date_with_other_bsn(ctx: Context) -> np.ndarray:
    p = ctx.sets["personen"]
    return (p.geboorte_status == "ongeboren") & (p.bsn_status != "ongeboren")


@logic("VT-K36")
def many_unborn(ctx: Context) -> list[Hit]:
    p = ctx.sets["personen"]
    s = ctx.settings
    unborn = p.bsn_status == "ongeboren"
    if p.n < s.unborn_min_persons or unborn.sum() <= s.unborn_share_threshold * p.n:
        return []
    detail = f"{fmt_int(int(unborn.sum()))} van {fmt_int(p.n)} personen ({fmt_pct(unborn.sum() / p.n)})"
    return [Hit(p.rij[unborn], toelichting=detail, gegevensset="personen")]


def duplicated_values(values: np.ndarray) -> np.ndarray:
    """Bool per position: a filled value that occurs more than once."""
    seen: dict[str, int] = {}
    for v in values.tolist():
        seen[v] = seen.get(v, 0) + 1
    return np.asarray([v != "" and seen[v] > 1 for v in values.tolist()] or [], dtype=bool)


@logic("VT-K37")
def identifier_duplicated(ctx: Context) -> list[Hit]:
    return [h for name, column in IDENTIFIERS.items()
            for h in _hit(ctx.sets[name], duplicated_values(ctx.sets[name].values(column)), (column,))]


@logic("VT-K38")
def person_points_nowhere(ctx: Context) -> np.ndarray:
    link = links(ctx)
    return np.isin(link.person_target, list(_codes(ctx, "persoon_set"))) & ~link.person_found


@logic("VT-K39")
def item_without_persons(ctx: Context) -> list[Hit]:
    return [h for name in ("meldingen", "onderzoeken")
            for h in _hit(ctx.sets[name], links(ctx).persons_of(name) == 0, (IDENTIFIERS[name],))]


@logic("VT-K40")
def person_twice(ctx: Context) -> np.ndarray:
    p = ctx.sets["personen"]
    link = links(ctx)
    keys = np.asarray([f"{t}\0{r}\0{b}" if s == "bekend" else ""
                       for t, r, b, s in zip(link.person_target.tolist(), p.values("ref_id").tolist(),
                                             p.values("bsn").tolist(), p.bsn_status.tolist(), strict=True)] or [],
                      dtype=object)
    return duplicated_values(keys)


@logic("VT-K41")
def born_after_item(ctx: Context) -> np.ndarray:
    p = ctx.sets["personen"]
    link = links(ctx)
    day = np.full(p.n, np.datetime64("NaT"), dtype="datetime64[D]")
    for name, column in (("meldingen", "datum_melding"), ("onderzoeken", "datum_afronding_onderzoek")):
        refs = link.person_ref[name]
        found = refs >= 0
        day[found] = ctx.sets[name].day(column)[refs[found]]
    return (p.geboorte_vroegst > day) & ~p.unborn


@logic("VT-K42")
def onderzoek_persons_differ(ctx: Context) -> np.ndarray:
    o, p = ctx.sets["onderzoeken"], ctx.sets["personen"]
    link = links(ctx)
    from_meldingen = link.melding_bsns()
    refs = link.person_ref["onderzoeken"]
    known = (p.bsn_status == "bekend") & (refs >= 0)
    own: dict[int, set[str]] = {}
    bsn = p.values("bsn")
    for i in np.flatnonzero(known):
        own.setdefault(int(refs[i]), set()).add(bsn[i])
    numbers = o.values("onderzoeksnummer").tolist()
    return np.asarray([i in own and bool(from_meldingen.get(n)) and not (own[i] & from_meldingen[n])
                       for i, n in enumerate(numbers)] or [], dtype=bool)


@logic("VT-K43")
def vervolg_missing(ctx: Context) -> np.ndarray:
    o = ctx.sets["onderzoeken"]
    return (o.n_ticked("vervolg") == 0) & ~o.ticked("uitkomst", VOORTIJDIG)


# --- compleetheid ----------------------------------------------------------------------------------------


@logic("VT-C01", needs_previous=True)
def count_changed(ctx: Context) -> list[Hit]:
    s = ctx.settings
    hits = []
    for name in ITEM_SETS:
        now, before = ctx.sets[name].n, ctx.prev_sets[name].n
        if max(now, before) < s.jump_min_records:
            continue
        change = abs(now - before) / before if before else 1.0
        if change > s.jump_threshold:
            hits.append(Hit(np.zeros(0, dtype=np.int64), (), f"{fmt_int(now)} records, vorige periode "
                            f"{fmt_int(before)}", gegevensset=name))
    return hits


@logic("VT-C02", needs_previous=True)
def delivered_before(ctx: Context) -> list[Hit]:
    hits = []
    for name, column in IDENTIFIERS.items():
        before = set(ctx.prev_sets[name].values(column).tolist()) - {""}
        values = ctx.sets[name].values(column)
        hits += _hit(ctx.sets[name], np.asarray([v in before for v in values.tolist()] or [], dtype=bool), (column,))
    return hits


#: The multi-valued items that should always have an option ticked (VT-C03); the others (overdracht, the aard of
#: an onderzoek, vervolg na onderzoek) are empty by design on part of the records.
ALWAYS_TICKED = {"adviezen": ("aanleiding", "aard"), "meldingen": ("aanleiding", "aard"), "onderzoeken": ("uitkomst",)}
CODE_FIELDS = {"adviezen": ("hoedanigheid",), "meldingen": ("hoedanigheid", "vervolg", "hoofdnummer")}


def unknown_fields(facts: Facts) -> dict[str, np.ndarray]:
    """Per field of a set: True where it is empty or unknown (SPEC §5.7 VT-C03)."""
    out: dict[str, np.ndarray] = {}
    for item in ALWAYS_TICKED.get(facts.set_name, ()):
        out[item] = facts.n_ticked(item) == 0
    for column in CODE_FIELDS.get(facts.set_name, ()):
        out[column] = facts.empty(column)
    if facts.set_name == "personen":
        out["bsn"] = np.isin(facts.bsn_status, ["onbekend", "leeg"])
        out["geboortedatum"] = np.isin(facts.geboorte_status, ["onbekend", "leeg"])
        out["geslacht"] = np.isin(facts.values("geslacht"), ["O", ""])
    return out


@logic("VT-C03")
def many_unknown(ctx: Context) -> list[Hit]:
    s = ctx.settings
    hits = []
    for facts in ctx.sets.values():
        if facts.n < s.unknown_min_records:
            continue
        for field, mask in unknown_fields(facts).items():
            share = mask.sum() / facts.n
            if share > s.unknown_share_threshold:
                hits.append(Hit(facts.rij[mask], (field,), f"{fmt_pct(share)} van {fmt_int(facts.n)} records",
                                gegevensset=facts.set_name))
    return hits
