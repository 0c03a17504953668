"""The youth history for herhaald beroep over all providers (SPEC §6), built once per batch.

A started trajectory is *herhaald beroep bij enige aanbieder* when the same youth had a trajectory of the same
domain, at any provider, that ended at least one day before the start and at most five years before it, as far
as the deliveries store shows. The history is one pass over the current delivery of every provider for every
period of the store from five years before the reporting period up to and including it; it keeps per youth only
the end dates of its trajectories:

    <work folder>/jeugdgeschiedenis-<domain>-<period>/
        jongeren.npy   uint64, sorted: a keyed hash of each youth's key (never the BSN, never a name)
        einden.npy     int64, sorted: (position of the youth in jongeren.npy) × 2**20 + end day (days since 1900)
        index.json     what it was made of: periods, number of providers and deliveries, a fingerprint

The youth key is the one of :mod:`spiegel.youth` (the BSN, or sex + birth date + postcode when the BSN is not
usable). Its hash is HMAC-SHA256 truncated to 64 bits, keyed with a secret that never goes into an output: a
plain hash of a nine-digit BSN is reversed by trying all of them, a keyed one is not without the key. The secret
is the file named by ``SPIEGEL_HISTORY_KEY_FILE``, or else ``$XDG_CONFIG_HOME/spiegel/geschiedenis.key``
(``~/.config/spiegel/geschiedenis.key``), made once with 32 random bytes (mode 0600) when it does not exist.
A report in a worker process hashes its own started youths with the same secret and looks them up (binary
searches over the two arrays, memory-mapped: a report reads a few pages, not the whole index).

The index holds no provider, no gemeente and no start date: only which (pseudonymous) youth had a trajectory
ending on which day. The batch removes it at the end unless ``--keep-youth-history`` is given
(docs/batch.md); ``spiegel report`` reuses a kept index when it was made of the same deliveries.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from spiegel import bulkread, dates, flows, youth
from spiegel.errors import ParameterError
from spiegel.periods import Period

VERSION = 1
YEARS = 5  # SPEC §6: an earlier trajectory counts when it ended within the previous five years
KEY_ENV = "SPIEGEL_HISTORY_KEY_FILE"
KEY_FILE_NAME = "geschiedenis.key"
KEYS_FILE, ENDS_FILE, META_FILE = "jongeren.npy", "einden.npy", "index.json"
WORK_FOLDER = "werk"  # OUT/<period>/werk/: where the batch and spiegel report keep the index (not for reviewers)
_SPAN = np.int64(1) << np.int64(20)  # day numbers below 2**20: 1900-01-01 + 2,870 years
_EPOCH = np.datetime64("1900-01-01", "D")
_COLUMNS = frozenset({"bsn", "geslacht", "geboortedatum", "postcode"})  # the youth key (spiegel.youth)
_PERIOD_NAME = re.compile(r"^\d{4}(H[12]|Q[1-4]|J)$")


# --- the secret and the keyed hash --------------------------------------------------------------------------


def key_file() -> Path:
    """Where the secret of the keyed hash lives (never under an output folder): ``SPIEGEL_HISTORY_KEY_FILE``,
    else ``$XDG_CONFIG_HOME/spiegel/geschiedenis.key`` (default ``~/.config/spiegel/geschiedenis.key``)."""
    named = os.environ.get(KEY_ENV)
    if named:
        return Path(named).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "spiegel" / KEY_FILE_NAME


def secret() -> bytes:
    """The secret of the keyed hash; made (32 random bytes, hex, mode 0600) when the file does not exist."""
    path = key_file()
    if not path.exists():
        if os.environ.get(KEY_ENV):
            raise ParameterError(f"{KEY_ENV} noemt een sleutelbestand dat niet bestaat: {path}")
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):  # another process made it at the same moment: use that one
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(32) + "\n")
    try:
        value = path.read_bytes().strip()
    except OSError as exc:
        raise ParameterError(f"sleutel voor de jeugdgeschiedenis niet leesbaar: {path} ({exc.strerror})") from None
    if len(value) < 16:
        raise ParameterError(f"sleutel voor de jeugdgeschiedenis is te kort (minstens 16 tekens): {path}")
    return value


def key_id(key: bytes) -> str:
    """A short name of the secret (an HMAC of a fixed text): tells whether an index was made with this key,
    without revealing it."""
    return hmac.digest(key, b"spiegel-jeugdgeschiedenis-sleutel", "sha256")[:8].hex()


def keyed_hashes(keys: np.ndarray, key: bytes) -> np.ndarray:
    """uint64 HMAC-SHA256 (first 8 bytes) of each youth key (an object array of text); each distinct key once."""
    if len(keys) == 0:
        return np.zeros(0, dtype=np.uint64)
    codes, uniques = pd.factorize(np.asarray(keys, dtype=object))
    digest = hmac.digest
    hashed = np.frombuffer(b"".join(digest(key, k.encode(), "sha256")[:8] for k in uniques), dtype=">u8")
    return hashed.astype(np.uint64)[codes]


# --- which deliveries ------------------------------------------------------------------------------------


def first_day_of_window(period: Period) -> date:
    """The first day an end date can have to count for a start in ``period``: five years before its first day."""
    first = period.first_day
    try:
        return first.replace(year=first.year - YEARS)
    except ValueError:  # 29 February
        return first.replace(year=first.year - YEARS, day=28)


def window(root: str | Path, period: Period) -> list[Period]:
    """The periods of the store (its folder names) of the same kind as ``period`` whose trajectories can end
    within five years before a start in ``period``: up to and including ``period``, oldest first."""
    root = Path(root)
    earliest = first_day_of_window(period)
    found = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(root):
            if entry.is_dir() and _PERIOD_NAME.match(entry.name):
                other = Period.parse(entry.name)
                if other.kind == period.kind and other <= period and other.last_day >= earliest:
                    found.append(other)
    return sorted(found)


def sources(root: str | Path, domain: Any, period: Period) -> list[Any]:
    """The current delivery of every provider of ``domain`` for every period of :func:`window`
    (``spiegel.deliveries.DeliveryRef``), by period and KvK number."""
    from spiegel import deliveries as store

    refs = []
    for other in window(root, period):
        # a delivery whose metadata or name is refused is left out: its own report fails with that rule
        current = store.current_deliveries(root, other, problems={})
        refs += [current[k] for k in sorted(current) if current[k].meta.domein == domain.name]
    return refs


def fingerprint(refs: Iterable[Any]) -> str:
    """What an index depends on: the version of this module and the content hash of every delivery in it."""
    digest = hashlib.sha256(f"jeugdgeschiedenis {VERSION}\n".encode())
    for ref in refs:
        content = ref.meta.sha256 or ref.sha256()
        digest.update(f"{ref.meta.periode} {ref.meta.kvk} {content}\n".encode())
    return digest.hexdigest()


# --- the index ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class YouthHistory:
    """The youth history of one domain and period (see the module docstring). ``meta``: ``domein``,
    ``periode``, ``perioden`` (the periods it holds, oldest first), ``aanbieders`` and ``leveringen`` (how
    many providers and deliveries it was made of), ``onleesbaar`` (deliveries left out because they could not
    be read), ``jongeren`` and ``einden`` (sizes), ``vingerafdruk`` (:func:`fingerprint`), ``sleutel``
    (:func:`key_id`)."""

    keys: np.ndarray
    ends: np.ndarray
    meta: dict[str, Any]

    @property
    def periods(self) -> list[str]:
        return list(self.meta["perioden"])

    @property
    def providers(self) -> int:
        return int(self.meta["aanbieders"])

    def herhaald(self, frame: pd.DataFrame, start: np.ndarray, rows: np.ndarray, key: bytes | None = None,
                 *, bsn: str = "bsn") -> np.ndarray:
        """For the selected rows (bool mask) of a typed frame with start days ``start`` (datetime64[D]): did the
        youth have a trajectory in this history that ended at least one day before the start and at most five
        years before it? Vectorised: one keyed hash per distinct youth, then binary searches."""
        result = np.zeros(len(frame), dtype=bool)
        rows = np.asarray(rows, dtype=bool) & ~np.isnat(start)
        if not rows.any() or len(self.keys) == 0:
            return result
        key = secret() if key is None else key
        if key_id(key) != self.meta["sleutel"]:
            raise ParameterError("de jeugdgeschiedenis is met een andere sleutel gemaakt; maak haar opnieuw")
        result[rows] = self._lookup(keyed_hashes(youth.keys(frame, rows, bsn=bsn), key), start[rows])
        return result

    def _lookup(self, hashed: np.ndarray, a: np.ndarray) -> np.ndarray:
        """Per (hashed youth, start day): an end in the history in [start − 5 years, start − 1 day]."""
        if len(self.keys) == 0:
            return np.zeros(len(hashed), dtype=bool)
        position = np.searchsorted(self.keys, hashed)
        position = np.minimum(position, len(self.keys) - 1)
        known = self.keys[position] == hashed
        latest = _day_numbers(a) - 1  # ended at least one day before the start
        query = position.astype(np.int64) * _SPAN + latest
        found = np.searchsorted(self.ends, query, side="right") - 1
        candidate = self.ends[np.maximum(found, 0)]
        limit = _day_numbers(dates.years_before(a, YEARS))
        return known & (found >= 0) & (candidate // _SPAN == position) & (candidate % _SPAN >= limit)

    def provider_key(self, kvk: str) -> str | None:
        """What this history means for the reports of one provider of the period: a digest of the herhaald flags
        of its started trajectories (``meta["per_aanbieder"]``). A report's input key holds it, so another
        provider's new delivery makes a report again only when it changes one of its herhaald beroepen."""
        return (self.meta.get("per_aanbieder") or {}).get(kvk)


