"""Load test of the browser app as a classroom server: N tabs stepping at once, on this machine.

Starts the app (as ``escalation viz`` does) on 127.0.0.1, opens N tabs in one headless Debian
Chromium, and measures: page load; one tab stepping alone; all N tabs stepping at once (click
Step, wait until the page's "Step: k" shows); all N tabs asking for the what-if odds at once, each
with its own seed (``--what-if-rounds`` rounds; the server runs them in turn, first come first
served, and each waiting tab says how many are ahead); the CPU used by the server per step (in
all, from the process's CPU time, and each click's own as the server logs it, ``ENV_STEP_LOG``:
median, p95) and by the browser; and the server's memory (RSS) before, during and after. Every loop is bounded
(tabs <= 40, steps <= 50) and the whole run stops itself after --timeout seconds. Only 127.0.0.1
is used.

    .venv/bin/python experiments/viz_load.py                   # 30 tabs x 10 steps
    .venv/bin/python experiments/viz_load.py --tabs 5 --steps 5 --json
    .venv/bin/python experiments/viz_load.py --tabs 30 --without-browser   # clients that draw nothing

Chromium draws all N pages on the same 2 cores as the server, so the step times include the
browser's own work: they are an upper bound for a classroom where each student has a machine.
With ``--without-browser`` the tabs are ``WidgetClient``s (tests/widget_client.py): they speak
the page's websocket protocol, so the server does exactly its work for a tab, but they draw
nothing, so 30 of them fit beside the server on 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from browser_support import CHROMIUM_ARGS, DEFAULT_CHROMIUM, solara_server  # noqa: E402
from widget_client import WidgetClient  # noqa: E402

from sim.viz.components import ENV_STEP_LOG  # noqa: E402
from sim.viz.server import APP, SERVER_ENV  # noqa: E402

MAX_TABS, MAX_STEPS = 40, 50


def rss_mib(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / 2**20


def browser_cpu_seconds() -> float:
    """CPU time of every Chromium process of this run (the tabs' own work, not the server's)."""
    total = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            if "chrom" in child.name():
                total += sum(child.cpu_times()[:2])
        except psutil.NoSuchProcess:
            continue
    return total


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {"n": 0}

    def quantile(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {"n": len(ordered), "median": statistics.median(ordered), "p90": quantile(0.9), "p95": quantile(0.95),
            "max": ordered[-1]}


async def what_if_rounds(out: dict, rounds: int, process, pid: int, askers: list) -> None:
    """Every tab asks for a what-if at once, ``rounds`` times (does memory settle, or grow with every round?);
    ``askers[i](seed, waits)`` asks from tab i and notes how many batches it was told are ahead of it."""
    for round_ in range(1, rounds + 1):
        cpu_before = sum(process.cpu_times()[:2])
        waits: list[int] = []
        asked = (ask(1000 * round_ + i, waits) for i, ask in enumerate(askers))
        out[f"what_if_all_tabs_round{round_}_s"] = summary(await asyncio.gather(*asked))
        out[f"what_if_round{round_}_tabs_told_they_wait"] = sum(1 for w in waits if w > 0)
        out[f"what_if_round{round_}_most_ahead"] = max(waits, default=0)
        out[f"server_cpu_per_what_if_round{round_}_s"] = (sum(process.cpu_times()[:2]) - cpu_before) / len(askers)
        out[f"rss_after_what_if_round{round_}_mib"] = rss_mib(pid)


async def server_quiet(process: psutil.Process, limit: float = 120.0) -> None:
    """Wait until the server uses under 10% of a core over half a second (its start-up batch of the reference
    odds, say, has ended), so that it does not count as the steps' work."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = sum(process.cpu_times()[:2])
        await asyncio.sleep(0.5)
        if sum(process.cpu_times()[:2]) - before < 0.05:
            return


