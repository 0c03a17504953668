"""Validate a delivery: run the rule set of its protocol version and collect the findings."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from spiegel import fastpath, memory
from spiegel.deliveries import DeliveryMeta, current_delivery, load_meta, meta_path_for
from spiegel.errors import InputError, ParameterError
from spiegel.periods import Period
from spiegel.read import Delivery, RecordSet, read_delivery
from spiegel.validate.context import Context, Settings
from spiegel.validate.engine import Hit, Rule, rule, rules_for, run_data_rules
from spiegel.validate.findings import DeliveryInfo, Finding, Findings, sort_key

if TYPE_CHECKING:
    from spiegel.domains import Domain


def validate(
    delivery: Delivery,
    period: Period | str,
    *,
    previous: Delivery | None = None,
    meta: DeliveryMeta | None = None,
    settings: Settings | None = None,
    method: str = "auto",
    domain: Domain | None = None,
    history: Sequence[tuple[Period, Delivery]] = (),
    peers: Sequence[tuple[Period, Delivery]] = (),
) -> Findings:
    """All findings of one delivery for ``period``.

    ``previous`` is the provider's delivery of the previous period (enables the completeness rules that
    compare with it); ``meta`` its metadata (the file rule for a period that differs from ``period``).
    ``history``: the provider's earlier deliveries with their periods, oldest first (``ctx.history``, for checks
    whose links cross deliveries; the previous period's may be among them).
    ``peers``: deliveries of the same domain by *other* providers, with their periods (``ctx.peers``: checks across
    providers, such as a transfer between two GIs); a rule declared with ``vereist: andere_gis`` is not run without.
    ``method`` chooses how the data rules run (see :func:`spiegel.validate.engine.run_data_rules`; same result).
    ``domain`` defaults to the domain of the delivery's layout.
    """
    period = Period.parse(str(period))
    domain = domain or delivery.domain
    settings = settings or domain.settings_class()
    layout = delivery.layout
    rules = rules_for(domain, layout.protocolversie)
    order = {r.code: i for i, r in enumerate(rules)}
    several = len(layout.sets) > 1
    cur_sets = _facts(domain, delivery, period)
    prev_sets = _facts(domain, previous, period.previous()) if previous is not None else None
    primary = layout.sets[0].naam
    ctx = Context(cur_sets[primary], prev_sets[primary] if prev_sets else None, settings, sets=cur_sets,
                  prev_sets=prev_sets, history=[_facts(domain, d, Period.parse(str(p))) for p, d in history],
                  peers=[_facts(domain, d, Period.parse(str(p))) for p, d in peers])
    items: list[Finding] = []
    skipped: list[tuple[str, str]] = []

    period_rule = domain.file_rules.get("periode")
    if meta is not None and period_rule is not None and meta.periode != str(period):
        items.append(
            _finding(
                rule(period_rule.code, domain),
                np.zeros(0, dtype=np.int64),
                settings,
                toelichting=f"periode in de metadata: {meta.periode}; gevraagde periode: {period}",
            )
        )

    by_code = {r.code: r for r in rules}
    large = not fastpath.small(len(delivery))
    for set_layout in layout.sets:
        facts = cur_sets[set_layout.naam]
        for code, columns, positions in run_data_rules(
            facts.raw, domain, layout.protocolversie, layout, set_layout.naam, method=method
        ):
            items.append(_finding(by_code[code], facts.rij[positions], settings, kolommen=columns,
                                  gegevensset=set_layout.naam if several else None))

    for r in rules:
        if r.soort != "logica":
            continue
        if r.needs_previous and prev_sets is None:
            skipped.append((r.code, "geen levering van de vorige periode"))
            continue
        if r.params.get("vereist") == "andere_gis" and not peers:
            skipped.append((r.code, "geen leveringen van andere instellingen"))
            continue
        assert r.check is not None
        result = r.check(ctx)
        if large:
            memory.release_arrow()  # (what the rule's arrays used: the next one reuses it or the system has it back)
        set_name = r.set or primary
        if isinstance(result, np.ndarray):
            if result.any():
                items.append(_finding(r, cur_sets[set_name].rij[result], settings,
                                      gegevensset=set_name if several else None))
        else:
            for hit in result:
                items.append(_hit_finding(r, hit, settings, set_name if several else None))

    items.sort(key=sort_key(order))
    return Findings(
        items=items,
        levering=_info(delivery, period),
        periode=str(period),
        protocolversie=layout.protocolversie,
        vorige=_info(previous, period.previous()) if previous is not None else None,
        niet_uitgevoerd=skipped,
        settings=settings,
        regels=tuple(r.code for r in rules if r.code not in {code for code, _ in skipped}),
    )


def _facts(domain: Domain, delivery: Delivery, period: Period) -> dict[str, object]:
    """The domain's facts of every record set, positions 0..n-1 (a one-set layout: of the whole delivery)."""
    facts_class = domain.facts_class
    positional = _positional(delivery)
    if len(positional.sets) == 1:
        return {positional.layout.sets[0].naam: facts_class(positional, period, positional.layout)}
    return {name: facts_class(records, period, positional.layout) for name, records in positional.sets.items()}


