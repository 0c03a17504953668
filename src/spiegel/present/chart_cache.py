"""The caches of chart making, behind one door: what is made once per chart layout or per chart and reused.

Reports draw the same few charts with other numbers, and many small providers draw exactly the same chart, so
three things are remembered per process:

* the Vega-Lite spec a builder's altair code makes, once per layout with placeholders for its category orders
  (:func:`spec`; altair's objects and ``to_dict`` cost ~5 ms a chart);
* the Vega that vl-convert compiles a spec to, once per layout, its data swapped in (:func:`compiled_vega`;
  compiling is ~15 % of a conversion);
* finished SVGs by their whole spec, compressed (:func:`svg`; 15 % of the charts of 300 national reports are
  the same as an earlier one, a hit costs 0.2 ms against 20–30 ms).

The SVG is a function of the spec alone, so a report's output does not depend on which reports the process
made before. Within :func:`bypassed` nothing is remembered or reused (the plain way); tests/test_present.py
holds the specs and SVGs of both ways equal.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

_enabled = True


@contextlib.contextmanager
def bypassed() -> Iterator[None]:
    """Within the block every chart is made the plain way: altair builds each spec, vl-convert compiles and
    converts each chart."""
    global _enabled
    saved, _enabled = _enabled, False
    try:
        yield
    finally:
        _enabled = saved


# --- specs ---------------------------------------------------------------------------------------------------

_SPECS: dict[tuple[Any, ...], dict[str, Any]] = {}
_SPECS_MAX = 256
_HOLE = "\ue000"  # a private-use character, which no label contains


def spec(key: tuple[Any, ...], build: Callable[..., Any], **orders: Sequence[str]) -> dict[str, Any]:
    """``build(**orders).to_dict()``: a builder's altair code runs once per layout ``key`` (every argument but
    the orders, lists of str) with a placeholder list per order, and later charts of that layout get a copy of
    that spec with the placeholders replaced (key order included)."""
    if not _enabled:
        return build(**{name: list(order) for name, order in orders.items()}).to_dict(validate=False)
    template = _SPECS.get(key)
    if template is None:
        template = build(**{name: [_HOLE + name] for name in orders}).to_dict(validate=False)
        if len(_SPECS) >= _SPECS_MAX:
            _SPECS.clear()
        _SPECS[key] = template
    return _filled(template, {_HOLE + name: order for name, order in orders.items()})


def _filled(node: Any, holes: Mapping[str, Sequence[str]]) -> Any:
    if isinstance(node, dict):
        return {k: _filled(v, holes) for k, v in node.items()}
    if isinstance(node, list):
        if len(node) == 1 and isinstance(node[0], str) and node[0] in holes:
            return list(holes[node[0]])
        return [_filled(v, holes) for v in node]
    return node


# --- compiled Vega -------------------------------------------------------------------------------------------

_COMPILED: dict[str, tuple[int, dict[str, Any]]] = {}
_COMPILED_MAX = 64


def compiled_vega(spec: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, Any] | None:
    """The Vega of a Vega-Lite spec with its data inline (``data.values``) and no other data, compiled once per
    layout with ``config``; the compiled Vega has exactly one data set with values, which is swapped. None for
    any other spec, and within :func:`bypassed` (the caller converts the Vega-Lite itself)."""
    import vl_convert as vlc

    data = spec.get("data")
    if not _enabled or not isinstance(data, Mapping) or set(data) != {"values"} or "datasets" in spec:
        return None
    key = json.dumps({k: v for k, v in spec.items() if k != "data"}, sort_keys=True, default=str)
    cached = _COMPILED.get(key)
    if cached is None:
        vega = vlc.vegalite_to_vega(dict(spec), config=dict(config))
        holders = [i for i, d in enumerate(vega.get("data", [])) if "values" in d]
        if len(holders) != 1 or vega["data"][holders[0]]["values"] != data["values"]:
            return None
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.clear()
        cached = _COMPILED[key] = (holders[0], vega)
    index, vega = cached
    out = dict(vega)
    out["data"] = list(vega["data"])
    out["data"][index] = dict(vega["data"][index], values=data["values"])
    return out


# --- finished SVGs -------------------------------------------------------------------------------------------

_SVGS: OrderedDict[bytes, bytes] = OrderedDict()
_SVGS_MAX = 4096
_svgs_lock = threading.Lock()


def svg(spec: Mapping[str, Any], convert: Callable[[Mapping[str, Any]], str]) -> str:
    """``convert(spec)``, remembered by the whole spec (data, titles, alt text included): per process,
    compressed (~1.8 of ~13 KB), the oldest of :data:`_SVGS_MAX` out first."""
    if not _enabled:
        return convert(spec)
    try:
        key = hashlib.sha256(json.dumps(spec, sort_keys=True, ensure_ascii=False).encode("utf-8")).digest()
    except (TypeError, ValueError):  # not plain JSON: convert, do not remember
        return convert(spec)
    with _svgs_lock:
        packed = _SVGS.get(key)
        if packed is not None:
            _SVGS.move_to_end(key)
    if packed is not None:
        return zlib.decompress(packed).decode("utf-8")
    out = convert(spec)
    packed = zlib.compress(out.encode("utf-8"), 1)
    with _svgs_lock:
        _SVGS[key] = packed
        if len(_SVGS) > _SVGS_MAX:
            _SVGS.popitem(last=False)
    return out


def clear() -> None:
    """Forget everything remembered (tests)."""
    _SPECS.clear()
    _COMPILED.clear()
    with _svgs_lock:
        _SVGS.clear()