def logged_steps(path: Path, expected: int = 0, patience: float = 5.0) -> list[float]:
    """The server's CPU milliseconds of every Step click so far (``ENV_STEP_LOG``); waits up to ``patience``
    seconds for ``expected`` of them (a click's line is written after the page it redrew was sent)."""
    deadline = time.monotonic() + patience
    while True:
        values = [float(line) for line in path.read_text().split()] if path.exists() else []
        if len(values) >= expected or time.monotonic() > deadline:
            return values
        time.sleep(0.05)


async def open_tab(browser, url: str) -> tuple[object, float, set[str]]:
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    hosts: set[str] = set()
    page.on("request", lambda r: hosts.add(re.sub(r"^\w+://([^/:]+).*$", r"\1", r.url)))
    started = time.perf_counter()
    await page.goto(url, timeout=120_000)
    await page.get_by_text(re.compile(r"^Step: 0$")).wait_for(timeout=120_000)
    return page, time.perf_counter() - started, hosts


async def step_tab(page, steps: int, start: int) -> list[float]:
    times = []
    for k in range(start + 1, start + steps + 1):
        started = time.perf_counter()
        await page.get_by_role("button", name="Step", exact=True).click()
        await page.get_by_text(re.compile(rf"^Step: {k}$")).wait_for(timeout=120_000)
        times.append(time.perf_counter() - started)
    return times


async def what_if(page, seed: int, waits: list[int]) -> float:
    """Ask for the odds with a seed no other tab uses (the server would recall a repeated question)."""
    field = page.get_by_label(re.compile(r"^Seed"))
    await field.fill(str(seed))
    await page.get_by_role("button", name="Reset", exact=True).click()
    await page.get_by_text(re.compile(rf"seed {seed};")).wait_for(timeout=60_000)
    await page.get_by_role("tab", name="What-if and compare").click()
    await page.locator("table.odds").wait_for(state="detached", timeout=60_000)
    started = time.perf_counter()
    await page.get_by_role("button", name=re.compile(r"^Run 2,000 runs")).click()
    most = 0  # the most batches of other tabs' what-ifs this tab was told are ahead of it
    while not await page.locator("table.odds").count():
        if time.perf_counter() - started > 900:
            raise TimeoutError("no odds within 900 s")
        try:
            text = await page.locator(".what-if-wait").inner_text(timeout=1_000)
        except Exception:  # noqa: BLE001 - the line is gone: the odds are coming
            text = ""
        found = re.search(r"waiting: (\d+) batch", text)
        most = max(most, int(found.group(1)) if found else 0)
        await asyncio.sleep(0.5)
    waits.append(most)
    return time.perf_counter() - started


async def measure(url: str, pid: int, tabs: int, steps: int, rounds: int, step_log: Path) -> dict:
    from playwright.async_api import async_playwright

    process = psutil.Process(pid)
    out: dict = {"tabs": tabs, "steps": steps, "load_average_before": os.getloadavg()[0], "rss_start_mib": rss_mib(pid)}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=DEFAULT_CHROMIUM, headless=True, args=list(CHROMIUM_ARGS))
        first, load, hosts = await open_tab(browser, url)
        out["load_one_tab_s"] = load
        await server_quiet(process)
        out["step_one_tab_s"] = summary(await step_tab(first, steps, 0))
        out["server_cpu_per_step_one_tab_ms"] = summary(logged_steps(step_log, steps))
        arriving = asyncio.Semaphore(4)  # students arrive a few at a time, not all in the same second

        async def arrive():
            async with arriving:
                return await open_tab(browser, url)

        opened = await asyncio.gather(*(arrive() for _ in range(tabs - 1)))
        pages = [first] + [page for page, _, _ in opened]
        out["load_while_others_arrive_s"] = summary([t for _, t, _ in opened] or [load])
        out["rss_all_open_mib"] = rss_mib(pid)
        await server_quiet(process)
        cpu_before, browser_before = sum(process.cpu_times()[:2]), browser_cpu_seconds()
        logged_before = len(logged_steps(step_log))
        started = time.perf_counter()
        results = await asyncio.gather(*(step_tab(page, steps, steps if page is first else 0) for page in pages))
        wall = time.perf_counter() - started
        out["step_all_tabs_at_once_s"] = summary([t for times in results for t in times])
        # the server process's CPU over the phase, per step: everything (model, render, sending, the event loop)
        out["server_cpu_per_step_ms"] = 1000 * (sum(process.cpu_times()[:2]) - cpu_before) / (tabs * steps)
        # each click's own work, in the thread that handled it (model and re-render; not the sending)
        out["server_cpu_per_step_all_tabs_ms"] = summary(logged_steps(step_log, logged_before + tabs * steps)[logged_before:])
        out["browser_cpu_per_step_ms"] = 1000 * (browser_cpu_seconds() - browser_before) / (tabs * steps)
        out["steps_per_second_all_tabs"] = tabs * steps / wall
        out["rss_after_steps_mib"] = rss_mib(pid)
        await what_if_rounds(out, rounds, process, pid, [functools.partial(what_if, page) for page in pages])
        out["load_average_after"] = os.getloadavg()[0]
        out["hosts_requested"] = sorted(hosts.union(*(h for _, _, h in opened)))
        await browser.close()
    return out