def validate_file(
    path: str | Path,
    period: Period | str | None = None,
    *,
    domain: Domain,
    previous: str | Path | None = None,
    find_previous: bool = True,
    layout: str | None = None,
    settings: Settings | None = None,
) -> Findings:
    """Read and validate one file. A file the reader refuses becomes a single file-group finding.

    The period defaults to the one in the file's metadata (sidecar). Without ``previous``, when the file
    lies in a delivery store (``<root>/<period>/<kvk>/``) the provider's current delivery of the previous
    period is used if there is one. ``layout``: a layout of the domain by name (default: the sidecar's, else the
    domain's current one).
    """
    path = Path(path)
    settings = settings or domain.settings_class()
    meta = load_meta(path) if meta_path_for(path).exists() else None
    if period is None:
        if meta is None:
            raise ParameterError("geef de periode op met --period (er is geen metadata naast het bestand)")
        period = meta.periode
    period = Period.parse(str(period))
    lay = domain.layout(layout or (meta.indeling if meta is not None else None))
    try:
        delivery = read_delivery(path, lay)
    except InputError as exc:
        if exc.rule is None:
            raise
        return findings_from_input_error(exc, period, domain=domain, settings=settings, layout=lay.naam)

    prev_delivery, skipped = None, []
    prev_path = Path(previous) if previous is not None else None
    prev_layout = lay
    if prev_path is None and find_previous and meta is not None:
        ref = _previous_in_store(path, meta, period)
        if ref is not None:
            prev_path, prev_layout = ref.path, domain.layout(ref.meta.indeling)
    if prev_path is not None:
        try:
            prev_delivery = read_delivery(prev_path, prev_layout)
        except InputError as exc:
            if previous is not None and exc.rule is None:
                raise
            skipped.append(f"vorige levering niet leesbaar{f' ({exc.rule})' if exc.rule else ''}")
    history = _history_in_store(path, meta, period, domain) if find_previous and meta is not None else []
    peers = _peers_in_store(path, meta, period, domain) if find_previous and meta is not None else []
    findings = validate(delivery, period, previous=prev_delivery, meta=meta, settings=settings, domain=domain,
                        history=history, peers=peers)
    if skipped:
        findings.niet_uitgevoerd = [(code, skipped[0]) for code, _ in findings.niet_uitgevoerd]
    return findings


def _store_root(path: Path, meta: DeliveryMeta) -> Path | None:
    """The store's root when ``path`` follows ``<root>/<period>/<kvk>/<file>``."""
    if len(path.resolve().parents) < 3:
        return None
    folder = path.resolve().parent
    if folder.name != meta.kvk or folder.parent.name != meta.periode:
        return None
    return folder.parent.parent


def _previous_in_store(path: Path, meta: DeliveryMeta, period: Period):
    """The current delivery of the previous period when ``path`` lies in a store."""
    root = _store_root(path, meta)
    return current_delivery(root, period.previous(), meta.kvk) if root is not None else None


def _history_in_store(path: Path, meta: DeliveryMeta, period: Period, domain: Domain) -> list[tuple[Period, Delivery]]:
    """The provider's current delivery of every earlier period of the domain when ``path`` lies in a store; an
    unreadable one is left out."""
    from spiegel.deliveries import history

    root = _store_root(path, meta)
    out = []
    for ref in history(root, meta.kvk, period) if root is not None else []:
        if ref.meta.domein != domain.name:
            continue
        try:
            out.append((ref.meta.period, read_delivery(ref.path, domain.layout(ref.meta.indeling))))
        except InputError:
            continue
    return out


