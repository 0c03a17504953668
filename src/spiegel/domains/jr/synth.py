"""Synthetic jeugdreclassering deliveries (``spiegel synth --domain jr``): the family generator
:mod:`spiegel.domains.gi.synth` for the record set ``jr`` (with PJK)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spiegel.domains.gi import synth


def synth_country(out: str | Path, **options: Any) -> synth.SynthResult:
    """The 15 synthetic GIs' JR deliveries (default 2025Q1 and 2025Q2) under ``out``."""
    return synth.synth_country("jr", out, **options)
