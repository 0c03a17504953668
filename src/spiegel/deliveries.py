"""Where deliveries live and what is known about them (SPEC §2).

Convention (documented in ``docs/aanlevering.md``)::

    <root>/register.csv                                   the provider register (spiegel.register)
    <root>/<period>/<kvk>/<stem>.<ext>                    a delivery file (csv, xlsx, xls, txt)
    <root>/<period>/<kvk>/<stem>.<ext>.meta.yml           its metadata (sidecar)

The sidecar is the authority for the metadata (kvk, naam, domein, periode, correctie, ontvangen, indeling);
the folder names only make finding deliveries cheap. Several deliveries of one provider and period may
exist; the *current* one is the one received last. SHA-256 of the file is computed, and checked against the
sidecar when the sidecar records one.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import yaml

from spiegel.errors import InputError, ParameterError
from spiegel.io import file_stamp, parse_yaml
from spiegel.periods import Period
from spiegel.read import sha256_bytes
from spiegel.safetext import check_text, printable

META_SUFFIX = ".meta.yml"
# libyaml's safe dumper when available (5× faster; a batch handles thousands of sidecars); reading goes through
# spiegel.io.parse_yaml, which uses libyaml's safe loader the same way.
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_KVK = re.compile(r"^\d{8}$")


@dataclass(frozen=True)
class DeliveryMeta:
    kvk: str
    naam: str
    domein: str
    periode: str
    correctie: bool
    ontvangen: datetime
    indeling: str | None = None  # a layout of the domain by name; None: the domain's current layout
    vestigingsnummer: str | None = None
    sha256: str | None = None

    @property
    def period(self) -> Period:
        return Period.parse(self.periode)

    def to_yaml(self) -> str:
        data = asdict(self)
        data["ontvangen"] = self.ontvangen.isoformat()
        data = {k: v for k, v in data.items() if v is not None}
        return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True)


@dataclass(frozen=True)
class DeliveryRef:
    """A delivery file and its metadata, not yet read."""

    path: Path
    meta: DeliveryMeta

    @property
    def meta_path(self) -> Path:
        return meta_path_for(self.path)

    def sha256(self) -> str:
        digest = sha256_bytes(self.path.read_bytes()) if not self.path.is_dir() else folder_sha256(self.path)
        if self.meta.sha256 and self.meta.sha256 != digest:
            raise InputError(
                self.path, "SHA-256 van het bestand wijkt af van de metadata: het bestand is gewijzigd"
            )
        return digest


def folder_sha256(path: Path) -> str:
    """The content hash of a delivery that is a folder of one file per record set (names and bytes, sorted)."""
    import hashlib

    digest = hashlib.sha256()
    for member in sorted(p for p in path.iterdir() if p.is_file()):
        digest.update(member.name.encode() + b"\0" + member.read_bytes())
    return digest.hexdigest()


def meta_path_for(path: Path) -> Path:
    return path.with_name(path.name + META_SUFFIX)


#: Sidecars read in this process: path → ((mtime, size, inode), metadata). A report looks up its provider's
#: deliveries several times (its input key, then the report itself) and a batch process makes thousands.
_META_CACHE: dict[Path, tuple[tuple[int, int, int], DeliveryMeta]] = {}
_META_CACHE_MAX = 4096


def load_meta(path: str | Path) -> DeliveryMeta:
    """Metadata of a delivery file, from its sidecar (remembered by :func:`spiegel.io.file_stamp`)."""
    path = Path(path)
    check_text(path.parent, path.name, column="bestandsnaam")  # the file's name is shown in the reports
    side = meta_path_for(path)
    try:
        st = side.stat()
    except FileNotFoundError:
        raise InputError(side, "metadata ontbreekt (verwacht naast het bestand: <bestand>.meta.yml)") from None
    stamp = file_stamp(st)  # None: too fresh to remember
    cached = _META_CACHE.get(side)
    if stamp is not None and cached is not None and cached[0] == stamp:
        return cached[1]
    meta = _read_meta(side)
    if stamp is not None:
        if len(_META_CACHE) >= _META_CACHE_MAX:
            _META_CACHE.clear()
        _META_CACHE[side] = (stamp, meta)
    return meta


def _read_meta(side: Path) -> DeliveryMeta:
    try:
        raw = parse_yaml(side.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError):
        raise InputError(side, "metadata is geen geldige YAML") from None
    if not isinstance(raw, dict):
        raise InputError(side, "metadata is geen YAML-woordenboek")
    for key in ("kvk", "naam", "domein", "periode", "ontvangen"):
        if key not in raw or raw[key] in (None, ""):
            raise InputError(side, "verplicht veld ontbreekt", column=key)
    for key, value in raw.items():  # the name (and every other text) reaches the reports, index and manifest
        if isinstance(value, str):
            check_text(side, value, column=printable(str(key)))
    # YAML reads an unquoted 01234567 as a number and drops the leading zero; a quoted string is taken as is.
    kvk = str(raw["kvk"]).zfill(8) if isinstance(raw["kvk"], int) else str(raw["kvk"])
    if not _KVK.match(kvk):
        raise InputError(side, "KvK-nummer moet 8 cijfers zijn", column="kvk")
    from spiegel import domains

    try:
        domein = domains.canonical(str(raw["domein"]))
    except ParameterError:
        raise InputError(side, f"onbekend domein; kies uit {', '.join(domains.names())}", column="domein") from None
    try:
        Period.parse(str(raw["periode"]))
    except Exception:
        raise InputError(side, "periode is niet geldig (JJJJH1, JJJJH2, JJJJQ1 …)", column="periode") from None
    received = raw["ontvangen"]
    if not isinstance(received, datetime):
        try:
            received = datetime.fromisoformat(str(received))
        except ValueError:
            raise InputError(side, "ontvangen is geen datum-tijd (ISO 8601)", column="ontvangen") from None
    return DeliveryMeta(
        kvk=kvk,
        naam=str(raw["naam"]),
        domein=domein,
        periode=str(Period.parse(str(raw["periode"]))),
        correctie=bool(raw.get("correctie", False)),
        ontvangen=received,
        indeling=str(raw["indeling"]) if raw.get("indeling") else None,
        vestigingsnummer=str(raw["vestigingsnummer"]) if raw.get("vestigingsnummer") else None,
        sha256=str(raw["sha256"]) if raw.get("sha256") else None,
    )


def write_meta(path: Path, meta: DeliveryMeta) -> None:
    from spiegel.io import write_text_atomic

    write_text_atomic(meta_path_for(path), meta.to_yaml())


def find_deliveries(
    root: str | Path, period: Period | str | None = None, kvk: str | None = None,
    *, problems: dict[str, InputError] | None = None,
) -> list[DeliveryRef]:
    """All deliveries under ``root`` (optionally of one period and/or provider), oldest first.

    A delivery whose metadata (or name) is refused raises its :class:`InputError`; with ``problems`` it is left out
    instead and its error kept under its folder's name (the provider), so that one provider's bad sidecar fails
    only that provider in a batch."""
    root = Path(root)
    period_glob = str(period) if period is not None else "*"
    kvk_glob = kvk if kvk is not None else "*"
    refs = []
    for side in sorted(root.glob(f"{period_glob}/{kvk_glob}/*{META_SUFFIX}")):
        data_path = side.with_name(side.name.removesuffix(META_SUFFIX))
        if data_path.exists():
            try:
                refs.append(DeliveryRef(data_path, load_meta(data_path)))
            except InputError as exc:
                if problems is None:
                    raise
                problems.setdefault(side.parent.name, exc)
    refs.sort(key=lambda r: (r.meta.periode, r.meta.kvk, r.meta.ontvangen, r.path.name))
    return refs


def current_deliveries(
    root: str | Path, period: Period | str | None = None, *, problems: dict[str, InputError] | None = None
) -> dict[tuple[str, str], DeliveryRef]:
    """(period, kvk) → the newest delivery (SPEC §2: a correction replaces the earlier delivery completely);
    ``problems`` as for :func:`find_deliveries`."""
    current: dict[tuple[str, str], DeliveryRef] = {}
    for ref in find_deliveries(root, period, problems=problems):
        current[(ref.meta.periode, ref.meta.kvk)] = ref  # sorted by receipt time: the last one wins
    return current


def current_delivery(root: str | Path, period: Period | str, kvk: str) -> DeliveryRef | None:
    refs = find_deliveries(root, period, kvk)
    return refs[-1] if refs else None


def history(root: str | Path, kvk: str, before: Period) -> list[DeliveryRef]:
    """The current delivery of every earlier period of one provider, oldest first (for herhaald beroep and
    the comparison with the previous period)."""
    newest: dict[str, DeliveryRef] = {}
    for ref in find_deliveries(root, None, kvk):  # only this provider's folders, sorted by receipt time
        if Period.parse(ref.meta.periode) < before:
            newest[ref.meta.periode] = ref
    return [newest[p] for p in sorted(newest, key=Period.parse)]
