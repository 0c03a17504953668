"""The report notebooks' entry point: one call that reads, validates, counts and protects one provider's delivery
for one period, in any domain, and returns the domain's report object with its sections.

A notebook stays a thin script::

    from spiegel import report
    r = report.build(provider, period, deliveries, protection=protection, gemeente=gemeente)   # jeugdhulp
    r = report.build(provider, period, deliveries, domain="jb")                                 # another domain
    r.voorblad(); ...; r.exporteer(output_dir, table_formats)

Like ``spiegel.pipeline`` and ``spiegel.batch``, this module looks a domain up by name; the stages it calls
receive the domain.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from spiegel import codes, domains, protect
from spiegel import deliveries as store
from spiegel import history as youth_index
from spiegel.deliveries import DeliveryRef
from spiegel.errors import InputError, ParameterError
from spiegel.formats import fmt_date
from spiegel.parameters import notebook_parameters
from spiegel.periods import Period
from spiegel.present.report import SUMMARY_FILE, Report
from spiegel.read import Delivery, read_delivery

__all__ = ["SUMMARY_FILE", "Report", "build", "check_extract", "resolve_deliveries"]


def resolve_deliveries(deliveries: str | Path | None) -> Path:
    """The deliveries folder (``None``: the bundled synthetic sample)."""
    if deliveries in (None, ""):
        from spiegel.sample import DELIVERIES

        return DELIVERIES
    return Path(deliveries)


def read_ref(ref: DeliveryRef, domain: domains.Domain) -> Delivery:
    """Read a delivery of the store with the domain's layout named in its metadata."""
    return read_delivery(ref.path, domain.layout(ref.meta.indeling))


def _read_optional(ref: DeliveryRef | None, domain: domains.Domain) -> Delivery | None:
    """An earlier delivery for comparison; an unreadable one is left out (its own report says why)."""
    if ref is None:
        return None
    try:
        return read_ref(ref, domain)
    except InputError:
        return None


def build(
    provider: str,
    period: str | Period,
    deliveries: str | Path | None = None,
    *,
    protection: str = "exact",
    gemeente: str | None = None,
    domain: str = "jeugdhulp",
    youth_history: str | Path | None = None,
) -> Any:
    """Read, validate, count and protect one provider's delivery for one period; the domain's report object.

    ``youth_history``: the folder of the youth history of every provider (``spiegel.history``, made by the batch
    or ``spiegel report``) for herhaald beroep bij enige aanbieder; ``None``: built here in memory from the
    deliveries folder (for a domain that uses one)."""
    from spiegel.validate import validate

    clock = time.perf_counter()
    timings: dict[str, float] = {}
    provider, period, gemeente = notebook_parameters(provider, period, gemeente)  # papermill -p gives integers
    dom = domains.get(domain)
    per = Period.parse(str(period))
    dom.check_period(per)
    root = resolve_deliveries(deliveries)
    protect.get_policy(protection)
    if gemeente is not None and gemeente not in codes.valid_codes(per.last_day):
        raise ParameterError(f"gemeente {gemeente} bestaat niet op {fmt_date(per.last_day)}")
    ref = store.current_delivery(root, per, provider)
    if ref is None:
        raise InputError(root / str(per) / provider, f"geen aanlevering gevonden voor {per} van KvK {provider}")
    if ref.meta.domein != dom.name:
        raise ParameterError(f"de aanlevering van KvK {provider} voor {per} is {ref.meta.domein}, niet {dom.name}")
    delivery = read_ref(ref, dom)
    history_refs = [r for r in store.history(root, provider, per) if r.meta.domein == dom.name]
    history = [(r, d) for r, d in ((r, _read_optional(r, dom)) for r in history_refs) if d is not None]
    previous_ref, previous = next(((r, d) for r, d in history if r.meta.periode == str(per.previous())), (None, None))
    timings["lezen"] = _lap(clock)

    extra: dict[str, Any] = {}
    if youth_index.uses_history(dom):
        clock = time.perf_counter()
        extra["youth_history"] = _youth_history(root, dom, per, youth_history)
        timings["geschiedenis"] = _lap(clock)

    clock = time.perf_counter()
    findings = validate(delivery, per, previous=previous, meta=ref.meta, domain=dom,
                        history=[(Period.parse(r.meta.periode), d) for r, d in history])
    timings["valideren"] = _lap(clock)

    clock = time.perf_counter()
    exact = dom.count_function(
        delivery, per, history=[(Period.parse(r.meta.periode), d) for r, d in history], previous=previous,
        gemeente=gemeente, **extra,
    )
    if gemeente is not None:
        _refuse_empty_extract(dom, exact, provider, per, gemeente)
    shown = protect.protect_counts(exact, protection)
    timings["tellen"] = _lap(clock)
    replaced = _replaced(root, ref, delivery, dom, per, protection, gemeente, previous, history, extra)
    return dom.report_class(
        kvk=provider,
        naam=ref.meta.naam,
        period=per,
        meta=ref.meta,
        source=delivery.source,
        protection=protection,
        gemeente=gemeente,
        findings=findings,
        counts=exact,
        shown=shown,
        previous=previous_ref,
        timings=timings,
        domain=dom,
        replaced=replaced,
    )


