"""The jeugdbescherming part of the bundled sample: three GIs made by :mod:`spiegel.domains.gi.sample`."""

from __future__ import annotations

from pathlib import Path

from spiegel.domains.gi import sample
from spiegel.domains.gi.synth import SynthResult


def write_sample(out: str | Path) -> SynthResult:
    return sample.write_sample("jb", out)
