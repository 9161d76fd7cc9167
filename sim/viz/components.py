"""Solara components of the page: the run's controls, the panels around one ``StudentModel``, the tabs.

The parts of the page that show the run (the step counter, the Run controls, the status and the
Run tab) read Mesa's ``update_counter``; ``Runner.redraw`` re-renders them in one pass, and
reacton's fast renderer (``REACTON_FAST=1``, set by ``sim.viz.server``) renders nothing else: not the
sidebar's settings, not the tabs around the Run tab. Each panel caches its drawing per (model, day).

Why the page has its own Step / Play / Reset rather than Mesa's SolaraViz controller (Mesa 3.3):
there, Reset during Play could start the new run with a day already simulated (the play thread
stepped the new model), Pause ran one more day, and its parameter panel is fixed when the page
is made, so checkboxes could not follow the chosen scenario and sliders showed no value. Here a
tab's Step, Play and Reset take turns on one lock, and a generation number stops a play loop
for good the moment Pause or Reset is pressed.
"""

from __future__ import annotations

import html
import os
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import solara
import solara.lab
from mesa.visualization.utils import force_update, update_counter
from solara.components.file_download import FileDownloadWidget

from ..errors import UsageError
from ..ladder import Action
from ..outcomes import Outcome
from ..scenario import Scenario, load_scenario
from . import export, figures, whatif
from .explain import info_html
from .student import (
    ENV_REPLAY,
    ENV_RUN,
    FACTOR_MAX,
    FACTORS,
    KEEP,
    MAX_SEED,
    StudentModel,
    label_of,
    load_replay,
    mediator_labels,
    parse_seed,
    scenario_choices,
    scenario_defaults,
    served_scenario,
)

LOG_HEIGHT = "300px"
#: Play speeds offered: label -> seconds between two simulated days.
SPEEDS = {"1 day a second": 1.0, "3 days a second": 1 / 3, "10 days a second": 0.1}
HISTORY = 8  # what-ifs kept per tab
CELL = "style='padding:3px 8px;border-bottom:1px solid #ccc;vertical-align:top'"
TRIANGLE = "\u25b2"  # marks where x1, the scenario's own value, sits on a slider
GRID = {"display": "grid", "grid-template-columns": "repeat(auto-fit, minmax(410px, 1fr))", "gap": "10px",
        "width": "100%", "align-items": "start"}


@lru_cache(maxsize=32)
def scenario_at(path: Path) -> Scenario:
    """A scenario file, read once per server (the picker's files do not change while it runs)."""
    return load_scenario(path)


# ---- controls: what they say, and the model they build --------------------------------------------
def initial_controls() -> dict[str, Any]:
    """The controls of a new tab: the served scenario, or the batch run asked for, as they are."""
    replay = os.environ.get(ENV_REPLAY)
    if replay:
        return {"replay": replay, "run": os.environ.get(ENV_RUN) or "0", "replay_scenario": None}
    served = served_scenario()
    controls: dict[str, Any] = {"scenario_file": label_of(served, scenario_choices(served)), "seed": "0"}
    controls |= dict.fromkeys(FACTORS, 1.0)
    return controls | scenario_defaults(served)


def chosen_path(controls: dict[str, Any]) -> Path:
    """The scenario file the picker names (the served one if it names none)."""
    return scenario_choices().get(controls.get("scenario_file") or "", served_scenario())


def build_model(controls: dict[str, Any]) -> StudentModel:
    """The run the controls ask for (UsageError, in words, for a batch run that cannot be replayed)."""
    if controls.get("replay"):
        return StudentModel(replay=load_replay(controls["replay"], controls["run"], controls["replay_scenario"]))
    kwargs = {k: v for k, v in controls.items() if k not in ("scenario_file", "replay", "run", "replay_scenario")}
    return StudentModel(scenario=controls.get("scenario_file"), **kwargs)


def changed_controls(pending: dict[str, Any], applied: dict[str, Any]) -> list[str]:
    """The controls set differently from the run on screen (they take effect on Reset)."""
    return [k for k in pending if pending.get(k) != applied.get(k)]


def seed_message(text: str) -> str | None:
    """What is wrong with a typed seed, or None."""
    try:
        parse_seed(text)
    except UsageError as err:
        return f"{err}; Reset would use seed 0."
    return None


