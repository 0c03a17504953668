"""Make the bundled sample (``spiegel synth --sample``): every domain's part, and one register for all of them.

Each domain with a sample (``Domain.sample``) writes its own deliveries and its list of deliberate errors and
returns its register rows; the register is written once here. Everything is deterministic: regenerating gives
byte-identical files (a test checks the committed sample).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from spiegel import domains
from spiegel.register import write_register


@dataclass
class SampleResult:
    out: Path
    register: pd.DataFrame
    files: list[Path] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # "<period>" (jeugdhulp) or "<domain> <period>" → records
    never: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    corrected: list[tuple[str, str]] = field(default_factory=list)
    parts: dict[str, Any] = field(default_factory=dict)  # domain → its own result


def write_sample(out: str | Path) -> SampleResult:
    out = Path(out)
    parts: dict[str, Any] = {}
    for name in domains.names():
        domain = domains.get(name)
        if domain.sample:
            parts[name] = domain.part(domain.sample)(out)
    register = pd.concat([part.register for part in parts.values()], ignore_index=True)
    write_register(out / "register.csv", register)
    result = SampleResult(out=out, register=register, parts=parts)
    for name, part in parts.items():
        result.files += part.files
        result.rows.update({(p if name == "jeugdhulp" else f"{name} {p}"): n for p, n in part.rows.items()})
        result.never += part.never
        result.skipped += part.skipped
        result.corrected += part.corrected
    return result
