"""Solara components of the page: the panels around one ``StudentModel``.

Each panel reads Mesa's ``update_counter`` so it redraws after Step, Play and Reset, and
caches its drawing per (model, day): a panel is redrawn once per simulated day, not on every
render of the page.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import solara
from mesa.visualization.utils import update_counter

from ..ladder import Action
from ..outcomes import Outcome
from . import figures, whatif
from .explain import explanation_html
from .student import StudentModel, served_scenario

LOG_HEIGHT = "244px"


@solara.component
def FigurePanel(model: StudentModel, draw: Callable[[StudentModel], str]) -> None:
    """An SVG figure of the model, drawn once per simulated day."""
    update_counter.get()
    svg = solara.use_memo(lambda: draw(model), [model, model.day, draw])
    solara.HTML(tag="div", unsafe_innerHTML=svg, style={"width": "100%"})


def log_html(model: StudentModel) -> str:
    """The event log in words, newest first, one line per event with its action's colour."""
    rows = []
    for event in reversed(model.log.events(0)):
        colour = Action.from_key(event.action).value.colour
        sentence = event.sentence(model.scenario, figures.nice_date(model, event.day))
        rows.append(f"<div style='margin:2px 0'><span style='display:inline-block;width:9px;height:9px;"
                    f"background:{colour};margin-right:6px;border-radius:2px'></span>{html.escape(sentence)}</div>")
    if not rows:
        rows.append("<div>Nothing has happened yet: press Step to simulate day 0.</div>")
    return (f"<div class='event-log' style='max-height:{LOG_HEIGHT};overflow-y:auto;font-size:13px;"
            f"line-height:1.3'>{''.join(rows)}</div>")


@solara.component
def EventLog(model: StudentModel) -> None:
    """(e) What happened, in words, newest first."""
    update_counter.get()
    text = solara.use_memo(lambda: log_html(model), [model, model.day])
    with solara.Card(margin=0, style={"padding": "6px 10px"}):
        solara.Text("What happened, newest first", style={"font-weight": "bold", "font-size": "14px"})
        solara.HTML(tag="div", unsafe_innerHTML=text)


def status_line(model: StudentModel) -> str:
    """Where the run stands: day, date, today's rung, truces, crossings, and the outcome at the end."""
    if model.day == 0:
        return (f"Day 0 of {model.horizon} ({figures.nice_date(model, 0)}) not simulated yet: "
                "press Step for one day or \u25b6 to play.")
    today = model.day - 1
    rung = int(model.rung_history[today, 0])
    names = sorted({a.key.replace("_", " ") for a in Action if a.rung == rung}) or ["status quo"]
    truce = ("ceasefire in force" if model.ceasefire_in_force[0] else
             "halt: " + ", ".join(s.name.title() for s in model.states if s.bound[0])
             if any(s.bound[0] for s in model.states) else "no truce")
    closed = [model.scenario.crossings[n]["label"] for i, n in enumerate(model.crossing_names)
              if not model.crossings_open[0, i]]
    parts = [f"Day {today}, {figures.nice_date(model, today)} ({model.day} of {model.horizon} days simulated)",
             f"highest rung today {rung:+d} ({' / '.join(names)})", truce,
             "crossings closed: " + ", ".join(closed) if closed else "crossings open"]
    if model.finished:
        parts.append(f"OUTCOME: {Outcome.from_code(model.outcome()[0]).label}")
    return " \u00b7 ".join(parts)


@solara.component
def Header(model: StudentModel) -> None:
    """The day counter, the settings in use, and any problem with the controls."""
    update_counter.get()
    for note in model.notes:
        solara.Warning(note)
    solara.Text(status_line(model), classes=["day-status"], style={"font-size": "15px", "font-weight": "bold"})
    solara.Text(f"This run: {model.settings}. Change a control, then press Reset.",
                style={"font-size": "12px", "color": "#555", "line-height": "1.3"})