def factor_values(base: Scenario, name: str, factor: float) -> str:
    """The values a multiplier gives, in the parameters' own units (held at the model's limits)."""
    from ..scenario import parameter_specs

    specs = parameter_specs(base.mediators, base.sites)
    keys = FACTORS[name].keys(base, name)
    if not keys:
        return "no mediator in this scenario"
    values = []
    for key in keys:
        spec = specs[key]
        value = base.params[key] * factor
        value = min(value, spec.high) if spec.high is not None else value
        values.append(max(value, spec.low) if spec.low is not None else value)
    if name == "leverage":
        return f"{min(values):.2f} to {max(values):.2f} ({FACTORS[name].unit})"
    if len(keys) == 2:
        return f"Pakistan {values[0]:.2f}, Afghanistan {values[1]:.2f} {FACTORS[name].unit}"
    return f"{values[0]:.2f} {FACTORS[name].unit}"


@solara.component
def FactorSlider(name: str, controls: solara.Reactive[dict], applied: dict[str, Any], base: Scenario,
                 disabled: bool) -> None:
    """A multiplier slider with its value, its unit, where the scenario's value sits, and a pending mark."""
    factor = float(controls.value[name])
    pending = factor != applied.get(name)
    mark = " \u25cf changed: press Reset" if pending else ""
    solara.Text(f"{FACTORS[name].label}: \u00d7{factor:.2f}{mark}", classes=["control-value"],
                style={"font-weight": "bold", "font-size": "13px", "color": "#b35900" if pending else None})
    solara.Text(FACTORS[name].meaning, style={"font-size": "12px", "line-height": "1.3"})
    solara.SliderFloat("", value=factor, min=0.0, max=FACTOR_MAX, step=0.05, disabled=disabled,
                       on_value=lambda v: controls.set({**controls.value, name: round(float(v), 2)}),
                       thumb_label=False)
    solara.HTML(tag="div", unsafe_innerHTML=(
        "<div class='slider-scale' style='position:relative;height:15px;font-size:11px;margin:-18px 9px 2px'>"
        + "".join(f"<span style='position:absolute;left:{100 * x / FACTOR_MAX:.0f}%;transform:translateX(-50%)'>"
                  f"{TRIANGLE if x == 1 else '|'}</span>" for x in range(5))
        + "</div>"
        f"<div style='font-size:12px;line-height:1.3;margin:0 0 6px'>\u25b2 \u00d71 = the scenario: "
        f"{html.escape(factor_values(base, name, 1.0))}"
        + "</div>"
        + ("" if factor == 1.0 else f"<div class='factor-now' style='font-size:12px;line-height:1.3;margin:-4px 0 6px'>"
           f"\u00d7{factor:.2f} gives: {html.escape(factor_values(base, name, factor))}</div>")))


@solara.component
def LiveControls(controls: solara.Reactive[dict], applied: dict[str, Any]) -> None:
    """The scenario picker, the seed, the multipliers and the mediators' checkboxes (all follow the scenario)."""
    choices = scenario_choices()
    path = chosen_path(controls.value)
    base = scenario_at(path)

    def pick(label: str) -> None:
        keep = {k: v for k, v in controls.value.items() if not k.startswith(("keep_", "pact_"))}
        controls.set(keep | {"scenario_file": label} | scenario_defaults(choices[label]))

    pending = changed_controls(controls.value, applied)
    solara.Select("Scenario", values=list(choices), value=controls.value["scenario_file"], on_value=pick)
    if "scenario_file" in pending:
        solara.Text("\u25cf changed: press Reset", style={"font-size": "12px", "color": "#b35900"})
    solara.Text(base.description, style={"font-size": "12px", "line-height": "1.3"})
    if base.posterior:
        solara.Text("Calibrated scenario: the run on screen uses the posterior medians; the what-if draws each "
                    "run's values from the posterior and multiplies them by the sliders.",
                    style={"font-size": "12px", "line-height": "1.3", "border-left": "3px solid #2c6fbb",
                           "padding-left": "6px"})
    seed_text = str(controls.value["seed"])
    problem = seed_message(seed_text)
    solara.InputText(f"Seed (a whole number, 0 to {MAX_SEED:,})", value=seed_text, continuous_update=True,
                     on_value=lambda v: controls.set({**controls.value, "seed": v}), error=problem or False,
                     message=problem or ("\u25cf changed: press Reset" if "seed" in pending else None))
    for name in FACTORS:
        FactorSlider(name, controls, applied, base, disabled=False)
    labels = mediator_labels(path)
    for key, label in labels.items():
        mark = " \u25cf" if key in pending else ""
        solara.Checkbox(label=label + mark, value=bool(controls.value.get(key, True)),
                        on_value=lambda v, key=key: controls.set({**controls.value, key: bool(v)}))
    if not any(k.startswith(KEEP) for k in labels):
        solara.Text("This scenario has no mediators.", style={"font-size": "12px"})