def check_extract(
    provider: str, period: str | Period, deliveries: str | Path | None, gemeente: str, *, domain: str = "jeugdhulp"
) -> None:
    """Raise :class:`ParameterError` when the extract for ``gemeente`` would hold nothing: the provider delivered
    no trajectory for that gemeente in the period. ``spiegel report --gemeente`` calls it before it writes anything
    (exit status 2, no folder), and :func:`build` refuses such an extract too (docs/uitvoer.md)."""
    dom = domains.get(domain)
    per = Period.parse(str(period))
    if gemeente not in codes.valid_codes(per.last_day):
        raise ParameterError(f"gemeente {gemeente} bestaat niet op {fmt_date(per.last_day)}")
    root = resolve_deliveries(deliveries)
    ref = store.current_delivery(root, per, provider)
    if ref is None or ref.meta.domein != dom.name:
        return  # build says what is wrong
    exact = dom.count_function(read_ref(ref, dom), per, gemeente=gemeente)
    _refuse_empty_extract(dom, exact, provider, per, gemeente)


def _refuse_empty_extract(dom: domains.Domain, exact: Any, provider: str, per: Period, gemeente: str) -> None:
    if dom.report_class.holds_nothing(exact):
        name = codes.gemeente_name(gemeente, per.last_day)
        raise ParameterError(
            f"KvK {provider} leverde voor {per.label} geen trajecten voor gemeente {gemeente} ({name}); "
            "er is geen uittreksel gemaakt"
        )

def _replaced(root: Path, ref: DeliveryRef, delivery: Delivery, dom: domains.Domain, per: Period, protection: str,
              gemeente: str | None, previous: Any, history: list, extra: dict[str, Any]) -> Any:
    """What a correction (herlevering) replaces (SPEC §11): the delivery of the same provider and period received
    just before it, read, validated and counted the same way; None for a first delivery or an unreadable one."""
    from spiegel.present.report import Replaced
    from spiegel.validate import validate

    if not ref.meta.correctie:
        return None
    earlier = [r for r in store.find_deliveries(root, per, ref.meta.kvk) if r.meta.ontvangen < ref.meta.ontvangen
               and r.meta.domein == dom.name]
    if not earlier:
        return None
    before_ref = earlier[-1]
    before = _read_optional(before_ref, dom)
    if before is None:
        return None
    older = [(Period.parse(r.meta.periode), d) for r, d in history]
    findings = validate(before, per, previous=previous, meta=before_ref.meta, domain=dom, history=older)
    exact = dom.count_function(before, per, history=older, previous=previous, gemeente=gemeente, **extra)
    return Replaced(ref=before_ref, source=before.source, before=before, now=delivery, findings=findings,
                    counts=exact, shown=protect.protect_counts(exact, protection))


def _youth_history(root: Path, dom: domains.Domain, per: Period, folder: str | Path | None) -> Any:
    if folder in (None, ""):
        return youth_index.build_once(root, dom, per)
    loaded = youth_index.load(folder)
    if loaded.meta.get("domein") != dom.name or loaded.meta.get("periode") != str(per):
        raise ParameterError(f"de jeugdgeschiedenis in {folder} hoort niet bij {dom.name} {per}")
    return loaded


def _lap(start: float) -> float:
    return round(time.perf_counter() - start, 4)
