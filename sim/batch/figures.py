"""Batch figures: outcome shares with intervals, survival to the first ceasefire, rung fan chart."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..io import atomic_write_figure  # noqa: E402
from ..ladder import MAX_RUNG, MIN_RUNG  # noqa: E402
from ..outcomes import Outcome  # noqa: E402
from ..plotting import rung_axis  # noqa: E402
from .stats import kaplan_meier  # noqa: E402
from .store import rungs_matrix  # noqa: E402

if TYPE_CHECKING:
    from .results import BatchResult


def batch_figures(result: BatchResult, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = [outcome_bars(result, out / "outcomes.png"), survival(result, out / "first_ceasefire_survival.png"),
             rung_fan(result, out / "rung_fan.png")]
    return paths


def _save(fig, path: Path) -> Path:
    atomic_write_figure(path, fig)
    plt.close(fig)
    return path


def outcome_bars(result: BatchResult, path: Path) -> Path:
    """Grouped bars: share of runs in each outcome, per scenario, with 95% Wilson intervals."""
    summary = result.summary()
    names = list(summary)
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(names) + 3), 4.5))
    width = 0.8 / len(Outcome)
    x = np.arange(len(names))
    for i, outcome in enumerate(Outcome):
        p = np.array([summary[n][f"p_{outcome.key}"] for n in names])
        lo = np.array([summary[n][f"p_{outcome.key}_ci_low"] for n in names])
        hi = np.array([summary[n][f"p_{outcome.key}_ci_high"] for n in names])
        bars = ax.bar(x + (i - 1) * width, 100 * p, width, color=outcome.colour,
                      yerr=[100 * (p - lo), 100 * (hi - p)], capsize=3)
        for bar, value in zip(bars, p, strict=True):
            ax.annotate(f"{outcome.label}\n{100 * value:.1f}%", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                        ha="center", va="bottom", fontsize=7, xytext=(0, 4), textcoords="offset points")
    ax.set_xticks(x, [f"{n}\n({summary[n]['runs']:,} runs)" for n in names], fontsize=8)
    ax.set_ylabel("share of runs (%), bars = 95% Wilson interval")
    ax.set_ylim(0, 115)
    ax.set_title(f"Outcome of the crisis by scenario (seed {result.seed})")
    fig.tight_layout()
    return _save(fig, path)


def survival(result: BatchResult, path: Path) -> Path:
    """Share of runs still without a formal ceasefire after each day (Kaplan-Meier, censored at the horizon)."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for name, frame in result.frames.items():
        days, surv = kaplan_meier(frame["first_ceasefire_day"].to_numpy(), result.horizon[name])
        line, = ax.step(days, 100 * surv, where="post")
        ax.annotate(name, (days[-1], 100 * surv[-1]), color=line.get_color(), fontsize=8,
                    xytext=(4, 0), textcoords="offset points", va="center")
    ax.set_xlabel("day (day 0 = scenario start)")
    ax.set_ylabel("runs without a ceasefire yet (%)")
    ax.set_ylim(0, 102)
    ax.set_title("Time to the first formal ceasefire")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)


def rung_fan(result: BatchResult, path: Path) -> Path:
    """Median daily rung with 50% and 90% bands, one panel per scenario."""
    names = list(result.frames)
    fig, axes = plt.subplots(len(names), 1, figsize=(9, 3.2 * len(names)), squeeze=False, sharex=True)
    for ax, name in zip(axes[:, 0], names, strict=True):
        rungs = rungs_matrix(result.frames[name])
        if rungs.size == 0:
            continue
        days = np.arange(rungs.shape[1])
        q05, q25, q50, q75, q95 = daily_percentiles(rungs, (5, 25, 50, 75, 95))
        ax.fill_between(days, q05, q95, step="mid", color="#fdae61", alpha=0.35, label="90% of runs")
        ax.fill_between(days, q25, q75, step="mid", color="#d73027", alpha=0.45, label="50% of runs")
        ax.step(days, q50, where="mid", color="black", lw=1.4, label="median")
        rung_axis(ax)
        ax.set_title(f"{name}: highest rung of each day over {len(rungs):,} runs", fontsize=9)
        ax.legend(loc="upper right", fontsize=7)
    axes[-1, 0].set_xlabel("day")
    fig.tight_layout()
    return _save(fig, path)


def daily_percentiles(rungs: np.ndarray, percents: tuple[float, ...]) -> np.ndarray:
    """``np.percentile(rungs, percents, axis=0)`` (linear interpolation) from each day's counts of each
    rung: the same numbers without a float copy of every run's every day (8 bytes each)."""
    n, days = rungs.shape
    levels = np.arange(MIN_RUNG, MAX_RUNG + 1)
    below = np.cumsum([(rungs == level).sum(axis=0) for level in levels], axis=0)  # (levels, days): runs <= level
    out = np.empty((len(percents), days))
    for i, q in enumerate(percents):
        position = q / 100 * (n - 1)
        lo, frac = int(np.floor(position)), position - np.floor(position)
        value_lo = levels[(below <= lo).sum(axis=0)]           # the (lo+1)-th smallest, per day
        value_hi = levels[(below <= min(lo + 1, n - 1)).sum(axis=0)]
        out[i] = value_lo + frac * (value_hi - value_lo)
    return out