@solara.component
def ReplayControls(controls: solara.Reactive[dict], applied: dict[str, Any], names: tuple[str, ...]) -> None:
    """A replay's controls: the batch's scenario (when it holds several) and the run number."""
    pending = changed_controls(controls.value, applied)
    if len(names) > 1:
        solara.Select("Scenario of the batch", values=list(names),
                      value=controls.value.get("replay_scenario") or names[0],
                      on_value=lambda v: controls.set({**controls.value, "replay_scenario": v}))
    solara.InputText("Run of the batch to replay", value=str(controls.value["run"]), continuous_update=True,
                     on_value=lambda v: controls.set({**controls.value, "run": v}),
                     message="\u25cf changed: press Reset" if pending else "then press Reset")


#: A file to which each click on Step appends the server's CPU milliseconds for it (the model's day and the
#: page's re-render, in the thread that handles the click), one number a line; read by experiments/viz_load.py.
ENV_STEP_LOG = "ESCALATION_VIZ_STEP_LOG"


def log_step_cpu(seconds: float) -> None:
    """Append one step's CPU time to the file ``ENV_STEP_LOG`` names, if it names one."""
    path = os.environ.get(ENV_STEP_LOG)
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(f"{1000 * seconds:.3f}\n")


class Runner:
    """A tab's run: Step, Play and Reset take turns on ``lock``; ``generation`` ends a play loop;
    ``redraw`` re-renders every component that reads Mesa's counter, in one pass."""

    def __init__(self) -> None:
        import reacton.core

        self.lock = threading.Lock()
        self.generation = 0
        self.context = reacton.core.get_render_context(required=False)  # made while the page renders

    def redraw(self) -> None:
        """Mesa's force_update, batched: the three readers of the counter re-render together."""
        if self.context is None:
            force_update()
            return
        with self.context:
            force_update()


@solara.component
def Controller(runner: Runner, model: solara.Reactive[StudentModel], playing: solara.Reactive[bool],
               reset: Callable[[], None]) -> None:
    """Step (one day), Play / Pause (day after day at the chosen speed) and Reset (a new run from the controls)."""
    update_counter.get()
    speed = solara.use_reactive(next(iter(SPEEDS)))

    def loop() -> None:
        if not playing.value:
            return
        generation, current = runner.generation, model.value
        while True:
            deadline = time.monotonic() + SPEEDS[speed.value]
            while time.monotonic() < deadline:
                if runner.generation != generation:
                    return
                time.sleep(0.02)
            with runner.lock:
                if runner.generation != generation or model.value is not current:
                    return
                current.step()
            runner.redraw()
            if current.finished:
                with runner.lock:
                    if runner.generation == generation:
                        runner.generation += 1
                        playing.set(False)
                return

    solara.use_thread(loop, dependencies=[playing.value, model.value], intrusive_cancel=False)

    def step() -> None:
        started = time.thread_time()
        with runner.lock:
            if not model.value.finished:
                model.value.step()
        runner.redraw()
        log_step_cpu(time.thread_time() - started)

    def play_pause() -> None:
        with runner.lock:
            runner.generation += 1
            playing.set(not playing.value)

    with solara.Row(justify="space-between"):
        solara.Button("Reset", color="primary", on_click=reset)
        solara.Button("\u275a\u275a" if playing.value else "\u25b6", color="primary", on_click=play_pause,
                      disabled=model.value.finished and not playing.value)
        solara.Button("Step", color="primary", on_click=step, disabled=playing.value or model.value.finished)
    solara.Select("Play speed", values=list(SPEEDS), value=speed)
    solara.Text("Step: one day. \u25b6 Play: day after day until \u275a\u275a Pause or the last day. Reset: a new "
                "run with the controls as they are now.", style={"font-size": "12px", "line-height": "1.3"})


# ---- the panels -------------------------------------------------------------------------------------
def download_button(what: str) -> solara.Element:
    """A small button for a download: "Download the map (SVG)"."""
    return solara.Button(f"Download {what}", icon_name="mdi-download", text=True, small=True,
                         style={"text-transform": "none", "font-size": "12px"})