def _day_numbers(days: np.ndarray) -> np.ndarray:
    return (days.astype("datetime64[D]") - _EPOCH).astype(np.int64)


def build(root: str | Path, domain: Any, period: Period, *, key: bytes | None = None,
          refs: list[Any] | None = None) -> YouthHistory:
    """Read every delivery of :func:`sources` once and make the history (in memory). A delivery that cannot be
    read is left out and counted in ``meta["onleesbaar"]`` (its own report says why)."""
    spec = _spec(domain)
    key = secret() if key is None else key
    refs = sources(root, domain, period) if refs is None else refs
    first, last = np.datetime64(period.first_day, "D"), np.datetime64(period.last_day, "D")
    keys: list[np.ndarray] = []
    ends: list[np.ndarray] = []
    started: tuple[np.ndarray, ...] | None = None  # the period's own deliveries: owner, started owner, keys, starts
    own: list[Any] = []
    used: set[str] = set()
    unreadable = 0
    for other in sorted({ref.meta.periode for ref in refs}, key=Period.parse):  # a period at a time: bounded memory
        group = [ref for ref in refs if ref.meta.periode == other]
        frame, owner, failed = bulkread.read_frames(group, domain, columns=_COLUMNS | {spec["start"], spec["end"]})
        unreadable += failed
        if frame is None:
            continue
        used.update(group[i].meta.kvk for i in np.unique(owner))
        start, end = dates.days(frame[spec["start"]]), dates.days(frame[spec["end"]])
        ended = ~np.isnat(end) & ~(end < start)  # an end before the start makes no one herhaald (as count.py)
        if ended.any():
            keys.append(youth.keys(frame, ended))
            ends.append(_day_numbers(end[ended]))
        if other == str(period):
            instroom = flows.flags(start, end, first, last)["instroom"] & ~np.isnat(start)
            own = group
            started = (owner, owner[instroom], youth.keys(frame, instroom), start[instroom])
    all_keys = np.concatenate(keys) if keys else np.zeros(0, dtype=object)
    all_ends = np.concatenate(ends) if ends else np.zeros(0, dtype=np.int64)
    hashed = keyed_hashes(all_keys, key)
    unique = np.unique(hashed)
    composite = np.unique(np.searchsorted(unique, hashed).astype(np.int64) * _SPAN + all_ends)
    made = YouthHistory(unique, composite, {})
    held = sorted({ref.meta.periode for ref in refs}, key=Period.parse)
    per_provider = {}
    if started is not None:  # what each report shows: its herhaald flags, the periods, the providers
        owner, started_owner, started_keys, starts = started
        flags = made._lookup(keyed_hashes(started_keys, key), starts)
        order = np.argsort(started_owner, kind="stable")
        bounds = np.searchsorted(started_owner[order], np.arange(len(own) + 1))
        rows = np.bincount(owner, minlength=len(own))
        for i in np.unique(owner):
            mine = flags[order[bounds[i]:bounds[i + 1]]]
            text = f"{' '.join(held)} {len(used)} {rows[i]} {len(mine)} "
            per_provider[own[i].meta.kvk] = hashlib.sha256(text.encode() + np.packbits(mine).tobytes()).hexdigest()[:16]
    meta = {
        "versie": VERSION,
        "domein": domain.name,
        "periode": str(period),
        "perioden": held,
        "aanbieders": len(used),
        "leveringen": len(refs) - unreadable,
        "onleesbaar": unreadable,
        "jongeren": len(unique),
        "einden": len(composite),
        "vingerafdruk": fingerprint(refs),
        "sleutel": key_id(key),
        "per_aanbieder": per_provider,
    }
    return YouthHistory(unique, composite, meta)


