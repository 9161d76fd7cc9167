"""Figures of a single run (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from .io import atomic_write_figure  # noqa: E402
from .ladder import MAX_RUNG, MIN_RUNG, Action  # noqa: E402

if TYPE_CHECKING:
    from .results import RunResult


def rung_axis(ax) -> None:
    """Label the y axis with the ladder's rungs, from ceasefire (bottom) to campaign (top)."""
    ticks = {}
    for action in Action:
        ticks.setdefault(action.rung, action.key.replace("_", " "))
    ticks[0] = "status quo"
    ax.set_yticks(sorted(ticks))
    ax.set_yticklabels([f"{r:+d} {ticks[r]}" if r else "0 status quo" for r in sorted(ticks)], fontsize=7)
    ax.set_ylim(MIN_RUNG - 0.7, MAX_RUNG + 0.7)
    ax.axhline(0, color="#999999", lw=0.6)


def plot_run(result: RunResult, path: str | Path | None = None) -> Figure:
    """Daily highest rung as a step line; each event a marker at its rung, coloured by action."""
    fig, ax = plt.subplots(figsize=(10, 5.5))
    days = [row["day"] for row in result.series]
    rungs = [row["rung"] for row in result.series]
    ax.step(days, rungs, where="mid", color="#444444", lw=1.2, label="highest rung of the day")
    seen = set()
    for e in result.events:
        action = Action.from_key(e.action)
        label = action.key.replace("_", " ") if action not in seen else None
        seen.add(action)
        ax.scatter([e.day], [action.rung], color=action.value.colour, s=28 + 4 * min(e.deaths_true, 30),
                   edgecolor="white", linewidth=0.5, zorder=3, label=label)
    rung_axis(ax)
    ax.set_xlabel(f"day (day 0 = {result.scenario.start_date})")
    ax.set_title(f"{result.scenario.name}, seed {result.seed}, run {result.run}: outcome {result.outcome} "
                 "(marker size ~ deaths)")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    fig.tight_layout()
    if path is not None:
        atomic_write_figure(path, fig)
        plt.close(fig)
    return fig