@solara.component
def Download(what: str, filename: str, mime_type: str, content: Callable[[], str]) -> None:
    """A download button whose file is made only when it is clicked, in the click's own handler.

    Why not ``solara.FileDownload``: it starts a thread whenever its data changes, which for a figure's
    SVG is every step, and each thread re-renders its part of the page two or three times; the files
    here are small strings, made in a millisecond. The browser side is Solara's own
    (``FileDownloadWidget``): a click sets ``request_download``, the bytes that arrive are saved, and the
    page clears ``request_download``, which clears the bytes.
    """
    latest = solara.use_ref(content)
    latest.current = content  # the newest data, without a render when only the data changed
    payload, set_payload = solara.use_state(cast("bytes | None", None))

    def requested(wanted: bool) -> None:
        set_payload(latest.current().encode("utf-8") if wanted else None)

    FileDownloadWidget.element(filename=filename, bytes=payload, request_download=payload is not None,
                               on_request_download=requested, mime_type=mime_type,
                               children=[download_button(what)])


@solara.component
def FigurePanel(model: StudentModel, draw: Callable[[StudentModel], str], name: str, day: int) -> None:
    """An SVG figure of the model, drawn once per simulated day, with an SVG download."""
    svg = solara.use_memo(lambda: draw(model), [model, day, draw])
    with solara.Div(classes=["figure-panel"]):
        solara.HTML(tag="div", unsafe_innerHTML=svg, style={"width": "100%"})
        Download(f"{name} (SVG)", f"{name}-day{model.day}.svg", "image/svg+xml", lambda: svg)


def log_html(model: StudentModel) -> str:
    """The event log in words, newest first, one line per event with its action's colour."""
    rows = []
    for event in reversed(figures.events_so_far(model)):
        colour = Action.from_key(event.action).value.colour
        sentence = figures.sentence(model, event)
        rows.append(f"<div style='margin:2px 0'><span style='display:inline-block;width:10px;height:10px;"
                    f"background:{colour};margin-right:6px;border-radius:2px'></span>{html.escape(sentence)}</div>")
    if not rows:
        rows.append("<div>Nothing has happened yet: press Step to simulate day 0.</div>")
    return (f"<div class='event-log' style='max-height:{LOG_HEIGHT};overflow-y:auto;font-size:13px;"
            f"line-height:1.35'>{''.join(rows)}</div>")


@solara.component
def EventLog(model: StudentModel, day: int) -> None:
    """What happened, in words, newest first, with the run's CSV downloads."""
    text = solara.use_memo(lambda: log_html(model), [model, day])
    with solara.Card(margin=0, style={"padding": "6px 10px"}):
        solara.Text("What happened, newest first", style={"font-weight": "bold", "font-size": "14px"})
        solara.HTML(tag="div", unsafe_innerHTML=text)
        with solara.Row():
            Download("events (CSV)", f"events-day{model.day}.csv", "text/csv", lambda: export.events_csv(model))
            Download("series over time (CSV)", f"series-day{model.day}.csv", "text/csv",
                     lambda: export.series_csv(model))


def rung_words(rung: int) -> str:
    """A rung as the page writes it: "0 (status quo)", "+5 (cross border fire)"."""
    names = sorted({a.key.replace("_", " ") for a in Action if a.rung == rung}) or ["status quo"]
    return f"{rung:+d} ({' / '.join(names)})" if rung else "0 (status quo)"


def status_line(model: StudentModel) -> str:
    """Where the run stands: day, date, today's rung, truces, crossings, and the outcome at the end."""
    if model.day == 0:
        return (f"Day 0 of {model.horizon} ({figures.nice_date(model, 0)}) not simulated yet: "
                "press Step for one day or \u25b6 to play.")
    today = model.day - 1
    rung = int(model.rung_history[today, 0])
    truce = ("ceasefire in force" if model.ceasefire_in_force[0] else
             "halt: " + ", ".join(s.name.title() for s in model.states if s.bound[0])
             if any(s.bound[0] for s in model.states) else "no truce")
    closed = [model.scenario.crossings[n]["label"] for i, n in enumerate(model.crossing_names)
              if not model.crossings_open[0, i]]
    parts = [f"Day {today}, {figures.nice_date(model, today)} ({model.day} of {model.horizon} days simulated)",
             f"highest rung today {rung_words(rung)}", truce,
             "crossings closed: " + ", ".join(closed) if closed else "crossings open"]
    if model.finished:
        parts.append(f"OUTCOME: {Outcome.from_code(model.outcome()[0]).label}")
    return " \u00b7 ".join(parts)


