"""The browser model, used as a student and a teacher would: in Debian's Chromium, through Playwright, offline.

Starts the app on 127.0.0.1 on a free port, loads the page, steps, opens a second tab, types bad
seeds, moves sliders and checks what they show, picks scenarios, runs the what-if odds on the
calibrated scenario, reads the Info tab, switches to the dark theme, plays, pauses and resets,
replays a batch of two scenarios, and fails on any request to a host other than 127.0.0.1.
At 1024 x 700, 1280 x 800 and 1366 x 768 it checks from the page's layout that no text is smaller
than 11 px, that no two texts overlap and that nothing is wider than the window, at 1280 x 800 and
1366 x 768 that the ladder and each figure beside it lie inside the window without scrolling, and
saves screenshots in test-artifacts/. Needs chromium (``bash scripts/setup.sh --test`` installs it);
never skipped.
"""

from __future__ import annotations

import json
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
from layout_checks import IN_VIEW_JS, LAYOUT_JS

from sim.viz.server import APP, SERVER_ENV

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
VIEWPORT = {"width": 1280, "height": 800}
SIZES = ((1024, 700), (1280, 800), (1366, 768))
#: The figures beside the ladder in the Run tab, one at a time: (tab, the figure's class).
FIGURE_TABS = (("Map", "map"), ("Over time", "series"), ("Network", "network"), ("Deaths", "deaths"))

pytestmark = pytest.mark.browser


COUNTER = re.compile(r"^Step: \d+$")


def counter(steps: int):
    """The step counter's text after ``steps`` steps."""
    return re.compile(rf"^Step: {steps}$")


def steps_shown(page) -> int:
    """The step counter, as a number."""
    return int(page.locator(".step-counter").inner_text().split()[1])


def step(page, times: int) -> None:
    """Click Step and wait for the step counter to follow."""
    for _ in range(times):
        before = steps_shown(page)
        page.get_by_role("button", name="Step", exact=True).click()
        page.get_by_text(counter(before + 1)).wait_for(timeout=15_000)


def log_text(page) -> str:
    return page.locator(".event-log").inner_text()


def status_text(page) -> str:
    return page.locator(".day-status").inner_text()


def choose(page, label: str, option: str) -> None:
    """Pick an option of a Vuetify select, as a person does: open it, click the option."""
    page.locator(".v-select", has=page.get_by_text(label, exact=True)).click()
    page.get_by_role("option", name=option, exact=True).click()
    page.locator(".v-menu__content.menuable__content__active").wait_for(state="hidden")


def slider_value(page, label: str) -> str:
    return page.locator(".control-value", has_text=re.compile(rf"^{label}:")).inner_text()


def check_layout(page, where: str) -> None:
    """No text under 11 px, no two texts overlapping, nothing wider than the window (from the layout)."""
    time.sleep(0.3)  # let the last render settle
    found = page.evaluate(LAYOUT_JS)
    assert not found["small"], (where, found["small"][:10])
    assert not found["overlaps"], (where, found["overlaps"][:10])
    assert not found["wide"], (where, found["wide"][:10])


def show_figure(page, tab: str, name: str) -> None:
    """Choose the figure beside the ladder by its tab."""
    page.get_by_role("tab", name=tab, exact=True).click()
    figure = page.locator(f"svg.{name}")
    figure.wait_for()
    box, deadline = None, time.monotonic() + 5  # Vuetify slides the new tab in: measure it once it has stopped
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = figure.bounding_box()
        if now is not None and now == box:
            return
        box = now


def key_charts_in_view(page) -> None:
    """At 1280 x 800 and 1366 x 768 the ladder and each figure beside it (chosen by its tab: the map, the series,
    the network, the deaths) lie inside the window without scrolling (from the page's layout), the layout is
    checked for each, and a screenshot saved."""
    for width, height in SIZES[1:]:
        page.set_viewport_size({"width": width, "height": height})
        for tab, name in FIGURE_TABS:
            show_figure(page, tab, name)
            where = f"run, {tab} beside the ladder, at {width}x{height}"
            boxes = page.evaluate(IN_VIEW_JS, ["svg.ladder", f"svg.{name}"])
            assert all(box["inside"] for box in boxes), f"{where}: {json.dumps(boxes)}"
            check_layout(page, where)
            page.screenshot(path=str(ARTIFACTS / f"viz-run-{name}-{width}x{height}.png"))
    show_figure(page, "Map", "map")
    page.set_viewport_size(VIEWPORT)