def _peers_in_store(path: Path, meta: DeliveryMeta, period: Period, domain: Domain) -> list[tuple[Period, Delivery]]:
    """The other providers' current deliveries of the domain for the period and the ones before and after it (a
    transfer on a period's last day is taken over in the next period), when ``path`` lies in a store and the domain
    has rules across providers (``vereist: andere_gis``); an unreadable one is left out."""
    from spiegel.deliveries import current_deliveries

    root = _store_root(path, meta)
    version = domain.layout(meta.indeling).protocolversie
    if root is None or not any(r.params.get("vereist") == "andere_gis" for r in rules_for(domain, version)):
        return []
    out = []
    for when in (period.previous(), period, period.next()):
        for (_, kvk), ref in sorted(current_deliveries(root, when).items()):
            if kvk == meta.kvk or ref.meta.domein != domain.name:
                continue
            try:
                out.append((when, read_delivery(ref.path, domain.layout(ref.meta.indeling))))
            except InputError:
                continue
    return out


def findings_from_input_error(
    exc: InputError, period: Period | str, *, domain: Domain, settings: Settings | None = None,
    layout: str | None = None,
) -> Findings:
    """The one finding of a file the reader refused (a rule of the file group), with the row when it is known."""
    settings = settings or domain.settings_class()
    lay = domain.layout(layout)
    r = rule(exc.rule or domain.file_rules["onleesbaar"].code, domain)
    rows = np.asarray([exc.row] if exc.row is not None else [], dtype=np.int64)
    kolommen = (exc.column,) if exc.column else ()
    finding = _finding(r, rows, settings, kolommen=kolommen, toelichting=_detail(exc.problem, r.melding))
    return Findings(
        items=[finding],
        levering=DeliveryInfo(bestand=exc.file, periode=str(period)),
        periode=str(period),
        protocolversie=lay.protocolversie,
        settings=settings,
        regels=(r.code,),
    )


# --- helpers ---------------------------------------------------------------------------------------------


def _detail(problem: str, melding: str) -> str | None:
    """What the reader said beyond the rule's own message (``"… (ontbrekend: bsn)"`` → ``"ontbrekend: bsn"``)."""
    detail = problem.removeprefix(melding).strip().lstrip(":").strip()
    if detail.startswith("(") and detail.endswith(")"):
        detail = detail[1:-1].strip()
    return detail or None


def _positional(delivery: Delivery) -> Delivery:
    """Checks address rows by position: give every record set's frames a 0..n-1 index."""

    def plain(s: RecordSet) -> bool:
        return all(isinstance(f.index, pd.RangeIndex) and f.index.start == 0 for f in (s.frame, s.raw))

    if all(plain(s) for s in delivery.sets.values()):
        return delivery
    return delivery.with_frames(
        {name: (s.frame.reset_index(drop=True), s.raw.reset_index(drop=True)) for name, s in delivery.sets.items()}
    )


def _info(delivery: Delivery, period: Period) -> DeliveryInfo:
    return DeliveryInfo(
        bestand=delivery.source.path, sha256=delivery.source.sha256, records=len(delivery), periode=str(period)
    )


def _finding(
    r: Rule,
    rows: np.ndarray,
    settings: Settings,
    *,
    kolommen: tuple[str, ...] | None = None,
    toelichting: str | None = None,
    bestand: str = "huidig",
    gegevensset: str | None = None,
) -> Finding:
    rows = np.unique(np.asarray(rows, dtype=np.int64))
    return Finding(
        regel=r.code,
        ernst=r.ernst,
        groep=r.groep,
        kolommen=tuple(kolommen if kolommen is not None else r.kolommen),
        aantal=len(rows),
        rijen=tuple(int(x) for x in rows[: settings.max_rows_shown]),
        melding=r.melding,
        advies=r.advies,
        bestand=bestand,
        toelichting=toelichting,
        alle_rijen=rows,
        gegevensset=gegevensset,
    )


def _hit_finding(r: Rule, hit: Hit, settings: Settings, gegevensset: str | None) -> Finding:
    return _finding(r, hit.rows, settings, kolommen=hit.kolommen, toelichting=hit.toelichting, bestand=hit.bestand,
                    gegevensset=hit.gegevensset or gegevensset)
