"""Copying deliveries of the bundled sample into a test's own store (tests/test_corpus.py, tests/test_safetext.py)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from spiegel.deliveries import load_meta, write_meta
from spiegel.sample import DELIVERIES


def copy_sample_delivery(store: Path, period: str, kvk: str, **meta: object) -> Path:
    """The sample's delivery of ``kvk`` for ``period`` copied to ``store`` with its metadata (``meta``: fields to
    change; the content hash is left out, so it is computed from the copy). Returns the copied file."""
    side = next((DELIVERIES / period / kvk).glob("*.meta.yml"))
    data = side.with_name(side.name.removesuffix(".meta.yml"))
    target = store / period / kvk / data.name
    target.parent.mkdir(parents=True)
    target.write_bytes(data.read_bytes())
    write_meta(target, dataclasses.replace(load_meta(data), sha256=None, **meta))
    return target
