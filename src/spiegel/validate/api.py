"""Validate a delivery: run the rule set of its protocol version and collect the findings."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from spiegel.deliveries import DeliveryMeta, current_delivery, load_meta, meta_path_for
from spiegel.errors import InputError, ParameterError
from spiegel.periods import Period
from spiegel.read import Delivery, read_delivery
from spiegel.validate.context import Context, Facts, Settings
from spiegel.validate.engine import Hit, Rule, rule, rules_for, run_data_rules
from spiegel.validate.findings import DeliveryInfo, Finding, Findings, sort_key


def validate(
    delivery: Delivery,
    period: Period | str,
    *,
    previous: Delivery | None = None,
    meta: DeliveryMeta | None = None,
    settings: Settings | None = None,
    method: str = "auto",
) -> Findings:
    """All findings of one delivery for ``period``.

    ``previous`` is the provider's delivery of the previous period (enables the completeness rules that
    compare with it); ``meta`` its metadata (JH-B07 when its period differs from ``period``). ``method``
    chooses how the data rules run (see :func:`spiegel.validate.engine.run_data_rules`; same result).
    """
    period = Period.parse(str(period))
    settings = settings or Settings()
    layout = delivery.layout
    rules = rules_for(layout.domein, layout.protocolversie)
    order = {r.code: i for i, r in enumerate(rules)}
    cur = Facts(_positional(delivery), period)
    prev = Facts(_positional(previous), period.previous()) if previous is not None else None
    ctx = Context(cur, prev, settings)
    by_code = {r.code: r for r in rules}
    items: list[Finding] = []
    skipped: list[tuple[str, str]] = []

    if meta is not None and "JH-B07" in by_code and meta.periode != str(period):
        items.append(
            _finding(
                by_code["JH-B07"],
                np.zeros(0, dtype=np.int64),
                settings,
                toelichting=f"periode in de metadata: {meta.periode}; gevraagde periode: {period}",
            )
        )

    for code, columns, positions in run_data_rules(
        cur.raw, layout.domein, layout.protocolversie, layout.naam, method=method
    ):
        items.append(_finding(by_code[code], cur.rij[positions], settings, kolommen=columns))

    for r in rules:
        if r.soort != "logica":
            continue
        if r.needs_previous and prev is None:
            skipped.append((r.code, "geen levering van de vorige periode"))
            continue
        assert r.check is not None
        result = r.check(ctx)
        if isinstance(result, np.ndarray):
            if result.any():
                items.append(_finding(r, cur.rij[result], settings))
        else:
            for hit in result:
                items.append(_hit_finding(r, hit, settings))

    items.sort(key=sort_key(order))
    return Findings(
        items=items,
        levering=_info(delivery, period),
        periode=str(period),
        protocolversie=layout.protocolversie,
        vorige=_info(previous, period.previous()) if previous is not None else None,
        niet_uitgevoerd=skipped,
        settings=settings,
        regels=tuple(r.code for r in rules if not (r.needs_previous and prev is None)),
    )


def validate_file(
    path: str | Path,
    period: Period | str | None = None,
    *,
    previous: str | Path | None = None,
    find_previous: bool = True,
    layout: str = "jeugdhulp",
    settings: Settings | None = None,
) -> Findings:
    """Read and validate one file. A file the reader refuses becomes a single file-group finding.

    The period defaults to the one in the file's metadata (sidecar). Without ``previous``, when the file
    lies in a delivery store (``<root>/<period>/<kvk>/``) the provider's current delivery of the previous
    period is used if there is one.
    """
    path = Path(path)
    settings = settings or Settings()
    meta = load_meta(path) if meta_path_for(path).exists() else None
    if period is None:
        if meta is None:
            raise ParameterError("geef de periode op met --period (er is geen metadata naast het bestand)")
        period = meta.periode
    period = Period.parse(str(period))
    try:
        delivery = read_delivery(path, layout)
    except InputError as exc:
        if exc.rule is None:
            raise
        return findings_from_input_error(exc, period, settings=settings, layout=layout)

    prev_delivery, skipped = None, []
    prev_path = Path(previous) if previous is not None else None
    if prev_path is None and find_previous and meta is not None:
        prev_path = _previous_in_store(path, meta, period)
    if prev_path is not None:
        try:
            prev_delivery = read_delivery(prev_path, layout)
        except InputError as exc:
            if previous is not None and exc.rule is None:
                raise
            skipped.append(f"vorige levering niet leesbaar{f' ({exc.rule})' if exc.rule else ''}")
    findings = validate(delivery, period, previous=prev_delivery, meta=meta, settings=settings)
    if skipped:
        findings.niet_uitgevoerd = [(code, skipped[0]) for code, _ in findings.niet_uitgevoerd]
    return findings


def _previous_in_store(path: Path, meta: DeliveryMeta, period: Period) -> Path | None:
    """The current delivery of the previous period when ``path`` follows ``<root>/<period>/<kvk>/<file>``."""
    if len(path.resolve().parents) < 3:
        return None
    folder = path.resolve().parent
    if folder.name != meta.kvk or folder.parent.name != meta.periode:
        return None
    ref = current_delivery(folder.parent.parent, period.previous(), meta.kvk)
    return ref.path if ref is not None else None


def findings_from_input_error(
    exc: InputError, period: Period | str, *, settings: Settings | None = None, layout: str = "jeugdhulp"
) -> Findings:
    """The one finding of a file the reader refused (rule JH-B01 … JH-B08), with the row when it is known."""
    from spiegel import layouts

    settings = settings or Settings()
    lay = layouts.load(layout)
    r = rule(exc.rule or "JH-B01", lay.domein)
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
    """Checks address rows by position: give both frames a 0..n-1 index."""
    if isinstance(delivery.frame.index, pd.RangeIndex) and delivery.frame.index.start == 0 and (
        isinstance(delivery.raw.index, pd.RangeIndex) and delivery.raw.index.start == 0
    ):
        return delivery
    return dataclasses.replace(
        delivery, frame=delivery.frame.reset_index(drop=True), raw=delivery.raw.reset_index(drop=True)
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
    )


def _hit_finding(r: Rule, hit: Hit, settings: Settings) -> Finding:
    return _finding(r, hit.rows, settings, kolommen=hit.kolommen, toelichting=hit.toelichting, bestand=hit.bestand)
