"""Helpers for end-to-end browser tests of a Solara app (no tests in here).

Generic on purpose: this module knows nothing about the project's simulator.
It starts ``solara run APP`` on 127.0.0.1 in its own process group, waits until
the server answers HTTP, launches Debian's Chromium through Playwright (never
``playwright install``), records every request a page makes, and checks that
none of them left the machine.

Import it as ``browser_support`` (pytest's default "prepend" import mode puts
``tests/`` on ``sys.path`` when it has no ``__init__.py``) or as
``tests.browser_support`` when ``tests`` is a package. Typical use::

    from browser_support import (
        RequestRecorder, assert_local_only, launch_chromium, solara_server,
    )
    from playwright.sync_api import sync_playwright

    def test_page(tmp_path):
        with solara_server("path/to/app.py", env={"MY_SCENARIO": "s.toml"}) as srv:
            with sync_playwright() as p:
                browser = launch_chromium(p)
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                rec = RequestRecorder().attach(page)
                page.goto(srv.url)
                page.get_by_role("button", name="Step").click()
                page.get_by_text("Step: 1").wait_for()
                assert_local_only(rec.urls)
                assert not rec.cdn_failures
                browser.close()
            assert not srv.cdn_log_failures()
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

LOCAL_HOSTS: frozenset[str] = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})

#: Flags for Chromium run headless as root, in a container, with no internet.
CHROMIUM_ARGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)

#: Debian's chromium; override with the CHROMIUM_PATH environment variable.
DEFAULT_CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

#: Environment every test server gets (callers may override any key).
#: Telemetry would otherwise post to an outside host from the server process.
DEFAULT_SERVER_ENV: dict[str, str] = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    "PYTHONUNBUFFERED": "1",
    "MPLBACKEND": "Agg",
}

_CDN_LOG_RE = re.compile(r"Could not load URL: '?([^'\s)]+)")


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def chromium_available(executable_path: str = DEFAULT_CHROMIUM) -> bool:
    """True when the Chromium binary and the playwright package are both present."""
    if importlib.util.find_spec("playwright") is None:
        return False
    return Path(executable_path).exists() or shutil.which(executable_path) is not None


@dataclass
class SolaraServer:
    """A running ``solara run`` subprocess (use :func:`start_solara`)."""

    proc: subprocess.Popen[bytes]
    host: str
    port: int
    log_path: Path
    _log_file: Any = field(repr=False, default=None)

    @property
    def url(self) -> str:
        """Base URL of the app, with a trailing slash."""
        return f"http://{self.host}:{self.port}/"

    @property
    def pid(self) -> int:
        """Process id of the server (also its process-group id)."""
        return self.proc.pid

    def log_text(self) -> str:
        """Everything the server printed so far (stdout and stderr)."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 60) -> str:
        """The last ``lines`` lines of the server log."""
        return "\n".join(self.log_text().splitlines()[-lines:])

    def cdn_log_failures(self) -> list[str]:
        """URLs the server failed to fetch for its ``/_solara/cdn/`` proxy."""
        return sorted(set(_CDN_LOG_RE.findall(self.log_text())))

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server; see :func:`stop_solara`."""
        stop_solara(self, timeout=timeout)


def _http_ok(url: str, timeout: float) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - local URL
            return 200 <= resp.status < 400
    except (urllib.error.URLError, OSError, ValueError):
        return False


def start_solara(
    app: str | os.PathLike[str],
    *,
    env: Mapping[str, str] | None = None,
    host: str = "127.0.0.1",
    port: int | None = None,
    timeout: float = 90.0,
    python: str | None = None,
    extra_args: Sequence[str] = (),
    cwd: str | os.PathLike[str] | None = None,
    log_path: str | os.PathLike[str] | None = None,
) -> SolaraServer:
    """Start ``python -m solara run APP --production`` and wait until it answers HTTP.

    ``env`` is added on top of ``os.environ`` and :data:`DEFAULT_SERVER_ENV`.
    The server runs in its own process group (stop it with :func:`stop_solara`)
    and logs to ``log_path`` (a temp file by default). Raises ``RuntimeError``
    with the log tail when the process exits or ``timeout`` seconds pass first.
    """
    app_path = Path(app).resolve()
    if not app_path.exists():
        raise FileNotFoundError(app_path)
    port = port or free_port(host)
    if log_path is None:
        fd, name = tempfile.mkstemp(prefix="solara-server-", suffix=".log")
        os.close(fd)
        log_path = name
    log_path = Path(log_path)
    full_env = {**os.environ, **DEFAULT_SERVER_ENV, **(env or {})}
    cmd = [
        python or sys.executable,
        "-m",
        "solara",
        "run",
        str(app_path),
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
        "--no-check-version",
        *extra_args,
    ]
    log_file = open(log_path, "wb")  # noqa: SIM115 - closed in stop_solara
    proc = subprocess.Popen(
        cmd,
        cwd=str(cwd or app_path.parent),
        env=full_env,
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = SolaraServer(proc=proc, host=host, port=port, log_path=log_path, _log_file=log_file)
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            tail = server.log_tail()
            stop_solara(server)
            raise RuntimeError(
                f"solara server exited with code {proc.returncode} before answering "
                f"(cmd: {' '.join(cmd)})\n--- server log tail ---\n{tail}"
            )
        if _http_ok(server.url, timeout=2.0):
            return server
        if time.monotonic() > deadline:
            tail = server.log_tail()
            stop_solara(server)
            raise RuntimeError(
                f"solara server did not answer {server.url} within {timeout:.0f}s "
                f"(cmd: {' '.join(cmd)})\n--- server log tail ---\n{tail}"
            )
        time.sleep(0.25)


def stop_solara(server: SolaraServer, timeout: float = 10.0) -> None:
    """Stop the server's whole process group: SIGTERM, then SIGKILL after ``timeout``."""
    proc = server.proc
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=timeout)
    else:
        # the leader is gone; make sure no child of it lingers
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    if server._log_file is not None and not server._log_file.closed:
        server._log_file.close()


