"""The result of one run: its events, daily series and summary, with tables, JSON and a figure."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import UsageError
from .events import Event, display_name
from .geography import PLACES
from .io import atomic_write_text, dumps, folder_entries, output_folder
from .ladder import Action
from .model import EscalationModel
from .outcomes import Outcome
from .scenario import Scenario

#: What ``RunResult.write`` puts in a folder; ``run --out`` writes only into a folder holding nothing else.
RUN_FILES = ("events.csv", "series.csv", "run.json", "ladder.png")
SERIES_COLUMNS = ("day", "date", "rung", "deaths_true", "deaths_true_pakistan", "deaths_true_afghanistan",
                  "claimed_by_pakistan", "claimed_by_afghanistan", "acknowledged_pakistan",
                  "acknowledged_afghanistan", "crossings_open", "ceasefire_in_force", "halt_in_force",
                  "grievance_pakistan", "grievance_afghanistan", "ttp_attacks")


@dataclass
class RunResult:
    """One run of a scenario (lane ``lane`` of a model): what happened and how it ended."""

    scenario: Scenario
    seed: int
    run: int
    events: list[Event]
    series: list[dict[str, Any]]
    summary: dict[str, Any]
    dates: list[str] = field(default_factory=list)

    @classmethod
    def simulate(cls, scenario: Scenario, seed: int = 0, run: int = 0, days: int | None = None,
                 lane_params: dict[str, float] | None = None) -> RunResult:
        """Run run number ``run`` of ``seed`` alone (R = 1), exactly as a batch would."""
        model = EscalationModel(scenario, seed=seed, run_indices=np.array([run]), horizon=days, lane_params=lane_params)
        model.run()
        return cls.from_model(model)

    @classmethod
    def from_model(cls, model: EscalationModel, lane: int = 0) -> RunResult:
        summary = {k: _plain(v[lane]) for k, v in model.summary().items()}
        summary["outcome"] = Outcome.from_code(summary["outcome"]).key
        host = summary.pop("ceasefire_host")
        summary["ceasefire_host"] = model.mediators[host].name if host >= 0 else None
        summary["days"] = model.day
        series = []
        if model.datacollector is not None:
            frame = model.datacollector.get_model_vars_dataframe()
            for record in frame.to_dict("records"):
                row = {k: _plain(np.asarray(v).reshape(-1)[lane]) for k, v in record.items()}
                row = {k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}
                row["day"] = int(record["day"])
                row["date"] = model.date_of(row["day"])
                series.append({k: row[k] for k in SERIES_COLUMNS})
        return cls(model.scenario, model.seed_value, int(model.run_indices[lane]), model.log.events(lane),
                   series, summary, [model.date_of(d) for d in range(model.day)])

    @property
    def outcome(self) -> str:
        return self.summary["outcome"]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form printed by ``escalation run --json``."""
        keys = ("day", "actor", "action", "target", "location", "deaths_true", "deaths_claimed")
        events = [{k: getattr(e, k) for k in keys} | ({"count": e.count} if e.count > 1 else {})
                  for e in self.events]
        return {"scenario": self.scenario.name, "seed": self.seed, "run": self.run, "outcome": self.outcome,
                "events": events, "summary": self.summary}

    def to_json(self) -> str:
        """Strict JSON (a non-finite number would be null, never NaN)."""
        return dumps(self.to_dict(), indent=2)

    def timeline(self) -> str:
        """A readable table: day, date, actor, action, target, place, deaths true / claimed."""
        rows = [("day", "date", "actor", "action", "target", "place", "true", "claimed")]
        for e in self.events:
            action = e.action.replace("_", " ") + (f" x{e.count}" if e.count > 1 else "")
            kinetic = Action.from_key(e.action).kinetic
            rows.append((str(e.day), self.dates[e.day] if e.day < len(self.dates) else "",
                         display_name(e.actor, self.scenario),
                         action, "both" if e.target == "both" else display_name(e.target, self.scenario),
                         PLACES[e.location].label if e.location else "",
                         str(e.deaths_true) if kinetic else "", str(e.deaths_claimed) if kinetic else ""))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(c.ljust(w) if i < 6 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
                 .rstrip() for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def report(self) -> str:
        """Timeline followed by the outcome and the summary figures."""
        s = self.summary
        host = s["ceasefire_host"]
        lines = [
            f"Scenario {self.scenario.name} (seed {self.seed}, run {self.run}), {s['days']} days from "
            f"{self.scenario.start_date}",
            "",
            self.timeline(),
            "",
            f"Outcome: {Outcome[self.outcome.upper()].label}",
            f"  peak rung {s['peak_rung']} ({_rung_name(s['peak_rung'])})",
            f"  first halt day {_day(s['first_halt_day'])}; first ceasefire day {_day(s['first_ceasefire_day'])}"
            + (f" (hosted by {display_name(host, self.scenario)})" if host else ""),
            f"  deaths between the states: true {s['deaths_true']:.0f} (Pakistan {s['deaths_true_pakistan']:.0f}, "
            f"Afghanistan {s['deaths_true_afghanistan']:.0f})",
            f"  acknowledged: Pakistan {s['acknowledged_pakistan']:.0f}, Afghanistan {s['acknowledged_afghanistan']:.0f}; "
            f"claimed: by Pakistan {s['claimed_by_pakistan']:.0f}, by Afghanistan {s['claimed_by_afghanistan']:.0f}",
            f"  TTP attacks {s['ttp_attacks']} ({s['ttp_deaths']:.0f} killed); days with a crossing closed "
            f"{s['closed_days']}",
        ]
        return "\n".join(lines)

    def write(self, out: str | Path) -> list[Path]:
        """Write events.csv, series.csv, run.json and ladder.png into ``out`` (see ``run_once``)."""
        out = Path(out)
        written = []
        buf = io.StringIO()
        fields = ["day", "date", "actor", "action", "target", "location", "deaths_true", "deaths_claimed", "count"]
        writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for e in self.events:
            row = e.as_dict() | {"date": self.dates[e.day] if e.day < len(self.dates) else ""}
            writer.writerow({k: row[k] for k in fields})
        written.append(atomic_write_text(out / "events.csv", buf.getvalue()))
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(SERIES_COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.series)
        written.append(atomic_write_text(out / "series.csv", buf.getvalue()))
        written.append(atomic_write_text(out / "run.json", self.to_json() + "\n"))
        self.plot(out / "ladder.png")
        written.append(out / "ladder.png")
        return written

    def plot(self, path: str | Path | None = None):
        """The ladder rung over time, every event marked at its rung; saved if ``path`` is given."""
        from .plotting import plot_run

        return plot_run(self, path)


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def _day(day: int) -> str:
    return "none" if day < 0 else str(day)


def _rung_name(rung: int) -> str:
    names = [a.key.replace("_", " ") for a in Action if a.rung == rung]
    return " / ".join(names) if names else "status quo"


def check_run_folder(out: Path) -> None:
    """A run's files go into an empty folder or one holding an earlier run's: never among a batch's files."""
    others = sorted(p.name for p in folder_entries(out) if p.name not in RUN_FILES)
    if others:
        raise UsageError(f"--out {out}: the folder holds other files ({', '.join(others[:3])}"
                         f"{', ...' if len(others) > 3 else ''}); a run writes {', '.join(RUN_FILES)} only into "
                         "an empty folder or one holding an earlier run's files")


def run_once(scenario: Scenario, seed: int = 0, run: int = 0, days: int | None = None,
             out: str | Path | None = None) -> RunResult:
    """Simulate one run; with ``out``, write its files there (the folder checked and locked before simulating)."""
    if out is None:
        return RunResult.simulate(scenario, seed=seed, run=run, days=days)
    with output_folder(out) as folder:
        check_run_folder(folder)
        result = RunResult.simulate(scenario, seed=seed, run=run, days=days)
        result.write(folder)
    return result