def monitors(model: StudentModel) -> list[tuple[str, str]]:
    """The number boxes: (label, value) as the page shows them."""
    pak, afg = model.pakistan, model.afghanistan
    claimed = float(pak.claimed_inflicted[0] + afg.claimed_inflicted[0])

    def day_of(value: int) -> str:
        return f"day {int(value)}" if value >= 0 else "not yet"

    boxes = [("days simulated", f"{model.day} of {model.horizon}"),
             ("deaths (true)", f"{float(model.interstate_deaths()[0]):.0f}"),
             ("deaths claimed", f"{claimed:.0f}"),
             ("days closed", f"{int(model.closed_days[0])}"),
             ("TTP attacks", f"{int(model.ttp.attacks[0])}"),
             ("first truce", day_of(min((d for d in (model.first_halt_day[0], model.first_ceasefire_day[0])
                                         if d >= 0), default=-1))),
             ("renewed fighting", day_of(model.renewed_fighting_day[0])),
             ("war", day_of(model.war_day[0]))]
    return boxes


@solara.component
def Monitors(model: StudentModel, day: int) -> None:
    """Number boxes, as NetLogo's monitors: the day, deaths, closures, attacks and the path so far."""
    boxes = "".join(f"<div class='monitor'><div class='monitor-label'>{html.escape(k)}</div>"
                    f"<div class='monitor-value'>{html.escape(v)}</div></div>" for k, v in monitors(model))
    solara.HTML(tag="div", unsafe_innerHTML=(
        "<style>.monitors{display:flex;flex-wrap:wrap;gap:4px}.monitor{border:1px solid #999;border-radius:4px;"
        "padding:1px 6px}.monitor-label{font-size:11px;line-height:1.2}.monitor-value{font-size:15px;"
        "font-weight:bold;line-height:1.3}</style><div class='monitors' title='deaths: battle deaths between the "
        "states; days closed: days with a crossing closed; renewed fighting: fighting after a truce'>"
        f"{boxes}</div>"))


@solara.component
def ReplayBanner(model: StudentModel) -> None:
    """What a replay is: the batch, the run, its stored outcome and settings, the day war was reached."""
    replay = model.replay
    if replay is None:
        return
    row = replay.stored
    war = int(row.get("war_day", -1))
    outcome = Outcome[str(row["outcome"]).upper()].label
    params = ", ".join(f"{k} {v:.3g}" for k, v in sorted(replay.lane_params.items())) or "as in the scenario"
    solara.Warning(
        f"REPLAY of run {replay.run} of the stored batch in {replay.directory} (scenario {replay.scenario_name}, "
        f"seed {replay.seed}, {replay.batch_runs:,} runs stored). The batch counted this run as: {outcome}"
        + (f", war reached on day {war}" if war >= 0 else "") + f". Its drawn settings: {params}.",
        classes=["replay-banner"])


@solara.component
def Header(model: StudentModel, pending: list[str], error: str) -> None:
    """The day counter, the settings in use, and any problem with the controls (re-rendered by every step)."""
    update_counter.get()
    ReplayBanner(model)
    if error:
        solara.Error(error, classes=["page-error"])
    for note in model.notes:
        solara.Warning(note, classes=["control-note"])
    if pending:
        solara.Info(f"You changed {len(pending)} control{'s' if len(pending) > 1 else ''}: the run on screen still "
                    "uses the old settings until you press Reset.", dense=True, classes=["pending-note"])
    solara.Text(status_line(model), classes=["day-status"], style={"font-size": "15px", "font-weight": "bold"})
    solara.Text(f"This run: {model.settings}.", classes=["settings-line"],
                style={"font-size": "12px", "line-height": "1.3"})


# ---- what-if odds, history and side by side -----------------------------------------------------------
def _pct(share: tuple[float, float, float]) -> str:
    p, lo, hi = share
    return f"<b>{100 * p:.1f}%</b> ({100 * lo:.1f}\u2013{100 * hi:.1f})"