#: The last history :func:`build_once` made in this process: (store, domain, period) → (what it depends on, it).
_LAST: dict[tuple[str, str, str], tuple[str, YouthHistory]] = {}


def build_once(root: str | Path, domain: Any, period: Period) -> YouthHistory:
    """:func:`build`, kept for the rest of the process while the store holds the same deliveries for it
    (:func:`fingerprint`) and the key is the same: a report run by hand (a notebook in a kernel, run again with
    another parameter) does not read the whole store again. Only the last history is kept. A batch builds its
    history once and gives the reports its folder instead."""
    key = secret()
    refs = sources(root, domain, period)
    token = f"{fingerprint(refs)} {key_id(key)}"
    where = (str(Path(root).resolve()), domain.name, str(period))
    kept = _LAST.get(where)
    if kept is not None and kept[0] == token:
        return kept[1]
    made = build(root, domain, period, key=key, refs=refs)
    _LAST.clear()
    _LAST[where] = (token, made)
    return made


def folder_for(work: str | Path, domain: Any, period: Period) -> Path:
    """``<work>/jeugdgeschiedenis-<domain>-<period>``; the work folder of a batch is ``OUT/<period>/werk``."""
    return Path(work) / f"jeugdgeschiedenis-{domain.name}-{period}"


def write(history: YouthHistory, folder: str | Path) -> Path:
    """Write the index into ``folder`` atomically (a temporary folder, renamed over an earlier one)."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    np.save(tmp / KEYS_FILE, history.keys)
    np.save(tmp / ENDS_FILE, history.ends)
    (tmp / META_FILE).write_text(json.dumps(history.meta, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    old = folder.with_name(f".{folder.name}.{os.getpid()}.old")
    if folder.exists():
        os.replace(folder, old)
    os.replace(tmp, folder)
    shutil.rmtree(old, ignore_errors=True)
    return folder


def read_meta(folder: str | Path) -> dict[str, Any] | None:
    """The ``index.json`` of an index folder (None when there is none); remembered per modification time (the
    batch asks for it once per report)."""
    path = Path(folder) / META_FILE
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return None
    return _read_meta(str(path), stamp)


@lru_cache(maxsize=8)
def _read_meta(path: str, stamp: int) -> dict[str, Any] | None:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def load(folder: str | Path) -> YouthHistory:
    """An index written by :func:`write` (memory-mapped; remembered per folder and modification time)."""
    folder = Path(folder)
    try:
        stamp = (folder / META_FILE).stat().st_mtime_ns
    except OSError:
        raise ParameterError(f"geen jeugdgeschiedenis in {folder}") from None
    return _load(str(folder.resolve()), stamp)


@lru_cache(maxsize=4)
def _load(folder: str, stamp: int) -> YouthHistory:
    path = Path(folder)
    meta = read_meta(path)
    if meta is None or meta.get("versie") != VERSION:
        raise ParameterError(f"de jeugdgeschiedenis in {folder} is onleesbaar of van een andere versie")
    return YouthHistory(np.load(path / KEYS_FILE, mmap_mode="r"), np.load(path / ENDS_FILE, mmap_mode="r"), meta)


def ensure(root: str | Path, domain: Any, period: Period, work: str | Path) -> tuple[Path, bool]:
    """The index folder for ``domain`` and ``period`` under ``work``: reused when one made with the same key of
    the same deliveries is there, else built and written. Returns (folder, whether it was built)."""
    key = secret()
    refs = sources(root, domain, period)
    folder = folder_for(work, domain, period)
    meta = read_meta(folder)
    if meta and meta.get("versie") == VERSION and meta.get("sleutel") == key_id(key) and \
            meta.get("vingerafdruk") == fingerprint(refs):
        return folder, False
    write(build(root, domain, period, key=key, refs=refs), folder)
    return folder, True


def remove(folder: str | Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def uses_history(domain: Any) -> bool:
    """Whether the domain counts herhaald beroep over all providers (``Domain.extra["youth_history"]``)."""
    return bool(domain.extra.get("youth_history"))


def _spec(domain: Any) -> dict[str, str]:
    spec = domain.extra.get("youth_history")
    if not spec:
        raise ParameterError(f"het domein {domain.name} kent geen jeugdgeschiedenis")
    return {"start": spec.get("start", "datum_aanvang"), "end": spec.get("end", "datum_einde")}


def describe(meta: dict[str, Any]) -> str:
    """Dutch: what the history held, for the report (``4 perioden (2023H1 t/m 2025H1) van 1.234 aanbieders``)."""
    from spiegel.formats import fmt_int

    periods = meta.get("perioden") or []
    n, providers = len(periods), int(meta.get("aanbieders", 0))
    if n == 0:
        return "geen aanleveringen"
    span = periods[0] if n == 1 else f"{periods[0]} t/m {periods[-1]}"
    return (f"{fmt_int(n)} {'periode' if n == 1 else 'perioden'} ({span}) van {fmt_int(providers)} "
            f"{'aanbieder' if providers == 1 else 'aanbieders'}")
