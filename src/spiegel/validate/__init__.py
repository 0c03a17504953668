"""Validation of a delivery (SPEC §7): rule declarations, the rule engine and the findings.

Public API::

    from spiegel.validate import validate, validate_file, Settings
    findings = validate(delivery, "2025H1", previous=previous_delivery)
    findings.table, findings.summary(), findings.to_json(), findings.exit_status

The rules are declared in ``jeugdhulp.yaml`` (one entry per rule); the catalogue ``docs/validatieregels.md``
is generated from them by :func:`render_catalogue`.
"""

from spiegel.validate.api import findings_from_input_error, validate, validate_file
from spiegel.validate.catalogue import render_catalogue
from spiegel.validate.context import Context, Facts, Settings
from spiegel.validate.engine import Hit, Rule, all_rules, logic, rule, rules_for
from spiegel.validate.findings import SCHEMA_ID, DeliveryInfo, Finding, Findings

__all__ = [
    "SCHEMA_ID",
    "Context",
    "DeliveryInfo",
    "Facts",
    "Finding",
    "Findings",
    "Hit",
    "Rule",
    "Settings",
    "all_rules",
    "findings_from_input_error",
    "logic",
    "render_catalogue",
    "rule",
    "rules_for",
    "validate",
    "validate_file",
]
