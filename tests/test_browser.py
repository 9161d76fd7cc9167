"""The browser model, used as a student would: in Debian's Chromium, through Playwright, offline.

Starts the app on 127.0.0.1 on a free port, loads the page, steps five days, opens a second
tab, types a bad seed, changes controls, runs the what-if odds, and fails on any request to
a host other than 127.0.0.1. Screenshots (1280 x 800) go to test-artifacts/.
Needs chromium (``bash scripts/setup.sh --test`` installs it); never skipped.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from browser_support import (
    RequestRecorder,
    assert_local_only,
    chromium_available,
    launch_chromium,
    solara_server,
)

from sim.viz.server import APP, SERVER_ENV

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
VIEWPORT = {"width": 1280, "height": 800}

pytestmark = pytest.mark.browser


#: Mesa's step counter in the Information card: "Step: N" in Mesa 3.3, "Time: N.0" in Mesa 3.5.
COUNTER = re.compile(r"^(Step: \d+|Time: \d+\.0)$")


def counter(steps: int):
    """The counter's text after ``steps`` steps, in either Mesa's wording."""
    return re.compile(rf"^(Step: {steps}|Time: {steps}\.0)$")


def steps_shown(page) -> int:
    """Mesa's step counter, as a number."""
    return int(float(page.get_by_text(COUNTER).inner_text().split()[1]))


def step(page, times: int) -> None:
    """Click Step and wait for Mesa's step counter to follow."""
    for _ in range(times):
        before = steps_shown(page)
        page.get_by_role("button", name="Step", exact=True).click()
        page.get_by_text(counter(before + 1)).wait_for(timeout=15_000)


def log_text(page) -> str:
    return page.locator(".event-log").inner_text()


def status_text(page) -> str:
    return page.locator(".day-status").inner_text()


def test_a_student_steps_changes_controls_and_gets_the_odds(tmp_path):
    if not chromium_available():
        pytest.fail("Chromium or the playwright package is missing: run `bash scripts/setup.sh --test` "
                    "(it installs Debian's chromium; never `playwright install`)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with solara_server(APP, env=SERVER_ENV, log_path=tmp_path / "server.log") as server, sync_playwright() as p:
        browser = launch_chromium(p)
        context = browser.new_context(viewport=VIEWPORT)
        requests = RequestRecorder().attach(context)
        page = context.new_page()

        started = time.perf_counter()
        page.goto(server.url)
        page.get_by_text(counter(0)).wait_for(timeout=60_000)
        page.locator("svg.map").wait_for()
        print(f"page load {time.perf_counter() - started:.2f} s")
        assert "Nothing has happened yet" in log_text(page)
        assert "not simulated yet" in status_text(page)

        started = time.perf_counter()
        step(page, 5)
        print(f"5 steps {time.perf_counter() - started:.2f} s")
        page.get_by_text(re.compile(r"^Day 4, Mon 13 Oct 2025 \(5 of 90 days simulated\)")).wait_for()
        log = log_text(page)
        assert "Day 0 (Thu 9 Oct 2025) \u2014 Pakistan carries out airstrikes on the capital of Afghanistan in Kabul" in log
        days = [int(d) for d in re.findall(r"^Day (\d+)", log, re.MULTILINE)]
        assert days == sorted(days, reverse=True) and len(set(days)) > 1, f"newest day first: {days}"
        assert page.locator("svg.ladder polyline.rung-line").count() == 1
        assert page.locator("svg.map .crossing").count() == 2
        page.screenshot(path=str(ARTIFACTS / "viz-after-5-steps.png"))

        other = context.new_page()  # a second tab has its own model
        other.goto(server.url)
        other.get_by_text(counter(0)).wait_for(timeout=60_000)
        assert "not simulated yet" in status_text(other)
        step(other, 1)
        assert status_text(page).startswith("Day 4,"), "stepping one tab must not move another"
        other.close()

        seed = page.get_by_label(re.compile(r"^Seed"))
        seed.fill("abc")
        seed.press("Enter")
        page.get_by_role("button", name="Reset", exact=True).click()
        page.get_by_text(re.compile(r"Seed 'abc' is not a whole number")).wait_for(timeout=15_000)
        page.get_by_text(counter(0)).wait_for(timeout=15_000)
        step(page, 1)  # the page still works

        seed.fill("7")
        seed.press("Enter")
        qatar = page.get_by_role("checkbox", name="Qatar may mediate")
        page.get_by_text("Qatar may mediate", exact=True).click()  # as a person does: on the label
        assert not qatar.is_checked()
        page.get_by_role("button", name="Reset", exact=True).click()
        page.get_by_text(re.compile(r"This run: october_2025\.toml, seed 7;")).wait_for(timeout=15_000)
        settings = page.get_by_text(re.compile(r"^This run:")).inner_text()
        assert "mediators: Officials and elders of both sides, Saudi Arabia, China, Russia, United States" in settings
        assert re.search(r"randomness of choices \u00d71: decision noise Pakistan \d\.\d\d, Afghanistan \d\.\d\d", settings)
        assert page.get_by_text(re.compile(r"^Randomness of choices")).count() >= 1  # the slider's label
        assert page.get_by_text(re.compile(r"is not a whole number")).count() == 0

        started = time.perf_counter()
        page.get_by_role("button", name=re.compile(r"^Run 2,000 runs")).click()
        page.get_by_text(re.compile(r"^Odds over 2,000 runs each \(seed 7\)")).wait_for(timeout=120_000)
        print(f"what-if {time.perf_counter() - started:.2f} s (first call includes the default's)")
        odds = page.locator("table.odds").inner_text()
        for outcome in ("de-escalated", "fighting goes on", "war"):
            assert re.search(rf"{outcome}\s+\d+\.\d%", odds), odds
        page.locator("table.odds").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "viz-what-if.png"))

        page.get_by_role("button", name="\u25b6").click()  # Play runs day after day until paused
        deadline = time.monotonic() + 30
        while steps_shown(page) < 3:
            assert time.monotonic() < deadline, f"Play did not advance: {steps_shown(page)} steps"
            time.sleep(0.1)
        page.get_by_role("button", name="\u275a\u275a").click()
        page.get_by_role("button", name="\u25b6").wait_for()

        assert_local_only(requests.urls)
        assert not requests.cdn_failures, requests.cdn_failures
        assert not [e for e in requests.errors if "pageerror" in e], requests.errors
        browser.close()
    assert not server.cdn_log_failures(), server.cdn_log_failures()
    assert "Traceback" not in server.log_text(), server.log_tail()