def odds_html(mine: whatif.Odds, reference: whatif.Odds, reference_name: str) -> str:
    """The what-if answer as a table: shares and 95% intervals beside the reference's, and the paired difference."""
    rows = []
    for o in Outcome:
        diff, lo, hi = whatif.paired(mine, reference, o)
        rows.append(f"<tr><td {CELL}><span style='color:{o.colour}'>\u25a0</span> {o.label}</td>"
                    f"<td {CELL}>{_pct(mine.share(o))}</td><td {CELL}>{_pct(reference.share(o))}</td>"
                    f"<td {CELL}>{100 * diff:+.1f} points ({100 * lo:+.1f} to {100 * hi:+.1f})</td>"
                    f"<td {CELL}>{whatif.compare(mine, reference, o)}</td></tr>")
    path = mine.path
    along = (f"Along the way, with these settings: some fighting in {100 * path['p_any_fighting']['p']:.1f}% of runs, a "
             f"truce in {100 * path['p_truce']['p']:.1f}%, fighting renewed after a truce in "
             f"{100 * path['p_renewed_fighting']['p']:.1f}%, a strike on a capital or a campaign in "
             f"{100 * path['p_major_escalation']['p']:.1f}%.") if path else ""
    head = "".join(f"<th {CELL} align='left'>{h}</th>" for h in (
        "outcome", "these settings", f"{html.escape(reference_name)} unchanged", "difference (paired 95% interval)",
        "in words"))
    return (f"<table class='odds' style='border-collapse:collapse;font-size:13px'><tr>{head}</tr>"
            f"{''.join(rows)}</table><div style='font-size:12px;margin-top:4px'>Odds over {mine.runs:,} runs each, "
            f"seed {mine.seed}; shares with 95% intervals. Both columns are runs 0 to {mine.runs - 1:,} of the same "
            "seed (common random numbers): run k of one and run k of the other meet the same chances, so the "
            "difference is measured run by run and called clear when its interval excludes 0. "
            + ("Already computed on this server. " if mine.cached else f"Computed in {mine.seconds:.1f} s. ")
            + f"{along}</div>")


def history_svg(history: list[dict[str, Any]]) -> str:
    """The tab's what-ifs as a chart: each one's share de-escalated, with its interval, beside its reference."""
    svg = figures.Svg("Your what-ifs: share of runs that de-escalated")
    left, right, top = 150, figures.W - 20, 40
    row = min(26, (figures.H - top - 30) / max(len(history), 1))
    for k in range(0, 101, 25):
        x = left + (right - left) * k / 100
        svg.add("line", x1=f"{x:.1f}", x2=f"{x:.1f}", y1=top - 6, y2=top + row * len(history), stroke="#ddd")
        svg.text(x, top - 10, f"{k}%", 12, "middle")
    for i, item in enumerate(history):
        y = top + row * (i + 0.5)
        p, lo, hi = item["mine"].share(Outcome.DEESCALATED)
        rp = item["reference"].share(Outcome.DEESCALATED)[0]
        svg.text(left - 6, y + 4, f"{i + 1}. {item['short'][:18]}", 12, "end", tooltip=item["settings"])
        svg.add("line", x1=f"{left + (right - left) * lo:.1f}", x2=f"{left + (right - left) * hi:.1f}", y1=f"{y:.1f}",
                y2=f"{y:.1f}", stroke=Outcome.DEESCALATED.colour, stroke_width=3)
        svg.add("circle", cx=f"{left + (right - left) * p:.1f}", cy=f"{y:.1f}", r=4.5, fill=Outcome.DEESCALATED.colour)
        svg.add("path", d=f"M{left + (right - left) * rp:.1f},{y - 6:.1f} v12", stroke="#222", stroke_width=2)
    svg.text(4, figures.H - 8, "dot and bar: your settings (95% interval); tick: the reference", 12)
    return svg.render("history")


def short_settings(model: StudentModel) -> str:
    """A few words for a what-if in the history: the scenario and the controls moved."""
    if model.chosen is None:
        return f"replay run {model.replay.run}"
    moved = [f"{FACTORS[k].label.split()[0].lower()} \u00d7{v:g}" for k, v in model.chosen.factors.items() if v != 1]
    return f"{model.chosen.scenario.stem}" + (f", {', '.join(moved)}" if moved else "")


def side_by_side_html(history: list[dict[str, Any]]) -> str:
    """The newest what-if beside up to two earlier ones of the same seed, BehaviorSpace-style: each outcome's
    share, and each one's paired difference from the newest (the runs share their random numbers)."""
    first = history[0]["mine"]
    same = [(i, h) for i, h in enumerate(history) if h["mine"].seed == first.seed and h["mine"].runs == first.runs][:3]
    if len(same) < 2:
        return ""
    head = "".join(f"<th {CELL} align='left'>#{i + 1}: {html.escape(h['short'])}</th>" for i, h in same)
    same = [h for _, h in same]
    rows = []
    for o in Outcome:
        cells = "".join(f"<td {CELL}>{_pct(h['mine'].share(o))}</td>" for h in same)
        rows.append(f"<tr><td {CELL}>{o.label}</td>{cells}</tr>")
    diffs = []
    for h in same[1:]:
        d, lo, hi = whatif.paired(h["mine"], first, Outcome.DEESCALATED)
        diffs.append(f"<td {CELL}>{100 * d:+.1f} points ({100 * lo:+.1f} to {100 * hi:+.1f})</td>")
    rows.append(f"<tr><td {CELL}>de-escalated, minus #1 (paired)</td><td {CELL}>\u2014</td>{''.join(diffs)}</tr>")
    return (f"<table class='side-by-side' style='border-collapse:collapse;font-size:13px'><tr><th {CELL}></th>{head}"
            f"</tr>{''.join(rows)}</table><div style='font-size:12px'>Side by side: your newest what-if and up to two "
            f"earlier ones with the same seed ({first.seed}). Run k of each meets the same chances, so each difference "
            "from #1 is measured run by run.</div>")