# ---- the same, with clients that speak the page's websocket protocol but draw nothing ------------------------
async def open_client(url: str) -> tuple[WidgetClient, float]:
    started = time.perf_counter()
    client = await WidgetClient.open(url)
    await client.until(lambda: client.find(class_="step-counter"), 60)
    return client, time.perf_counter() - started


def step_counter(client: WidgetClient) -> str:
    return client.text("step-counter")


async def step_client(client: WidgetClient, steps: int, start: int) -> list[float]:
    times = []
    button = client.find(_model_name="BtnModel", children=["Step"])[0]
    for k in range(start + 1, start + steps + 1):
        started = time.perf_counter()
        await client.click(button)
        await client.until(lambda k=k: step_counter(client) == f"Step: {k}", 120)
        times.append(time.perf_counter() - started)
    return times


def html_with(client: WidgetClient, text: str) -> bool:
    return any(isinstance(v, str) and text in v for w in client.widgets.values() for v in w.values())


async def what_if_client(client: WidgetClient, seed: int, waits: list[int]) -> float:
    """As ``what_if``: type a seed no other tab uses, Reset, open the what-if tab, ask, wait for the odds."""
    field = client.find(_model_name="TextFieldModel")[0]
    await client.set_state(field, v_model=str(seed))
    await client.click(client.find(_model_name="BtnModel", children=["Reset"])[0])
    await client.until(lambda: f"seed {seed};" in client.text("settings-line"), 60)
    tab = client.find(_model_name="TabModel", children=["What-if and compare"])[0]
    tabs = next(k for k, w in client.widgets.items() if f"IPY_MODEL_{tab}" in (w.get("children") or []))
    await client.set_state(tabs, v_model=1)
    label = f"Run {whatif_runs():,} runs with these settings"
    await client.until(lambda: client.find(_model_name="BtnModel", children=[label]), 60)
    await client.until(lambda: not html_with(client, "class='odds'"), 60)
    started = time.perf_counter()
    await client.click(client.find(_model_name="BtnModel", children=[label])[0])
    most = 0
    while not html_with(client, "class='odds'"):
        if time.perf_counter() - started > 900:
            raise TimeoutError("no odds within 900 s")
        found = re.search(r"waiting: (\d+) batch", client.text("what-if-wait"))
        most = max(most, int(found.group(1)) if found else 0)
        client.changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(client.changed.wait(), 0.5)
    waits.append(most)
    return time.perf_counter() - started


def whatif_runs() -> int:
    from sim.viz.whatif import RUNS

    return RUNS


