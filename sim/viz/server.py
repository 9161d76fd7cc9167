"""Start the browser app: ``solara run sim/viz/app.py`` in a child process, until Ctrl-C.

A child process, not an in-process server, because Solara's own runner sets up its
production server, its asset proxy and its kernels; the scenario or the batch run to replay
reaches the app through environment variables. Nothing leaves the machine: Solara's telemetry
is off, and its asset proxy, which fetches a file missing from the local cache from a public
CDN, is pointed at a closed port on this machine instead (the assets are installed locally by
scripts/install_viz_assets.py; a missing one fails, it is never fetched).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..scenario import load_scenario, resolve_scenario_path
from .student import ENV_REPLAY, ENV_RUN, ENV_SCENARIO

APP = Path(__file__).with_name("app.py")
#: Where Solara's asset proxy would fetch a file missing from its cache: a closed port on this machine
#: (port 9, "discard"), so a cache miss fails at once instead of reaching the internet.
OFFLINE_CDN = "http://127.0.0.1:9/offline-no-cdn/"
STARTUP_TIMEOUT = 120.0
#: Telemetry off (it would post to an outside host); no "runs on Solara" banner over the panels; a closed
#: tab's model freed after 15 minutes (Solara keeps it 24 h by default, so a classroom server would grow);
#: two malloc arenas, so that the threads of many tabs' what-ifs do not each keep their own heap; reacton's
#: fast renderer (reacton 1.11.1+, opt-in), which skips the parts of the page in which nothing changed instead
#: of walking and updating every widget of the tab: a step costs the server about half the CPU
#: (experiments/viz_step_profile.py; docs/VIZ.md).
SERVER_ENV = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "SOLARA_THEME_SHOW_BANNER": "False",
              "SOLARA_KERNEL_CULL_TIMEOUT": "15m", "MALLOC_ARENA_MAX": "2", "MPLBACKEND": "Agg",
              "PYTHONUNBUFFERED": "1", "SOLARA_ASSETS_CDN": OFFLINE_CDN, "REACTON_FAST": "1"}
LOOPBACK = ("127.0.0.1", "::1", "localhost")


def command(host: str, port: int) -> list[str]:
    """The ``solara run`` command line for the app (through ``serve_child``)."""
    return [sys.executable, "-c", "from sim.viz.server import serve_child; serve_child()", "run", str(APP),
            "--host", host, "--port", str(port), "--production", "--no-open", "--no-check-version"]


class LoopbackOnly:
    """ASGI wrapper: Solara's statistics page (``/resourcez``) answers this machine only, whatever --host is."""

    PRIVATE = ("/resourcez",)

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        client = (scope.get("client") or ("",))[0]
        if scope["type"] == "http" and scope["path"].rstrip("/") in self.PRIVATE and client not in LOOPBACK:
            await send({"type": "http.response.start", "status": 404, "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"Not Found"})
            return
        await self.app(scope, receive, send)


def serve_child() -> None:
    """The server process: ``solara run`` (arguments from ``sys.argv``), its app wrapped in ``LoopbackOnly``."""
    import uvicorn.config
    from solara.__main__ import main

    load_app = uvicorn.config.Config.load_app
    uvicorn.config.Config.load_app = lambda self: LoopbackOnly(load_app(self))
    sys.argv = ["solara", *sys.argv[1:]]
    main()


def environment(scenario: str | os.PathLike[str] | None, replay: str | os.PathLike[str] | None,
                run: int | None) -> dict[str, str]:
    """The child's environment: ours, telemetry off, and what to show."""
    env = {k: v for k, v in os.environ.items() if k not in (ENV_SCENARIO, ENV_REPLAY, ENV_RUN)}
    env.update(SERVER_ENV)
    if scenario is not None:
        env[ENV_SCENARIO] = str(resolve_scenario_path(scenario).resolve())
    if replay is not None:
        env[ENV_REPLAY] = str(Path(replay).resolve())
        env[ENV_RUN] = str(run or 0)
    return env


def check_inputs(scenario: str | os.PathLike[str] | None, host: str, port: int,
                 replay: str | os.PathLike[str] | None, run: int | None) -> None:
    """Fail before starting anything (ScenarioError / UsageError with a one-line message)."""
    if scenario is not None:
        load_scenario(scenario)
    if replay is not None:
        from .student import load_replay

        load_replay(replay, run or 0)  # a batch of several scenarios: its first; the page offers the others
    if not 0 < port < 65536:
        raise UsageError(f"port {port} is not between 1 and 65535")
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as err:
        raise UsageError(f"cannot listen on {host}:{port} ({err.strerror or err}); choose another --port") from None


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2.0) as response:  # noqa: S310 - our own local server
            return response.status < 400
    except (urllib.error.URLError, OSError):
        return False


def serve(scenario: str | os.PathLike[str] | None = None, host: str = "127.0.0.1", port: int = 8765,
          replay: str | os.PathLike[str] | None = None, run: int | None = None) -> int:
    """Serve the app on http://HOST:PORT until Ctrl-C; return the exit code (0 after Ctrl-C).

    Binds 127.0.0.1 unless another host is asked for: a classroom server is opened on purpose.
    """
    if host not in LOOPBACK:
        print(f"escalation viz: warning: --host {host} makes the app reachable from other machines on the "
              "network; the default, 127.0.0.1, keeps it to this one", file=sys.stderr)
    check_inputs(scenario, host, port, replay, run)
    previous = signal.signal(signal.SIGTERM, _interrupt)  # a terminated serve stops its server too
    proc = subprocess.Popen(command(host, port), env=environment(scenario, replay, run), stdin=subprocess.DEVNULL,
                            start_new_session=True)
    url_host = f"[{host}]" if ":" in host else host
    probe = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else url_host}:{port}/"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while proc.poll() is None and not _answers(probe):
            if time.monotonic() > deadline:
                print(f"escalation viz: the server did not answer within {STARTUP_TIMEOUT:.0f} s", file=sys.stderr)
                return _stop(proc) or 1
            time.sleep(0.3)
        if proc.poll() is not None:
            return proc.returncode or 1
        print(f"Serving on http://{url_host}:{port}  (Ctrl-C to stop)", flush=True)
        return proc.wait()
    except KeyboardInterrupt:
        _stop(proc)
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _stop(proc: subprocess.Popen) -> int:
    """Stop the server's process group: SIGINT (what Ctrl-C sends), then SIGKILL after 10 s."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc.returncode
