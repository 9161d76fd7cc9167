"""Where a step of the browser app spends the server's time, without a browser: rerun after any change.

Renders the page with Solara's test renderer (the server's own work: the model's day, the figures,
Solara's render and the widget updates it makes; not the websocket's sending of them), clicks Step
``--steps`` times and reports, per step, the milliseconds of CPU (this process's own, so that other work
on the machine does not count) of: the whole click (the server's work
for one step of one tab), the model's day, and each figure drawn from the same model state. With
``--profile`` it prints cProfile's top functions of the clicks.

    .venv/bin/python experiments/viz_step_profile.py                  # 20 steps, table
    .venv/bin/python experiments/viz_step_profile.py --profile --json
    REACTON_FAST=0 .venv/bin/python experiments/viz_step_profile.py     # with reacton's default renderer

CPU times, not wall times: they hold on a busy machine (under ``nice``), within the noise of shared caches.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from sim.viz.server import SERVER_ENV  # noqa: E402

for _name in ("REACTON_FAST",):  # render as the server does (read by reacton at each render)
    os.environ.setdefault(_name, SERVER_ENV[_name])

import ipyvuetify as v  # noqa: E402
import solara  # noqa: E402

from sim.viz import components, figures  # noqa: E402
from sim.viz.student import StudentModel  # noqa: E402

DRAWINGS = {"map": figures.map_svg, "ladder": components.ladder_with_war, "series": figures.series_svg,
            "network": figures.network_svg, "deaths": figures.deaths_svg}


def ms_summary(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {"median_ms": 1000 * statistics.median(ordered),
            "p90_ms": 1000 * ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))], "max_ms": 1000 * ordered[-1]}


def settle(threads_before: int, limit: float = 5.0) -> None:
    """Wait until the threads a click started (Solara's use_thread, say) have ended, or ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while threading.active_count() > threads_before and time.monotonic() < deadline:
        time.sleep(0.002)


def page_clicks(steps: int, profile: cProfile.Profile | None) -> list[float]:
    """CPU seconds of the whole process for each click on Step of a page rendered by Solara's test renderer,
    until the page is redrawn and every thread the click started has ended (their renders included)."""
    _, rc = solara.render(solara.AppLayout(children=[components.Page("profile")]), handle_error=False)
    button = rc.find(v.Btn, children=["Step"]).widget
    settle(1)
    threads_before = threading.active_count()
    times = []
    for _ in range(steps):
        started = time.process_time()
        if profile is not None:
            profile.enable()
        button.click()
        settle(threads_before)
        if profile is not None:
            profile.disable()
        times.append(time.process_time() - started)
    rc.close()
    return times


def model_and_figures(steps: int) -> dict[str, list[float]]:
    """CPU seconds of the model's day and of each figure, drawn once per day from the same model."""
    model = StudentModel()
    out: dict[str, list[float]] = {"model step": []} | {name: [] for name in DRAWINGS}
    for _ in range(steps):
        started = time.thread_time()
        model.step()
        out["model step"].append(time.thread_time() - started)
        for name, draw in DRAWINGS.items():
            started = time.thread_time()
            draw(model)
            out[name].append(time.thread_time() - started)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=20, help="steps to time (1-90, default 20)")
    parser.add_argument("--profile", action="store_true", help="also print cProfile's top functions of the clicks")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    if not 1 <= args.steps <= 90:
        parser.error("--steps must be 1-90")
    with contextlib.redirect_stdout(io.StringIO()):  # Solara's test renderer prints the app bar's children
        page_clicks(2, None)  # warm up: imports, first render, caches of scenario files
        profile = cProfile.Profile() if args.profile else None
        clicks = page_clicks(args.steps, profile)
    parts = model_and_figures(args.steps)
    out = {"steps": args.steps, "click Step (whole server work)": ms_summary(clicks)}
    out |= {name: ms_summary(seconds) for name, seconds in parts.items()}
    out["figures together"] = ms_summary([sum(day) for day in zip(*(parts[n] for n in DRAWINGS), strict=True)])
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        for key, value in out.items():
            if isinstance(value, dict):
                value = ", ".join(f"{k} {x:.1f}" for k, x in value.items())
            print(f"{key:32} {value}")
    if profile is not None:
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(45)
        print(text.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
