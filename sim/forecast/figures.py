"""Forecast figures: the ladder's fan over the matched runs, and each question's cumulative probability."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..batch.figures import daily_percentiles  # noqa: E402
from ..io import atomic_write_figure  # noqa: E402
from ..plotting import rung_axis  # noqa: E402

if TYPE_CHECKING:
    from .core import Forecast


def _save(fig, path: Path) -> Path:
    atomic_write_figure(path, fig)
    plt.close(fig)
    return path


def fan_figure(forecast: Forecast, path: Path) -> Path:
    """Median daily rung with 50% and 90% bands over the matched runs; the observed days shaded."""
    rungs = forecast.rungs[forecast.main]
    days = np.arange(rungs.shape[1])
    q05, q25, q50, q75, q95 = daily_percentiles(rungs, (5, 25, 50, 75, 95))
    fig, ax = plt.subplots(figsize=(9, 3.8))
    ax.axvspan(-0.5, forecast.origin - 0.5, color="#dddddd", alpha=0.6, label="observed days")
    ax.fill_between(days, q05, q95, step="mid", color="#fdae61", alpha=0.35, label="90% of runs")
    ax.fill_between(days, q25, q75, step="mid", color="#d73027", alpha=0.45, label="50% of runs")
    ax.step(days, q50, where="mid", color="black", lw=1.4, label="median")
    rung_axis(ax)
    ax.set_xlabel(f"day (day 0 = {forecast.metadata.get('first_day', forecast.scenario.start_date)})")
    ax.set_title(f"Highest rung of each day over the {forecast.n_matched:,} runs that reproduce the observed days",
                 fontsize=9)
    ax.legend(loc="upper right", fontsize=7)
    fig.tight_layout()
    return _save(fig, path)


def cumulative_figure(forecast: Forecast, path: Path) -> Path:
    """Per question: the probability that its answer is yes had its window ended on each day."""
    fig, ax = plt.subplots(figsize=(9, 4.5))
    for name in forecast.names:
        days, share = forecast.curve(name)
        ax.step(days, 100 * share, where="post", label=name)
    ax.set_xlabel(f"days after the last observed day (day 0 = {forecast.metadata.get('origin_date', 'the origin')})")
    ax.set_ylabel("probability by that day (%)")
    ax.set_ylim(-2, 102)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    ax.set_title(f"Cumulative probability of each question ({forecast.n_matched:,} matched runs)", fontsize=9)
    fig.tight_layout()
    return _save(fig, path)
