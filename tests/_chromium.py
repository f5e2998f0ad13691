"""Drive Debian's headless chromium over the DevTools protocol on a pipe (no extra package).

``--remote-debugging-pipe`` makes chromium read NUL-terminated JSON commands on file descriptor 3
and write responses and events on descriptor 4, so the DevTools protocol needs neither a port nor
a websocket client. Every request but ``file:`` and ``data:`` URLs is failed by the ``Fetch``
domain before it leaves and recorded, as are console messages, uncaught exceptions and log
entries (failed loads, CSP violations).
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: flags from the machine guide: headless, no sandbox as root, nothing in the background
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--mute-audio",
    "--hide-scrollbars",
    # belt and braces: were a request to escape the Fetch block, it could reach no host
    "--proxy-server=http://127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)
LOCAL_SCHEMES = ("file:", "data:")


def find_chromium() -> str | None:
    """Return the chromium executable, or None when it is not installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class PageVisit:
    """What happened while one page loaded."""

    url: str
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    console: list[dict] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    log_entries: list[dict] = field(default_factory=list)
    screenshot: bytes = b""
    pdf: bytes = b""
    evaluated: Any = None

    @property
    def errors(self) -> list[str]:
        """Console errors, warnings, uncaught exceptions and error/warning log entries."""
        out = [
            f"console.{m['type']}: {m['text']}"
            for m in self.console
            if m["type"] in ("error", "warning", "assert")
        ]
        out += [f"exception: {e}" for e in self.exceptions]
        out += [
            f"log {e['level']}: {e['text']}"
            for e in self.log_entries
            if e["level"] in ("error", "warning")
        ]
        return out

    @property
    def remote_requests(self) -> list[str]:
        """Requests for anything but ``file:`` and ``data:`` URLs (seen or blocked)."""
        urls = dict.fromkeys(self.requests + self.blocked)
        return [u for u in urls if not u.startswith(LOCAL_SCHEMES)]


class Chromium:
    """One headless chromium process with a DevTools session over a pipe."""

    def __init__(self, executable: str, *, timeout: float = 60.0) -> None:
        self.timeout = timeout
        self._profile = tempfile.mkdtemp(prefix="rtpredict-chromium-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def wire_pipes() -> None:  # runs in the child: chromium expects fds 3 and 4
            r, w = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(r, 3)
            os.dup2(w, 4)

        cmd = [
            executable,
            *FLAGS,
            f"--user-data-dir={self._profile}",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        self._proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=wire_pipes,  # runs before exec: no threads are started in between
            pass_fds=(3, 4),  # close_fds runs after preexec_fn: keep the wired pair
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next_id = 0
        self._visit: PageVisit | None = None
        self._session: str | None = None

    # ----------------------------------------------------------------- protocol
    def _send(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        return self._next_id

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            if not self._read_ready(deadline):
                raise TimeoutError("chromium did not answer in time")
            chunk = os.read(self._from_chrome, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        """Send a command and return its result, handling the events that arrive meanwhile."""
        wanted = self._send(method, params, session)
        deadline = time.monotonic() + self.timeout
        while True:
            message = self._read_message(deadline)
            if message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self._dispatch(message)

    def _pump(self, *, until: str | None = None, seconds: float = 0.0) -> None:
        """Handle events until event ``until`` arrives, or for ``seconds``."""
        deadline = time.monotonic() + (self.timeout if until else seconds)
        while True:
            try:
                message = self._read_message(deadline)
            except TimeoutError:
                if until:
                    raise
                return
            self._dispatch(message)
            if until and message.get("method") == until:
                return

    def _read_ready(self, deadline: float) -> bool:
        """Wait until the pipe has data or ``deadline`` passes; return True if data is there."""
        wait = max(0.0, deadline - time.monotonic())
        return bool(select.select([self._from_chrome], [], [], wait)[0])

    def _dispatch(self, message: dict) -> None:
        """Record an event of the page being visited; let local requests through."""
        visit, session = self._visit, self._session
        if visit is None or message.get("sessionId") != session or "method" not in message:
            return
        method, params = message["method"], message.get("params", {})
        if method == "Fetch.requestPaused":
            url = params["request"]["url"]
            if url.startswith(LOCAL_SCHEMES):
                self._send("Fetch.continueRequest", {"requestId": params["requestId"]}, session)
            else:
                visit.blocked.append(url)
                self._send(
                    "Fetch.failRequest",
                    {"requestId": params["requestId"], "errorReason": "BlockedByClient"},
                    session,
                )
        elif method == "Network.requestWillBeSent":
            visit.requests.append(params["request"]["url"])
        elif method == "Network.webSocketCreated":
            visit.requests.append(params["url"])
        elif method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            visit.console.append({"type": params["type"], "text": text})
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            visit.exceptions.append(
                details.get("exception", {}).get("description") or details.get("text", "")
            )
        elif method == "Log.entryAdded":
            entry = params["entry"]
            visit.log_entries.append({"level": entry["level"], "text": entry["text"]})

    # ----------------------------------------------------------------- public
    def visit(
        self,
        path: Path,
        *,
        width: int = 900,
        settle: float = 0.1,
        pdf: bool = False,
        evaluate: str | None = None,
    ) -> PageVisit:
        """Load ``path`` from file://, take a full-page screenshot and, if asked, print a PDF.

        ``evaluate``: a JavaScript expression run after the load (its JSON string result is
        parsed into ``visit.evaluated``).
        """
        url = Path(path).resolve().as_uri()
        visit = PageVisit(url)
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        self._visit, self._session = visit, session
        try:
            for domain in ("Page", "Runtime", "Log", "Network"):
                self.call(f"{domain}.enable", session=session)
            self.call("Fetch.enable", {"patterns": [{"urlPattern": "*"}]}, session)
            self.call(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": 1200, "deviceScaleFactor": 1, "mobile": False},
                session,
            )
            self.call("Page.navigate", {"url": url}, session)
            self._pump(until="Page.loadEventFired")
            self._pump(seconds=settle)
            size = self.call("Page.getLayoutMetrics", session=session)["cssContentSize"]
            shot = self.call(
                "Page.captureScreenshot",
                {
                    "format": "png",
                    "captureBeyondViewport": True,
                    "optimizeForSpeed": True,
                    "clip": {
                        "x": 0,
                        "y": 0,
                        "width": width,
                        "height": size["height"],
                        "scale": 1,
                    },
                },
                session,
            )
            visit.screenshot = base64.b64decode(shot["data"])
            if pdf:
                printed = self.call("Page.printToPDF", {"preferCSSPageSize": True}, session)
                visit.pdf = base64.b64decode(printed["data"])
            if evaluate is not None:
                value = self.call(
                    "Runtime.evaluate", {"expression": evaluate, "returnByValue": True}, session
                )
                visit.evaluated = json.loads(value["result"]["value"])
            self._pump(seconds=0.1)
        finally:
            self.call("Target.closeTarget", {"targetId": target})
            self._visit = self._session = None
        return visit

    def close(self) -> None:
        """Stop chromium and remove its profile."""
        try:
            self._send("Browser.close")
            self._proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self._proc.kill()
            self._proc.wait()
        finally:
            os.close(self._to_chrome)
            os.close(self._from_chrome)
            shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