async def measure_without_browser(url: str, pid: int, tabs: int, steps: int, rounds: int, step_log: Path) -> dict:
    """``measure`` with ``WidgetClient``s instead of Chromium tabs: the server's work is the same, the browser's
    drawing is left out (the page-load and step times are then the server's answers, not what a student sees)."""
    process = psutil.Process(pid)
    out: dict = {"mode": "clients without a browser", "tabs": tabs, "steps": steps,
                 "load_average_before": os.getloadavg()[0], "rss_start_mib": rss_mib(pid)}
    first, load = await open_client(url)
    out["load_one_tab_s"] = load
    await server_quiet(process)
    out["step_one_tab_s"] = summary(await step_client(first, steps, 0))
    out["server_cpu_per_step_one_tab_ms"] = summary(logged_steps(step_log, steps))
    arriving = asyncio.Semaphore(4)

    async def arrive():
        async with arriving:
            return await open_client(url)

    opened = await asyncio.gather(*(arrive() for _ in range(tabs - 1)))
    clients = [first] + [client for client, _ in opened]
    out["load_while_others_arrive_s"] = summary([t for _, t in opened] or [load])
    out["rss_all_open_mib"] = rss_mib(pid)
    await server_quiet(process)
    cpu_before = sum(process.cpu_times()[:2])
    logged_before = len(logged_steps(step_log))
    received_before = sum(c.bytes_received for c in clients)
    started = time.perf_counter()
    results = await asyncio.gather(*(step_client(c, steps, steps if c is first else 0) for c in clients))
    wall = time.perf_counter() - started
    out["step_all_tabs_at_once_s"] = summary([t for times in results for t in times])
    out["server_cpu_per_step_ms"] = 1000 * (sum(process.cpu_times()[:2]) - cpu_before) / (tabs * steps)
    out["server_cpu_per_step_all_tabs_ms"] = summary(logged_steps(step_log, logged_before + tabs * steps)[logged_before:])
    out["steps_per_second_all_tabs"] = tabs * steps / wall
    out["sent_per_step_kib"] = (sum(c.bytes_received for c in clients) - received_before) / 1024 / (tabs * steps)
    out["rss_after_steps_mib"] = rss_mib(pid)
    await what_if_rounds(out, rounds, process, pid, [functools.partial(what_if_client, c) for c in clients])
    out["load_average_after"] = os.getloadavg()[0]
    for client in clients:
        await client.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tabs", type=int, default=30, help=f"browser tabs (1-{MAX_TABS}, default 30)")
    parser.add_argument("--steps", type=int, default=10, help=f"steps per tab (1-{MAX_STEPS}, default 10)")
    parser.add_argument("--what-if-rounds", type=int, default=2, help="rounds of what-ifs from every tab (0-3, default 2)")
    parser.add_argument("--timeout", type=float, default=1800, help="stop after this many seconds (default 1800)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--without-browser", action="store_true",
                        help="clients that speak the page's websocket protocol and draw nothing, instead of Chromium "
                             "tabs (tests/widget_client.py): the server's work, without the browsers' on the same cores")
    args = parser.parse_args(argv)
    if not (1 <= args.tabs <= MAX_TABS and 1 <= args.steps <= MAX_STEPS and 0 <= args.what_if_rounds <= 3):
        parser.error(f"--tabs must be 1-{MAX_TABS}, --steps 1-{MAX_STEPS} and --what-if-rounds 0-3")
    with tempfile.TemporaryDirectory() as scratch:
        step_log = Path(scratch) / "steps.txt"
        env = SERVER_ENV | {ENV_STEP_LOG: str(step_log)}
        with solara_server(APP, env=env, host="127.0.0.1") as server:
            driver = measure_without_browser if args.without_browser else measure
            out = asyncio.run(asyncio.wait_for(driver(server.url, server.pid, args.tabs, args.steps,
                                                      args.what_if_rounds, step_log), args.timeout))
    out["cpus"] = psutil.cpu_count()
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    for key, value in out.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in value.items())
        elif isinstance(value, float):
            value = f"{value:.2f}"
        print(f"{key:28} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