@solara.component
def WhatIf(model: StudentModel, history: solara.Reactive[list]) -> None:
    """How often runs with these settings end each way, beside the chosen scenario unchanged (off the UI thread)."""
    ahead = solara.use_reactive(-1)

    def work(target: StudentModel) -> tuple[StudentModel, whatif.Odds, whatif.Odds]:
        request = target.request
        ahead.set(-1)
        mine = whatif.odds(request.scenario, request.seed, scale=request.scale, on_wait=ahead.set)
        ahead.set(-1)
        reference = whatif.odds(request.reference, request.seed, on_wait=ahead.set)
        entry = {"mine": mine, "reference": reference, "settings": request.description,
                 "short": short_settings(target), "reference_name": request.reference.name}
        history.set(([entry] + [h for h in history.value if h["settings"] != entry["settings"]])[:HISTORY])
        return target, mine, reference

    task = solara.lab.use_task(work, dependencies=None, raise_error=False)
    with solara.Card("What-if odds", margin=0):
        solara.Button(f"Run {whatif.RUNS:,} runs with these settings", color="primary",
                      on_click=lambda: task(model), disabled=task.pending, style={"max-width": "100%"})
        if task.pending:
            solara.ProgressLinear(True)
            batches = f"{ahead.value} batch{'es' if ahead.value != 1 else ''}"  # a what-if is two: settings, reference
            waiting = (f"waiting: {batches} of {whatif.RUNS:,} runs ahead of yours (other tabs' what-ifs)"
                       if ahead.value > 0 else "running")
            solara.Text(f"{waiting} \u2026 ({whatif.RUNS:,} runs of these settings and {whatif.RUNS:,} of the "
                        "scenario unchanged; a few seconds each)", classes=["what-if-wait"])
        elif task.error:
            solara.Error(f"The batch could not run: {task.exception}")
        elif task.finished and task.value[0] is model:
            _, mine, reference = task.value
            solara.HTML(tag="div", unsafe_innerHTML=odds_html(mine, reference, model.request.reference.name))
        else:
            solara.Text(f"Press the button to count how {whatif.RUNS:,} runs with the settings of the run on screen "
                        "end, beside the chosen scenario unchanged.", style={"font-size": "13px"})
    if history.value:
        with solara.Card("Your what-ifs in this tab (newest first)", margin=0):
            solara.HTML(tag="div", unsafe_innerHTML=side_by_side_html(history.value))
            solara.HTML(tag="div", unsafe_innerHTML=history_svg(history.value), style={"max-width": "640px"})
            rows = "".join(f"<tr><td {CELL}>{i + 1}</td><td {CELL}>{html.escape(h['settings'])}</td>"
                           f"<td {CELL}>{_pct(h['mine'].share(Outcome.DEESCALATED))}</td>"
                           f"<td {CELL}>{_pct(h['reference'].share(Outcome.DEESCALATED))}</td></tr>"
                           for i, h in enumerate(history.value))
            head = "".join(f"<th {CELL} align='left'>{h}</th>" for h in ("#", "settings", "de-escalated", "reference"))
            solara.HTML(tag="div", unsafe_innerHTML=(
                f"<table class='history' style='font-size:12px;border-collapse:collapse'><tr>{head}</tr>{rows}</table>"))
            Download("what-ifs (CSV)", "what-ifs.csv", "text/csv", lambda: export.history_csv(history.value))


# ---- the page ----------------------------------------------------------------------------------------
def ladder_with_war(model: StudentModel) -> str:
    """The ladder; for a replay, with the day the batch's run reached war marked from the start."""
    stored = int(model.replay.stored.get("war_day", -1)) if model.replay is not None else -1
    return figures.ladder_svg(model, war_day=stored if stored >= 0 else None)


