"""Text widths in the report font, read from the vendored TrueType files (advance widths, no kerning).

Used to lay out PDF tables cheaply: when every body cell of a table fits on one line, the typst table gets fixed
column widths and fixed row heights, which typst lays out about twice as fast as auto-sized tracks. Ignoring
kerning only overestimates widths, which is the safe side.
"""

from __future__ import annotations

import functools
import struct
from pathlib import Path

FONT_DIR = Path(__file__).parent / "fonts"
_FALLBACK_EM = 0.65  # characters outside the font's basic planes we read: assume a wide glyph
_MAX_CODEPOINT = 0x24FF  # Latin, Greek, Cyrillic, punctuation, currency, arrows, math operators


@functools.lru_cache(maxsize=4)
def advance_widths(file_name: str) -> dict[int, float]:
    """Code point → advance width in em, from the font's cmap (format 4) and hmtx tables."""
    data = (FONT_DIR / file_name).read_bytes()
    (num_tables,) = struct.unpack(">H", data[4:6])
    tables = {}
    for i in range(num_tables):
        tag, _, offset, _ = struct.unpack(">4sIII", data[12 + 16 * i : 28 + 16 * i])
        tables[tag.decode("latin-1")] = offset
    (units_per_em,) = struct.unpack(">H", data[tables["head"] + 18 : tables["head"] + 20])
    (n_metrics,) = struct.unpack(">H", data[tables["hhea"] + 34 : tables["hhea"] + 36])
    hmtx = tables["hmtx"]
    advances = [struct.unpack(">H", data[hmtx + 4 * i : hmtx + 4 * i + 2])[0] for i in range(n_metrics)]
    cmap = tables["cmap"]
    (n_sub,) = struct.unpack(">H", data[cmap + 2 : cmap + 4])
    sub = None
    for i in range(n_sub):
        platform, encoding, offset = struct.unpack(">HHI", data[cmap + 4 + 8 * i : cmap + 12 + 8 * i])
        if platform == 3 and encoding == 1:
            sub = cmap + offset
            break
    if sub is None or struct.unpack(">H", data[sub : sub + 2])[0] != 4:
        raise ValueError(f"{file_name}: no Unicode BMP cmap (format 4)")
    (seg_x2,) = struct.unpack(">H", data[sub + 6 : sub + 8])
    segs = seg_x2 // 2
    ends = struct.unpack(f">{segs}H", data[sub + 14 : sub + 14 + seg_x2])
    starts = struct.unpack(f">{segs}H", data[sub + 16 + seg_x2 : sub + 16 + 2 * seg_x2])
    deltas = struct.unpack(f">{segs}h", data[sub + 16 + 2 * seg_x2 : sub + 16 + 3 * seg_x2])
    range_pos = sub + 16 + 3 * seg_x2
    range_offsets = struct.unpack(f">{segs}H", data[range_pos : range_pos + seg_x2])
    widths: dict[int, float] = {}
    for k in range(segs):
        for cp in range(starts[k], min(ends[k], _MAX_CODEPOINT) + 1):
            if range_offsets[k] == 0:
                glyph = (cp + deltas[k]) & 0xFFFF
            else:
                address = range_pos + 2 * k + range_offsets[k] + 2 * (cp - starts[k])
                (glyph,) = struct.unpack(">H", data[address : address + 2])
                if glyph:
                    glyph = (glyph + deltas[k]) & 0xFFFF
            if glyph:
                widths[cp] = advances[min(glyph, n_metrics - 1)] / units_per_em
    return widths


def text_width(text: str, size_pt: float, *, bold: bool = False) -> float:
    """Width of ``text`` on one line in pt (Liberation Sans, regular or bold)."""
    return _em_width(text, bold) * size_pt


@functools.lru_cache(maxsize=8192)
def _em_width(text: str, bold: bool) -> float:
    # a report measures ~600 cells, most of them the same few numbers and labels as in the report before
    widths = advance_widths("LiberationSans-Bold.ttf" if bold else "LiberationSans-Regular.ttf")
    return sum(widths.get(ord(ch), _FALLBACK_EM) for ch in text)


def longest_word_width(text: str, size_pt: float, *, bold: bool = False) -> float:
    """Width of the widest word: the narrowest a wrapped cell can get (without hyphenation)."""
    return max((text_width(word, size_pt, bold=bold) for word in text.split()), default=0.0)
