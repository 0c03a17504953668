"""Atomic writes: every output is written to a temporary name beside its target and then renamed, so a crash
never leaves a half-written file that looks finished. Also the one YAML reader of the package."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yields a temporary path beside ``target``; on success it is renamed to ``target``, on error removed."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, target)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


#: A temporary file of :func:`atomic_path` older than this (seconds) is left over: a write takes well under a second.
STALE_SECONDS = 60.0


def remove_temporaries(folder: str | Path, names: list[str]) -> None:
    """Remove what :func:`atomic_path` left beside ``folder``'s files ``names`` when its process was killed mid-write
    (``kill -9``, a power cut): a temporary file, never a half-written one under the target's name. Only those older
    than :data:`STALE_SECONDS`, so that another process's write in progress (a batch of another domain rewriting the
    period's index) is left alone."""
    now = time.time()
    for name in names:
        for stale in Path(folder).glob(f".{glob_escape(name)}.*.tmp"):
            with contextlib.suppress(FileNotFoundError):
                if now - stale.stat().st_mtime > STALE_SECONDS:
                    stale.unlink(missing_ok=True)


def glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


@contextlib.contextmanager
def atomic_open(target: str | Path, mode: str = "wb") -> Iterator[BinaryIO]:
    with atomic_path(target) as tmp, open(tmp, mode) as fh:
        yield fh


def write_bytes_atomic(target: str | Path, data: bytes) -> None:
    with atomic_open(target, "wb") as fh:
        fh.write(data)


def write_text_atomic(target: str | Path, text: str) -> None:
    write_bytes_atomic(target, text.encode("utf-8"))


#: A file changed less than this long before it was read is not remembered by its stamp: file times are as coarse
#: as the kernel's clock tick, so a rewrite of the same length within that tick would keep the same stamp (git's
#: "racily clean" files).
SETTLED_NS = 2_000_000_000


def file_stamp(st: os.stat_result) -> tuple[int, int, int] | None:
    """What tells a file's versions apart (modification time, size, inode), for a cache of what was read from it;
    ``None`` while the file is too fresh to be told apart from its next rewrite (see :data:`SETTLED_NS`)."""
    if time.time_ns() - st.st_mtime_ns <= SETTLED_NS:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def parse_yaml(stream: Any) -> Any:
    """YAML text or an open file → data, with libyaml's safe loader when PyYAML has it (the code lists and rules
    take 0.3 s with the pure-Python loader, 20 ms with libyaml), else PyYAML's own safe loader."""
    import yaml

    return yaml.load(stream, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