def odds_html(mine: whatif.Odds, reference: whatif.Odds, reference_name: str) -> str:
    """The what-if answer as a table: shares and 95% intervals beside the reference's."""
    def cell(share: tuple[float, float, float]) -> str:
        p, lo, hi = share
        return f"<b>{100 * p:.1f}%</b> <span style='color:#666'>({100 * lo:.1f}\u2013{100 * hi:.1f})</span>"

    rows = "".join(
        f"<tr><td><span style='color:{o.colour}'>\u25a0</span> {o.label}</td><td>{cell(mine.share(o))}</td>"
        f"<td>{cell(reference.share(o))}</td><td>{whatif.compare(mine, reference, o)}</td></tr>"
        for o in Outcome)
    return (f"<table class='odds' style='border-collapse:collapse;font-size:13px' cellpadding='4'>"
            f"<tr><th align='left'>outcome</th><th align='left'>these settings</th>"
            f"<th align='left'>{html.escape(reference_name)} unchanged (seed {reference.seed})</th>"
            f"<th align='left'>difference</th></tr>"
            f"{rows}</table><div style='font-size:12px;color:#555;margin-top:4px'>Odds over {mine.runs:,} runs "
            f"each (seed {mine.seed}), with 95% intervals; "
            + ("already computed on this server for the same settings. " if mine.cached
               else f"computed in {mine.seconds:.1f} s. ")
            + "A difference is "
            "called clear when the two intervals do not overlap.</div>")


@solara.component
def WhatIf(model: StudentModel) -> None:
    """How often runs with these settings end each way, beside the unchanged scenario (runs off the UI thread)."""
    def work(target: StudentModel) -> tuple[StudentModel, whatif.Odds, whatif.Odds]:
        mine = whatif.odds(target.odds_scenario, target.seed_value)
        return target, mine, whatif.reference_odds(served_scenario())

    task = solara.lab.use_task(work, dependencies=None, raise_error=False)
    with solara.Card("What-if odds", margin=0):
        solara.Button(f"Run {whatif.RUNS:,} runs with these settings", color="primary",
                      on_click=lambda: task(model), disabled=task.pending)
        if task.pending:
            solara.ProgressLinear(True)
            solara.Text(f"Running {whatif.RUNS:,} runs\u2026 (a few seconds)")
        elif task.error:
            solara.Error(f"The batch could not run: {task.exception}")
        elif task.finished and task.value[0] is model:
            _, mine, reference = task.value
            solara.HTML(tag="div", unsafe_innerHTML=odds_html(mine, reference, served_scenario().name))
        else:
            solara.Text("Press the button to count how 2,000 runs with the settings of this run end.",
                        style={"font-size": "13px"})


@solara.component
def Explanation() -> None:
    """(5) Who is who, the ladder, the controls and the facts, in plain words."""
    text = solara.use_memo(explanation_html, [])
    with solara.Card("About this model", margin=0):
        solara.HTML(tag="div", unsafe_innerHTML=text)


@solara.component
def Dashboard(model: StudentModel) -> None:
    """Every panel, laid out to fit a 1280 x 800 screen: map, ladder, deaths and log first."""
    # SolaraViz leaves an empty 24 px row (plus a 12 px gap) above: pull the panels up over it.
    with solara.Column(style={"padding": "0 12px", "width": "100%", "position": "relative", "top": "-34px"},
                       gap="8px"):
        Header(model)
        with solara.Columns([1, 1], gutters_dense=True):
            FigurePanel(model, figures.map_svg)
            FigurePanel(model, figures.ladder_svg)
        with solara.Columns([1, 1], gutters_dense=True):
            FigurePanel(model, figures.deaths_svg)
            EventLog(model)
        with solara.Columns([1, 1], gutters_dense=True):
            FigurePanel(model, figures.network_svg)
            WhatIf(model)
        Explanation()