def screenshots(page, name: str) -> None:
    """At each of the three window sizes: the layout checked, a screenshot saved."""
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        check_layout(page, f"{name} at {width}x{height}")
        page.screenshot(path=str(ARTIFACTS / f"viz-{name}-{width}x{height}.png"))
    page.set_viewport_size(VIEWPORT)


def test_a_student_steps_changes_controls_and_gets_the_odds(tmp_path):
    if not chromium_available():
        pytest.fail("Chromium or the playwright package is missing: run `bash scripts/setup.sh --test` "
                    "(it installs Debian's chromium; never `playwright install`)")
    from playwright.sync_api import expect, sync_playwright

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

        # Every slider shows its value, its unit and where the scenario's value sits.
        for label in ("Retaliation", "TTP attacks", "India factor", "Mediators' leverage", "Randomness of choices"):
            assert slider_value(page, label) == f"{label}: \u00d71.00"
        assert page.get_by_text(re.compile(r"^\u25b2 \u00d71 = the scenario: Pakistan 0\.\d\d, Afghanistan 0\.\d\d chance "
                                           r"a day per unit of pressure")).count() == 1

        started = time.perf_counter()
        step(page, 5)
        print(f"5 steps {time.perf_counter() - started:.2f} s")
        page.locator(".day-status", has_text=re.compile(r"^Day 4, Mon 13 Oct 2025 \(5 of 90 days simulated\)")).wait_for()
        log = log_text(page)
        assert "Day 0 (Thu 9 Oct 2025) \u2014 Pakistan carries out airstrikes on the capital of Afghanistan in Kabul" in log
        days = [int(d) for d in re.findall(r"^Day (\d+)", log, re.MULTILINE)]
        assert days == sorted(days, reverse=True) and len(set(days)) > 1, f"newest day first: {days}"
        assert page.locator("svg.ladder polyline.rung-line").count() == 1
        assert page.locator("svg.map .crossing").count() == 2  # the map: the figure first shown beside the ladder
        assert page.locator(".monitor", has_text="days simulated").inner_text().endswith("5 of 90")
        for tab, name in FIGURE_TABS:
            show_figure(page, tab, name)
            expect(page.locator("svg[role=img]")).to_have_count(2)  # the ladder and one figure beside it
        show_figure(page, "Over time", "series")
        assert page.locator("svg.series polyline.series").count() == 5
        step(page, 1)  # the figure shown follows the run: six days, six points
        expect(page.locator("svg.series polyline.series").first).to_have_attribute(
            "points", re.compile(r"^(\S+ ){5}\S+$"))
        show_figure(page, "Map", "map")
        with page.expect_download() as download:  # a download makes its file when clicked
            page.get_by_role("button", name="Download ladder (SVG)").click()
        assert download.value.suggested_filename == "ladder-day6.svg"
        svg = Path(download.value.path()).read_text()
        assert svg.startswith("<svg") and "Escalation ladder" in svg and svg.count('class="ttp-mark"') >= 1, svg[:200]
        screenshots(page, "run")
        key_charts_in_view(page)

        other = context.new_page()  # a second tab has its own model
        other.goto(server.url)
        other.get_by_text(counter(0)).wait_for(timeout=60_000)
        assert "not simulated yet" in status_text(other)
        step(other, 1)
        assert status_text(page).startswith("Day 5,"), "stepping one tab must not move another"
        other.close()

        # A slider moved: its value and a pending mark until Reset.
        retaliation = page.get_by_role("slider").nth(0)
        retaliation.focus()
        retaliation.press("ArrowRight")
        page.get_by_text("Retaliation: \u00d71.05 \u25cf changed: press Reset").wait_for(timeout=10_000)
        page.locator(".pending-note").wait_for()
        page.get_by_text(re.compile(r"^\u00d71\.05 gives: Pakistan")).wait_for()

        # Bad seeds: a message on the page at once, and after Reset a run with seed 0 (never a traceback).
        seed = page.get_by_label(re.compile(r"^Seed"))
        for text in ("\u00b2", "\u2460", "abc"):
            seed.fill(text)
            page.get_by_text(re.compile(rf"Seed '{text}' is not a whole number.*Reset would use seed 0")).wait_for(
                timeout=10_000)
        page.get_by_role("button", name="Reset", exact=True).click()
        page.locator(".control-note", has_text=re.compile(r"Seed 'abc' is not a whole number")).wait_for(timeout=15_000)
        page.get_by_text(counter(0)).wait_for(timeout=15_000)
        expect(page.locator(".control-value", has_text=re.compile(r"^Retaliation:"))).to_have_text(
            "Retaliation: \u00d71.05")  # applied: no mark any more
        assert "retaliation \u00d71.05" in page.locator(".settings-line").inner_text()
        step(page, 1)  # the page still works

        # The checkboxes follow the chosen scenario.
        qatar = page.get_by_role("checkbox", name=re.compile(r"^Qatar may mediate"))
        assert qatar.is_checked()
        choose(page, "Scenario", "no_mediators.toml")
        expect(qatar).not_to_be_checked()
        expect(page.get_by_role("checkbox", name=re.compile(r"^Officials and elders of both sides may mediate"))
               ).to_be_checked()
        page.get_by_text(re.compile(r"^Qatar may mediate")).click()  # as a person does: on the label
        expect(qatar).to_be_checked()

        # The calibrated scenario: a slider moves the what-if, against the calibrated scenario unchanged.
        choose(page, "Scenario", "october_2025_calibrated.toml")
        page.get_by_text(re.compile(r"^Calibrated scenario:")).wait_for()
        seed.fill("7")
        retaliation.focus()
        retaliation.press("End")
        page.get_by_text(re.compile(r"^Retaliation: \u00d74\.00")).wait_for()
        page.get_by_role("slider").nth(1).focus()
        page.get_by_role("slider").nth(1).press("End")  # TTP attacks x4
        page.get_by_role("button", name="Reset", exact=True).click()
        page.get_by_text(re.compile(r"This run: october_2025_calibrated\.toml, seed 7;")).wait_for(timeout=15_000)
        assert page.locator(".control-note").count() == 0
        page.get_by_role("tab", name="What-if and compare").click()
        started = time.perf_counter()
        page.get_by_role("button", name=re.compile(r"^Run 2,000 runs")).click()
        page.get_by_text(re.compile(r"^Odds over 2,000 runs each, seed 7")).wait_for(timeout=180_000)
        print(f"what-if {time.perf_counter() - started:.2f} s (2 x 2,000 runs: these settings and the reference)")
        odds = page.locator("table.odds").inner_text()
        assert "october_2025_calibrated unchanged" in odds
        for outcome in ("de-escalated", "fighting goes on", "war"):
            assert re.search(rf"{outcome}\s+\d+\.\d%", odds), odds
        differences = [float(x) for x in re.findall(r"([+-]\d+\.\d) points", odds)]
        assert any(d != 0 for d in differences), odds  # the sliders moved the calibrated what-if
        page.locator("svg.history").wait_for()
        retaliation.focus()
        retaliation.press("Home")  # a second what-if on the same seed: the two side by side, paired
        page.get_by_text(re.compile(r"^Retaliation: \u00d70\.00")).wait_for()
        page.get_by_role("button", name="Reset", exact=True).click()
        page.get_by_text(re.compile(r"retaliation \u00d70: Pakistan 0\.00")).wait_for(timeout=15_000)
        page.get_by_role("button", name=re.compile(r"^Run 2,000 runs")).click()
        page.locator("table.side-by-side").wait_for(timeout=180_000)
        assert "de-escalated, minus #1 (paired)" in page.locator("table.side-by-side").inner_text()
        assert page.locator("table.history tr").count() == 3  # a header and two what-ifs
        screenshots(page, "what-if")

        # The Info tab, in light and dark themes.
        page.get_by_role("tab", name="Info").click()
        for heading in ("Things to notice", "Things to try", "Words used on this page", "Caveats"):
            page.get_by_role("heading", name=heading).wait_for()
        screenshots(page, "info")
        page.get_by_role("tab", name="Run").click()
        page.locator(".v-app-bar button").last.click()  # Solara's theme toggle: light, dark, auto
        deadline = time.monotonic() + 10
        while "theme--dark" not in (page.locator(".v-application").get_attribute("class") or ""):
            assert time.monotonic() < deadline, "the theme toggle did not switch to the dark theme"
            page.locator(".v-app-bar button").last.click()
            time.sleep(0.3)
        backgrounds = page.eval_on_selector_all("svg[role=img]", "els => els.map(e => getComputedStyle(e).backgroundColor)")
        assert backgrounds and set(backgrounds) == {"rgb(255, 255, 255)"}, backgrounds  # chart text on white
        screenshots(page, "dark")

        # Play, Pause at once, and Reset during Play starts a new run at day 0.
        choose(page, "Play speed", "10 days a second")
        page.get_by_role("button", name="\u25b6").click()
        deadline = time.monotonic() + 30
        while steps_shown(page) < 3:
            assert time.monotonic() < deadline, f"Play did not advance: {steps_shown(page)} steps"
            time.sleep(0.05)
        started = time.perf_counter()
        page.get_by_role("button", name="\u275a\u275a").click()
        page.get_by_role("button", name="\u25b6").wait_for()
        print(f"pause {time.perf_counter() - started:.2f} s")
        time.sleep(0.4)
        paused = steps_shown(page)
        time.sleep(1.0)
        assert steps_shown(page) == paused, "a day was simulated after Pause"
        page.get_by_role("button", name="\u25b6").click()
        deadline = time.monotonic() + 30
        while steps_shown(page) < paused + 3:
            assert time.monotonic() < deadline, "Play did not advance again"
            time.sleep(0.05)
        page.get_by_role("button", name="Reset", exact=True).click()
        page.get_by_text(counter(0)).wait_for(timeout=10_000)
        time.sleep(1.0)
        assert steps_shown(page) == 0 and "not simulated yet" in status_text(page), "the new run was stepped"

        assert_local_only(requests.urls)
        assert not requests.cdn_failures, requests.cdn_failures
        assert not [e for e in requests.errors if "pageerror" in e], requests.errors
        browser.close()
    assert not server.cdn_log_failures(), server.cdn_log_failures()
    assert "Traceback" not in server.log_text(), server.log_tail()


