"""Escaping and inline markup shared by the display objects and the typst back-end.

Inline markup is a deliberately tiny subset: ``**vet**`` and ``*cursief*``. Text goes into HTML escaped and into
typst as string literals (``#"..."``), so no character in a label or message can break either document.
"""

from __future__ import annotations

import html
import re

_INLINE = re.compile(r"\*\*(?P<strong>.+?)\*\*|(?<![\w*])\*(?P<emph>[^*\s](?:[^*]*[^*\s])?)\*(?![\w*])")


def esc_html(text: object) -> str:
    """Text for an HTML element or attribute."""
    return html.escape(str(text), quote=True)


def typst_str(text: object) -> str:
    """A typst string literal: valid in code mode and, prefixed with ``#``, in markup."""
    value = str(text)
    value = value.replace("\\", "\\\\").replace('"', '\\"')
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n").replace("\t", "\\t")
    return f'"{value}"'


def _spans(text: str) -> list[tuple[str, str]]:
    """Splits text into (kind, text) with kind in plain|strong|emph."""
    spans: list[tuple[str, str]] = []
    pos = 0
    for match in _INLINE.finditer(text):
        if match.start() > pos:
            spans.append(("plain", text[pos : match.start()]))
        if match.group("strong") is not None:
            spans.append(("strong", match.group("strong")))
        else:
            spans.append(("emph", match.group("emph")))
        pos = match.end()
    if pos < len(text):
        spans.append(("plain", text[pos:]))
    return spans


def inline_html(text: str) -> str:
    """``**vet**`` → ``<strong>vet</strong>``; everything else escaped."""
    parts = []
    for kind, value in _spans(text):
        if kind == "strong":
            parts.append(f"<strong>{esc_html(value)}</strong>")
        elif kind == "emph":
            parts.append(f"<em>{esc_html(value)}</em>")
        else:
            parts.append(esc_html(value))
    return "".join(parts)


def inline_typst(text: str) -> str:
    """Inline text as typst markup: ``#"plain"#strong("vet")``."""
    parts = []
    for kind, value in _spans(text):
        if kind == "strong":
            parts.append(f"#strong({typst_str(value)})")
        elif kind == "emph":
            parts.append(f"#emph({typst_str(value)})")
        else:
            parts.append(f"#{typst_str(value)}")
    return "".join(parts)


def inline_typst_code(text: str) -> str:
    """Inline text as a typst code expression (content), for use inside ``table(...)`` or ``grid(...)``."""
    spans = _spans(text)
    if not spans:
        return '""'
    if len(spans) == 1 and spans[0][0] == "plain":
        return typst_str(spans[0][1])
    return "[" + inline_typst(text) + "]"


def inline_plain(text: str) -> str:
    """The text without markup characters."""
    return "".join(value for _, value in _spans(text))
