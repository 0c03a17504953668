"""Looking at reports as a person would: headless Chromium (Debian's ``chromium``) driven over its DevTools pipe,
offline, and PNG pixels from its screenshots (PDF pages: tests/pdfpages.py). Shared by the render and report tests."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import queue
import shutil
import struct
import subprocess
import textwrap
import threading
import zlib
from pathlib import Path
from typing import Any


def decode_png(data: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    """8-bit RGB/RGBA/grey non-interlaced PNG → pixels (enough for Chromium screenshots)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    height = color = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and interlace == 0
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[color]
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        filt = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if filt == 1:
                line[i] = (line[i] + a) & 0xFF
            elif filt == 2:
                line[i] = (line[i] + b) & 0xFF
            elif filt == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif filt == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        prev = line
    pixels = [tuple(row[x * channels : x * channels + min(channels, 3)]) for row in rows for x in range(width)]
    return width, height, pixels


def ink_share(pixels: Any) -> float:
    """Share of pixels that are not (nearly) white."""
    if isinstance(pixels, bytes):
        pixels = decode_png(pixels)[2]
    inked = sum(1 for p in pixels if min(p) < 235)
    return inked / max(len(pixels), 1)


class _DevTools:
    """Chromium's DevTools protocol over ``--remote-debugging-pipe`` (fd 3: commands in, fd 4: replies out)."""

    def __init__(self, profile: Path) -> None:
        exe = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
        assert exe, "headless Chromium is needed for this test: make test installs it (tools/system-packages.sh)"
        to_browser_r, self._to_browser_w = os.pipe()
        self._from_browser_r, from_browser_w = os.pipe()

        def child_fds() -> None:
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe", "--no-first-run",
             "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--hide-scrollbars", f"--user-data-dir={profile}",
             "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(3, 4), preexec_fn=child_fds,  # fds 3/4 are the DevTools pipe
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._next_id = 0
        self._replies: dict[int, queue.Queue[dict[str, Any]]] = {}
        self.events: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        buffer = b""
        with os.fdopen(self._from_browser_r, "rb", buffering=0) as pipe:
            while chunk := pipe.read(65536):
                buffer += chunk
                while b"\0" in buffer:
                    raw, buffer = buffer.split(b"\0", 1)
                    message = json.loads(raw)
                    if "id" in message:
                        with self._lock:
                            box = self._replies.setdefault(message["id"], queue.Queue())
                        box.put(message)
                    else:
                        with self._lock:
                            self.events.append(message)

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        with self._lock:
            self._next_id += 1
            ident = self._next_id
            box = self._replies.setdefault(ident, queue.Queue())
        message: dict[str, Any] = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser_w, json.dumps(message).encode() + b"\0")
        reply = box.get(timeout=60)
        assert "error" not in reply, reply
        return reply.get("result", {})

    def wait_for(self, method: str, session: str, timeout: float = 60) -> None:
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if any(e["method"] == method and e.get("sessionId") == session for e in self.events):
                    return
            time.sleep(0.05)
        raise AssertionError(f"Chromium sent no {method} within {timeout} s")

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the browser may close the pipe before replying
            self.send("Browser.close")
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_browser_w)


PAGE_PROBE = textwrap.dedent("""\
    JSON.stringify({
      svgs: document.querySelectorAll('svg').length,
      svg_widths: Array.from(document.querySelectorAll('svg')).map(s => s.getBoundingClientRect().width),
      tables: document.querySelectorAll('table.sp-table').length,
      wraps: Array.from(document.querySelectorAll('.sp-table-wrap')).map(w => {
        const r = w.getBoundingClientRect();
        return {left: r.left, right: r.right, client: w.clientWidth, scroll: w.scrollWidth};
      }),
      page_width: document.documentElement.scrollWidth,
      text: document.body.innerText,
      height: document.documentElement.scrollHeight
    })""")


def open_in_chromium(html: Path, screenshot: Path, width: int = 1000) -> dict[str, Any]:
    """Opens ``html`` in a window ``width`` px wide with the network emulated offline; returns requests to
    anything but file:/data:, console errors and exceptions, facts about the page, and a small screenshot (a
    full one is saved to ``screenshot``)."""
    browser = _DevTools(screenshot.parent / "chromium-profile")
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log"):
            browser.send(f"{domain}.enable", session=session)
        browser.send("Network.emulateNetworkConditions",
                     {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
                     session=session)
        browser.send("Emulation.setDeviceMetricsOverride",
                     {"width": width, "height": 1400, "deviceScaleFactor": 1, "mobile": False}, session=session)
        browser.send("Page.navigate", {"url": html.resolve().as_uri()}, session=session)
        browser.wait_for("Page.loadEventFired", session)
        probe = browser.send("Runtime.evaluate", {"expression": PAGE_PROBE, "returnByValue": True}, session=session)
        page = json.loads(probe["result"]["value"])
        height = int(page["height"])
        full = browser.send("Page.captureScreenshot",
                            {"format": "png", "captureBeyondViewport": True,
                             "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}},
                            session=session)
        screenshot.write_bytes(base64.b64decode(full["data"]))
        small = browser.send("Page.captureScreenshot",
                             {"format": "png", "captureBeyondViewport": True,
                              "clip": {"x": 0, "y": 0, "width": width, "height": min(height, 1400), "scale": 0.15}},
                             session=session)
        with browser._lock:
            events = [e for e in browser.events if e.get("sessionId") == session]
    finally:
        browser.close()
    requests = [
        e["params"]["request"]["url"] for e in events
        if e["method"] == "Network.requestWillBeSent"
        and not e["params"]["request"]["url"].startswith(("file:", "data:", "about:"))
    ]
    errors = [e["params"] for e in events if e["method"] == "Runtime.exceptionThrown"]
    errors += [e["params"] for e in events
               if e["method"] == "Runtime.consoleAPICalled" and e["params"]["type"] == "error"]
    errors += [e["params"]["entry"] for e in events if e["method"] == "Log.entryAdded"
               and e["params"]["entry"]["level"] == "error"]
    return {"requests": requests, "errors": errors, "page": page, "thumbnail": base64.b64decode(small["data"])}


def test_module_cli_renders_and_reports_errors_in_one_line(executed: Path, tmp_path: Path, capsys):
    from spiegel.render.__main__ import main

    assert main([str(executed), str(tmp_path), "--renderer", "builtin", "--formats", "html", "--stem", "r"]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "r.html")
    assert main([str(tmp_path / "bestaat-niet.ipynb"), str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip().endswith("bestaat-niet.ipynb: notebook not found")
