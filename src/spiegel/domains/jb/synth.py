"""Synthetic jeugdbescherming deliveries (``spiegel synth --domain jb``): the family generator
:mod:`spiegel.domains.gi.synth` for the record sets ``jb`` and ``muhp``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spiegel.domains.gi import synth


def synth_country(out: str | Path, **options: Any) -> synth.SynthResult:
    """The 15 synthetic GIs' JB deliveries (default 2024H2 and 2025H1) under ``out``."""
    return synth.synth_country("jb", out, **options)