def test_an_analyst_replays_a_batch_run_in_the_browser(tmp_path):
    """``escalation viz --replay DIR --run K``: a banner says what is on screen (the batch, the run, its
    stored outcome and settings); the page steps it, switches to another scenario and run of a batch of
    two, and answers a bad run number with an error while the replay stays on screen."""
    if not chromium_available():
        pytest.fail("Chromium or the playwright package is missing: run `bash scripts/setup.sh --test`")
    from playwright.sync_api import sync_playwright

    from sim.batch import run_batch
    from sim.batch.replay import load_run, stored_row
    from sim.outcomes import Outcome
    from sim.results import RunResult
    from sim.scenario import load_scenario
    from sim.viz.server import environment

    batch = tmp_path / "batch"
    run_batch([load_scenario(ROOT / "scenarios" / name) for name in ("october_2025.toml", "no_mediators.toml")],
              runs=8, seed=11, workers=1, out=batch)
    scenario, seed, runs, params = load_run(batch, 5, "october_2025")
    expected = RunResult.simulate(scenario, seed, int(runs[0]), days=5, lane_params=params)
    expected_days = {e.day for e in expected.events}
    outcome = Outcome[stored_row(batch, 5, "october_2025")["outcome"].upper()].label

    with solara_server(APP, env=environment(None, batch, 5), log_path=tmp_path / "server.log") as server, \
            sync_playwright() as p:
        browser = launch_chromium(p)
        context = browser.new_context(viewport=VIEWPORT)
        requests = RequestRecorder().attach(context)
        page = context.new_page()
        page.goto(server.url)
        page.get_by_text(counter(0)).wait_for(timeout=60_000)
        banner = page.locator(".replay-banner")
        banner.wait_for(timeout=15_000)
        text = banner.inner_text()
        assert f"REPLAY of run 5 of the stored batch in {batch}" in text and "scenario october_2025" in text
        assert f"The batch counted this run as: {outcome}" in text and "8 runs stored" in text
        step(page, 5)
        page.locator(".day-status", has_text=re.compile(r"^Day 4, Mon 13 Oct 2025")).wait_for(timeout=15_000)
        shown_days = {int(d) for d in re.findall(r"^Day (\d+)", log_text(page), re.MULTILINE)}
        assert shown_days == expected_days, (shown_days, expected_days)
        screenshots(page, "replay")

        choose(page, "Scenario of the batch", "no_mediators")
        run = page.get_by_label(re.compile(r"^Run of the batch to replay"))
        run.fill("6")
        page.get_by_role("button", name="Reset", exact=True).click()
        page.locator(".replay-banner", has_text="REPLAY of run 6").wait_for(timeout=15_000)
        assert "scenario no_mediators" in banner.inner_text()

        for bad in ("99", "x"):
            run.fill(bad)
            page.get_by_role("button", name="Reset", exact=True).click()
            page.locator(".page-error", has_text=re.compile(rf"Cannot replay run 99|Run '{bad}' is not a whole number"
                                                            )).wait_for(timeout=15_000)
            assert "REPLAY of run 6" in banner.inner_text()  # still the replay, never a silent live run
        step(page, 1)  # the page still works

        assert_local_only(requests.urls)
        assert not [e for e in requests.errors if "pageerror" in e], requests.errors
        browser.close()
    assert "Traceback" not in server.log_text(), server.log_tail()
