"""The bundled sample: the faulty provider triggers every rule group, the clean providers no fout, and no
message, table or JSON ever holds a BSN, birth date or postcode from the sample."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import jsonschema
import pandas as pd

from spiegel import deliveries as store
from spiegel import domains
from spiegel.periods import Period
from spiegel.read import read_delivery
from spiegel.sample import DELIVERIES, FAULTY_PROVIDER
from spiegel.validate import Findings, validate, validate_file
from spiegel.validate.catalogue import schema
from spiegel.validate.engine import groups

JH = domains.get("jeugdhulp")


def read(ref: store.DeliveryRef):
    """A stored delivery, read with the layout its sidecar names (None: the domain's current one)."""
    return read_delivery(ref.path, JH.layout(ref.meta.indeling))


@cache
def periods() -> tuple[Period, ...]:
    return tuple(sorted({Period.parse(ref.meta.periode) for ref in store.find_deliveries(DELIVERIES)
                         if ref.meta.domein == JH.name}))


@cache
def findings_per_provider() -> dict[tuple[str, str], Findings]:
    """Findings of every current delivery, with the provider's previous-period delivery when there is one."""
    out = {}
    current = {key: ref for key, ref in store.current_deliveries(DELIVERIES).items() if ref.meta.domein == JH.name}
    for (periode, kvk), ref in sorted(current.items()):
        period = Period.parse(periode)
        prev_ref = current.get((str(period.previous()), kvk))
        previous = read(prev_ref) if prev_ref else None
        delivery = read(ref)
        out[(periode, kvk)] = validate(delivery, period, previous=previous, meta=ref.meta)
    return out


def test_faulty_provider_triggers_every_rule_group():
    latest = str(periods()[-1])
    findings = findings_per_provider()[(latest, FAULTY_PROVIDER)]
    assert findings.groups() == set(groups(JH))
    assert findings.exit_status == 2


def test_clean_providers_have_no_fout():
    with_errors = {
        key: sorted({f.regel for f in findings if f.ernst == "fout"})
        for key, findings in findings_per_provider().items()
        if key[1] != FAULTY_PROVIDER and findings.has_errors
    }
    assert with_errors == {}


def test_validate_file_finds_the_previous_delivery_in_the_sample_store():
    latest = periods()[-1]
    ref = store.current_delivery(DELIVERIES, latest, FAULTY_PROVIDER)
    findings = validate_file(ref.path, domain=JH)
    assert findings.periode == str(latest)
    assert findings.vorige is not None and findings.vorige.periode == str(latest.previous())
    assert "volledigheid" in findings.groups()


def _personal_values() -> set[str]:
    """Every BSN (except the special codes), birth date and postcode in the sample, as delivered."""
    values: set[str] = set()
    for ref in store.find_deliveries(DELIVERIES):
        if ref.meta.domein != JH.name:
            continue  # the other domains' sample is checked in their own tests (tests/test_vt_sample.py)
        raw = read(ref).raw
        values |= set(raw["bsn"]) - set(JH.codes.code_list("bsn_bijzonder").values)
        values |= set(raw["geboortedatum"])
        values |= set(raw["postcode"]) | set(raw["postcode"].str.replace(" ", "").str.upper())
    values.discard("")
    return values


def _outputs(findings: Findings) -> list[str]:
    table = findings.table
    summary = findings.summary()
    return [
        findings.to_text(),
        findings.to_json(),
        table.to_csv(index=False),
        summary.to_csv(index=False),
        " ".join(str(v) for v in table.to_numpy().ravel()),
        " ".join(f.melding + " " + f.advies + " " + (f.toelichting or "") for f in findings),
    ]


def test_no_output_contains_a_bsn_birth_date_or_postcode_from_the_sample():
    values = _personal_values()
    assert len(values) > 100  # the sample has real-looking values to look for
    pattern = re.compile("|".join(sorted(map(re.escape, values), key=len, reverse=True)))
    leaks = []
    for key, findings in findings_per_provider().items():
        for text in _outputs(findings):
            # row numbers and counts are short; the values looked for are 6-9 characters
            found = [m.group(0) for m in pattern.finditer(text) if _standalone(text, m)]
            if found:
                leaks.append((key, len(found)))
    assert leaks == []


def _standalone(text: str, match: re.Match) -> bool:
    """A hit that is part of a longer run of digits or letters (a SHA-256) is not a value from a row."""
    before = text[match.start() - 1] if match.start() else " "
    after = text[match.end()] if match.end() < len(text) else " "
    return not (before.isalnum() or after.isalnum())


def test_sample_findings_validate_against_the_json_schema():
    for findings in findings_per_provider().values():
        jsonschema.validate(json.loads(findings.to_json()), schema())


def test_sample_table_and_summary_have_the_documented_columns():
    findings = findings_per_provider()[(str(periods()[-1]), FAULTY_PROVIDER)]
    assert isinstance(findings.table, pd.DataFrame)
    assert list(findings.summary().columns) == [
        "regel", "ernst", "groep", "kolommen", "aantal", "rijen", "bestand", "melding", "advies",
    ]
    assert Path(findings.levering.bestand).exists()


def test_every_deliberate_error_of_the_faulty_provider_is_found_on_its_rows():
    """``verwachte_fouten.yml`` (written by the sample generator) lists each deliberate error with its rows."""
    import yaml

    from spiegel.sample import FAULTS

    expected = yaml.safe_load(FAULTS.read_text(encoding="utf-8"))["fouten"]
    findings = findings_per_provider()[(str(periods()[-1]), FAULTY_PROVIDER)]
    missed = {}
    for code, fault in expected.items():
        if "rijen" in fault:
            rows = set(fault["rijen"])
        elif "rijen_vorige_levering" in fault:
            rows = set(fault["rijen_vorige_levering"])
        else:
            rows = set()
        found = set(findings.rows(code).tolist())
        if code not in findings.codes() or not rows <= found:
            missed[code] = sorted(rows - found)
        if "gemeentecode" in fault:
            details = [f.toelichting or "" for f in findings if f.regel == code]
            if not any(f"gemeente {fault['gemeentecode']} " in d for d in details):
                missed[code] = ["gemeente"]
    assert missed == {}