#: The figures beside the ladder, one at a time (tab label -> drawing, name): at 1366 x 768 two figures fit
#: above the fold with their text at 11 px or more, so the ladder stays in view and any one of these beside it.
FIGURE_TABS: dict[str, tuple[Callable[[StudentModel], str], str]] = {
    "Map": (figures.map_svg, "map"), "Over time": (figures.series_svg, "series"),
    "Network": (figures.network_svg, "network"), "Deaths": (figures.deaths_svg, "deaths")}


@solara.component
def RunTab(model: StudentModel) -> None:
    """Monitors; the ladder, beside it the map, the series over time, the network or the deaths (one at a time,
    as tabs: only the figure shown is drawn at a step); then the event log. Re-rendered by every step."""
    update_counter.get()
    day = model.day
    shown = solara.use_reactive(0)
    Monitors(model, day)
    with solara.Div(style=GRID):
        FigurePanel(model, ladder_with_war, "ladder", day)
        with solara.Div(classes=["figure-tabs"]):
            with solara.lab.Tabs(value=shown, lazy=True):
                for label, (draw, name) in FIGURE_TABS.items():
                    with solara.lab.Tab(label):
                        FigurePanel(model, draw, name, day)
        EventLog(model, day)


@solara.component
def InfoTab() -> None:
    """The Info tab: what the model is, who is who, the controls, things to notice and to try, caveats."""
    text = solara.use_memo(info_html, [])
    solara.HTML(tag="div", unsafe_innerHTML=text, classes=["info-tab"])


@solara.component
def Dashboard(model: StudentModel, pending: list[str] | None = None, error: str = "") -> None:
    """The main area: the status, then the tabs Run, What-if and Info. A step re-renders the status and the Run
    tab only (they read Mesa's counter), not the tabs around them."""
    history = solara.use_reactive([])
    tab = solara.use_reactive(0)
    with solara.Column(style={"padding": "0 12px", "width": "100%"}, gap="6px"):
        Header(model, pending or [], error)
        with solara.lab.Tabs(value=tab, lazy=True):  # only the open tab is rendered (and re-rendered by a step)
            with solara.lab.Tab("Run"):
                RunTab(model)
            with solara.lab.Tab("What-if and compare"):
                WhatIf(model, history)
            with solara.lab.Tab("Forecast"):
                from .forecast_panel import ForecastTab

                ForecastTab()
            with solara.lab.Tab("Info"):
                InfoTab()


@solara.component
def Page(title: str) -> None:
    """One browser tab: its own model, its own controls and its own run, in the sidebar and the main area."""
    runner = solara.use_memo(Runner, [])
    first = solara.use_memo(initial_controls, [])
    controls = solara.use_reactive(first)
    applied = solara.use_reactive(first)
    error = solara.use_reactive("")

    def first_model() -> StudentModel:
        try:
            return build_model(first)
        except UsageError as err:
            error.set(f"{err}. Showing a live run of {served_scenario().name} instead; choose another run.")
            return StudentModel()

    model = solara.use_reactive(solara.use_memo(first_model, []))
    playing = solara.use_reactive(False)
    replay_names = solara.use_memo(lambda: model.value.replay.scenarios if model.value.replay else (), [])

    def reset() -> None:
        wanted = dict(controls.value)
        with runner.lock:
            runner.generation += 1
            playing.set(False)
            try:
                new = build_model(wanted)
            except UsageError as err:
                error.set(f"{err}. The run on screen is unchanged.")
                return
            error.set("")
            applied.set(wanted)  # before the model: once the new run shows, no control is marked as pending
            model.set(new)
        runner.redraw()

    solara.Title(title)
    with solara.AppBar():
        solara.AppBarTitle(title)
        solara.lab.ThemeToggle()
    with solara.Sidebar(), solara.Column(gap="6px"):
        with solara.Card("Run", margin=0):
            Controller(runner, model, playing, reset)
        with solara.Card("Settings (take effect on Reset)", margin=0):
            if first.get("replay"):
                ReplayControls(controls, applied.value, replay_names)
            else:
                LiveControls(controls, applied.value)
        with solara.Card("Information", margin=0):
            StepCounter(model.value)
    Dashboard(model.value, changed_controls(controls.value, applied.value), error.value)


@solara.component
def StepCounter(model: StudentModel) -> None:
    """Mesa's step counter, as in SolaraViz: the days simulated so far."""
    update_counter.get()
    solara.Text(f"Step: {model.day}", classes=["step-counter"])
