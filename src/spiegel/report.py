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
from spiegel.deliveries import DeliveryRef
from spiegel.errors import InputError, ParameterError
from spiegel.formats import fmt_date
from spiegel.parameters import notebook_parameters
from spiegel.periods import Period
from spiegel.present.report import SUMMARY_FILE, Report
from spiegel.read import Delivery, read_delivery

__all__ = ["SUMMARY_FILE", "Report", "build", "resolve_deliveries"]


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
) -> Any:
    """Read, validate, count and protect one provider's delivery for one period; the domain's report object."""
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

    clock = time.perf_counter()
    findings = validate(delivery, per, previous=previous, meta=ref.meta, domain=dom,
                        history=[(Period.parse(r.meta.periode), d) for r, d in history])
    timings["valideren"] = _lap(clock)

    clock = time.perf_counter()
    exact = dom.count_function(
        delivery, per, history=[(Period.parse(r.meta.periode), d) for r, d in history], previous=previous,
        gemeente=gemeente,
    )
    shown = protect.protect_counts(exact, protection)
    timings["tellen"] = _lap(clock)
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
    )


def _lap(start: float) -> float:
    return round(time.perf_counter() - start, 4)
