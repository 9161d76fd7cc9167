"""Downloads of the page: the run's events and series over time, and the tab's what-ifs, as CSV text."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

from ..outcomes import Outcome

if TYPE_CHECKING:
    from .student import StudentModel


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def events_csv(model: StudentModel) -> str:
    """Every event of the run so far: day, date, actor, action, target, place, deaths, sentence."""
    rows = [[e.day, model.date_of(e.day), e.actor, e.action, e.target or "", e.location or "",
             f"{e.deaths_true:g}", e.sentence(model.scenario, model.date_of(e.day))] for e in model.log.events(0)]
    return _csv(["day", "date", "actor", "action", "target", "place", "deaths_true", "sentence"], rows)


def series_csv(model: StudentModel) -> str:
    """Mesa's DataCollector series of the run: one row per simulated day, one column per series."""
    series = model.series
    names = list(series)
    days = len(series[names[0]]) if names else 0
    return _csv(names, [[series[n][d] for n in names] for d in range(days)])


def history_csv(history: list[dict[str, Any]]) -> str:
    """The tab's what-ifs: settings, runs, seed, and each outcome's share with its interval, beside the reference."""
    header = ["settings", "reference", "runs", "seed"]
    for who in ("", "reference_"):
        for o in Outcome:
            header += [f"{who}p_{o.key}", f"{who}p_{o.key}_low", f"{who}p_{o.key}_high"]
    rows = []
    for h in history:
        row = [h["settings"], h["reference_name"], h["mine"].runs, h["mine"].seed]
        for odds in (h["mine"], h["reference"]):
            for o in Outcome:
                row += [f"{x:.4f}" for x in odds.share(o)]
        rows.append(row)
    return _csv(header, rows)