def test_an_analyst_replays_a_batch_run_in_the_browser(tmp_path):
    """``escalation viz --replay DIR --run K``: the page shows run K of the stored batch, steps it,
    switches to another run, and turns an unusable run number into a note, not an error."""
    if not chromium_available():
        pytest.fail("Chromium or the playwright package is missing: run `bash scripts/setup.sh --test`")
    from playwright.sync_api import sync_playwright

    from sim.batch import run_batch
    from sim.batch.replay import load_run
    from sim.results import RunResult
    from sim.scenario import load_scenario
    from sim.viz.server import environment

    batch = tmp_path / "batch"
    run_batch(load_scenario(ROOT / "scenarios" / "october_2025.toml"), runs=8, seed=11, workers=1, out=batch)
    scenario, seed, runs, params = load_run(batch, 5)
    expected = RunResult.simulate(scenario, seed, int(runs[0]), days=5, lane_params=params)
    expected_days = {e.day for e in expected.events}

    with solara_server(APP, env=environment(None, batch, 5), log_path=tmp_path / "server.log") as server, \
            sync_playwright() as p:
        browser = launch_chromium(p)
        context = browser.new_context(viewport=VIEWPORT)
        requests = RequestRecorder().attach(context)
        page = context.new_page()
        page.goto(server.url)
        page.get_by_text(counter(0)).wait_for(timeout=60_000)
        page.get_by_text(re.compile(r"Replay of run 5 of the batch")).wait_for(timeout=15_000)
        step(page, 5)
        # Mesa's counter and the panels are separate widgets: wait for the panel too (it may lag under load).
        page.locator(".day-status", has_text=re.compile(r"^Day 4, Mon 13 Oct 2025")).wait_for(timeout=15_000)
        log = log_text(page)
        shown_days = {int(d) for d in re.findall(r"^Day (\d+)", log, re.MULTILINE)}
        assert shown_days == expected_days, (shown_days, expected_days)
        page.screenshot(path=str(ARTIFACTS / "viz-replay.png"))

        run = page.get_by_label(re.compile(r"^Run of the batch to replay"))
        run.fill("6")
        run.press("Enter")
        page.get_by_role("button", name="Reset", exact=True).click()
        page.get_by_text(re.compile(r"Replay of run 6 of the batch")).wait_for(timeout=15_000)

        run.fill("x")
        run.press("Enter")
        page.get_by_role("button", name="Reset", exact=True).click()
        page.get_by_text(re.compile(r"Run 'x' is not a whole number")).wait_for(timeout=15_000)
        step(page, 1)  # a live run instead; the page still works

        assert_local_only(requests.urls)
        assert not [e for e in requests.errors if "pageerror" in e], requests.errors
        browser.close()
    assert "Traceback" not in server.log_text(), server.log_tail()