@contextlib.contextmanager
def solara_server(app: str | os.PathLike[str], **kwargs: Any) -> Iterator[SolaraServer]:
    """Context manager around :func:`start_solara` / :func:`stop_solara`."""
    server = start_solara(app, **kwargs)
    try:
        yield server
    finally:
        stop_solara(server)


def launch_chromium(
    playwright: Any,
    *,
    executable_path: str = DEFAULT_CHROMIUM,
    extra_args: Sequence[str] = (),
    **launch_kwargs: Any,
) -> Any:
    """Launch Debian's Chromium headless through a ``sync_playwright()`` handle.

    Returns a Playwright ``Browser``; close it yourself (or close the playwright
    context). Never needs ``playwright install``.
    """
    return playwright.chromium.launch(
        executable_path=executable_path,
        headless=True,
        args=[*CHROMIUM_ARGS, *extra_args],
        **launch_kwargs,
    )


@dataclass
class RequestRecorder:
    """Collects every request URL a page (or browser context) makes.

    ``attach`` works on a ``Page`` or a ``BrowserContext``. ``cdn_failures``
    lists ``/_solara/cdn/`` responses with status >= 400; ``failed`` lists
    requests that got no response at all (``requestfailed``); ``errors`` holds
    console errors and uncaught page exceptions.
    """

    urls: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    bad_responses: list[tuple[int, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def attach(self, target: Any) -> RequestRecorder:
        """Start recording on a Playwright ``Page`` or ``BrowserContext``."""
        target.on("request", self._on_request)
        target.on("requestfailed", self._on_failed)
        target.on("response", self._on_response)
        target.on("console", self._on_console)
        if hasattr(target, "new_page"):  # BrowserContext
            target.on("weberror", lambda e: self._add_error(f"pageerror: {e.error}"))
        else:  # Page
            target.on("pageerror", lambda e: self._add_error(f"pageerror: {e}"))
        return self

    def _add_error(self, text: str) -> None:
        with self._lock:
            self.errors.append(text)

    def _on_console(self, msg: Any) -> None:
        if msg.type == "error":
            self._add_error(f"console: {msg.text}")

    def _on_request(self, request: Any) -> None:
        with self._lock:
            self.urls.append(request.url)

    def _on_failed(self, request: Any) -> None:
        with self._lock:
            self.failed.append(request.url)

    def _on_response(self, response: Any) -> None:
        if response.status >= 400:
            with self._lock:
                self.bad_responses.append((response.status, response.url))

    @property
    def cdn_failures(self) -> list[str]:
        """``/_solara/cdn/`` URLs that answered 4xx/5xx."""
        return [u for s, u in self.bad_responses if "/_solara/cdn/" in u]

    def hosts(self) -> set[str]:
        """Distinct hosts of the recorded http(s)/ws(s) URLs."""
        return {h for h in (_host_of(u) for u in self.urls) if h is not None}

    def clear(self) -> None:
        """Forget everything recorded so far."""
        with self._lock:
            self.urls.clear()
            self.failed.clear()
            self.bad_responses.clear()
            self.errors.clear()


def _host_of(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "ws", "wss"):
        return None  # data:, blob:, about:, chrome-extension: never leave the machine
    return parts.hostname or ""


def non_local_urls(urls: Iterable[str], allowed_hosts: Iterable[str] = LOCAL_HOSTS) -> list[str]:
    """The URLs whose host is not loopback (``data:``/``blob:``/``about:`` are ignored)."""
    allowed = {h.strip("[]") for h in allowed_hosts}
    out = []
    for u in urls:
        host = _host_of(u)
        if host is not None and host.strip("[]") not in allowed and not host.startswith("127."):
            out.append(u)
    return out


def assert_local_only(urls: Iterable[str], allowed_hosts: Iterable[str] = LOCAL_HOSTS) -> None:
    """Fail (AssertionError) if any URL would leave 127.0.0.1/localhost."""
    bad = non_local_urls(urls, allowed_hosts)
    assert not bad, f"{len(bad)} request(s) left the machine:\n" + "\n".join(sorted(set(bad)))
