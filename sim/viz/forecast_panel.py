"""The browser's forecast panel: load an events file, see the default questions' forecast.

A thin page over ``sim.forecast.workflow.panel_forecast`` (the logic lives in ``sim.forecast``):
the file's bytes go in, forecast.json's content comes out and is shown as a table, off the UI
thread; a bad file shows the command's one-line error.
"""

from __future__ import annotations

import html

import solara

from ..errors import UsageError
from ..forecast.observed import FORECAST_DIR, MAX_EVENTS_BYTES
from ..forecast.workflow import PANEL_RUNS, panel_forecast

CELL = "style='padding:2px 8px;border-bottom:1px solid #ddd'"


def forecast_html(summary: dict) -> str:
    """The forecast as an HTML table: each question's p, ci (parameters and tolerances) and Monte Carlo interval."""
    c = summary["conditioning"]
    rows = []
    for name, e in summary.items():
        if not isinstance(e, dict) or "p" not in e:
            continue
        if e["p"] is None:
            cells = "<td colspan=3>no forecast</td>"
        else:
            cells = (f"<td {CELL}><b>{100 * e['p']:.1f}%</b></td><td {CELL}>{100 * e['ci_low']:.1f}-"
                     f"{100 * e['ci_high']:.1f}%</td><td {CELL}>{100 * e['mc_low']:.1f}-{100 * e['mc_high']:.1f}%</td>")
        rows.append(f"<tr><td {CELL}>{html.escape(e.get('text') or name)}</td>{cells}</tr>")
    head = "".join(f"<th {CELL} align='left'>{h}</th>" for h in
                   ("question", "probability", "range (parameters, tolerances)", "Monte Carlo"))
    note = (f"<p style='font-size:12px'>{c['matched']:,} of {c['runs_simulated']:,} runs reproduce the observed events "
            f"({html.escape(c['stated'])}); forecast from {html.escape(summary['metadata']['origin_date'])}.</p>")
    warning = f"<p style='color:#b00;font-size:12px'>{html.escape(summary['warning'])}</p>" if "warning" in summary else ""
    return (f"{note}{warning}<table style='font-size:12px;border-collapse:collapse'><tr>{head}</tr>"
            f"{''.join(rows)}</table>")


@solara.component
def ForecastTab() -> None:
    """Drop an events file (the project's table or ACLED's layout), or take the article's; see the forecast."""
    upload = solara.use_reactive(None)

    def work(file: tuple[str, bytes] | None) -> dict | str:
        if file is None:
            return ""
        try:
            return panel_forecast(file[1], file[0])
        except UsageError as err:
            return str(err)

    task = solara.lab.use_task(work, dependencies=[upload.value], raise_error=False)
    with solara.Card("Forecast from the events observed so far", margin=0):
        solara.Markdown(f"An events file in the project's layout or ACLED's; {PANEL_RUNS:,} runs of the calibrated "
                        "model are kept when they reproduce it, and answer the six questions of the 13 October study.")
        solara.FileDrop(label="Drop an events file (CSV) here",  # read with the events file's size limit
                        on_file=lambda f: upload.set((f["name"], f["file_obj"].read(MAX_EVENTS_BYTES + 1))))
        sample = FORECAST_DIR / "october_2025.acled.csv"
        solara.Button("Use the article's events (sample in ACLED's layout)",
                      on_click=lambda: upload.set((sample.name, sample.read_bytes())))
        if task.pending:
            solara.ProgressLinear(True)
            solara.Text("running (a few seconds)")
        elif task.finished and isinstance(task.value, dict):
            solara.HTML(tag="div", unsafe_innerHTML=forecast_html(task.value))
        elif task.finished and task.value:
            solara.Error(task.value)
