"""Batch results: one row per run, statistics with intervals, figures; and ``run_batch``."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..argtypes import MAX_CHUNK, MAX_DAYS
from ..errors import UsageError
from ..io import atomic_write_text, dumps, output_folder
from ..ladder import Action
from ..outcomes import Outcome
from ..scenario import Scenario
from .engine import (
    DEFAULT_CHUNK,
    JobList,
    Replicates,
    batch_bytes_per_run,
    check_memory,
    merge_columns,
    run_jobs,
)
from .posterior import RUNS_PER_DRAW
from .stats import parameter_interval, proportion, quartiles, share
from .store import BatchStore, columns_to_table, package_version

SUMMARY_FIGURES = ("deaths_true", "deaths_claimed", "peak_rung", "closed_days", "kinetic_days", "campaign_days")
#: The quiet windows and horizons over which ``summarise`` reports the share of de-escalated runs.
QUIET_WINDOWS = (7, 14, 30)
HORIZONS = (30, 60, 90, 180, 365)


@dataclass
class BatchResult:
    """Runs of one or more scenarios: ``summary()``, ``to_frame()``, ``plot()``."""

    frames: dict[str, pd.DataFrame]
    seed: int
    horizon: dict[str, int]
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """One row per run (all scenarios), without the raw daily rungs."""
        frames = [f.drop(columns=["rungs"], errors="ignore") for f in self.frames.values()]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def summary(self) -> dict[str, dict[str, Any]]:
        """Per scenario: outcome counts and shares with 95% Wilson intervals, and quartiles."""
        return {name: summarise(frame, self.seed) for name, frame in self.frames.items()}

    def table(self) -> str:
        """The summary as a plain-text table."""
        return format_table(self.summary())

    def plot(self, out: str | Path) -> list[Path]:
        """Write the batch figures (outcome shares, survival to first ceasefire, rung fan chart)."""
        from .figures import batch_figures

        return batch_figures(self, Path(out))


def parameter_draws(frame: pd.DataFrame) -> np.ndarray | None:
    """Each run's parameter draw when the runs drew their parameters from a posterior
    (RUNS_PER_DRAW consecutive runs a draw), else None: runs of one draw are not independent."""
    if any(str(c).startswith("param:") for c in frame.columns) and "run" in frame:
        return frame["run"].to_numpy() // RUNS_PER_DRAW
    return None


def summarise(frame: pd.DataFrame, seed: int) -> dict[str, Any]:
    n = len(frame)
    draws = parameter_draws(frame)
    counts = {o.key: int((frame["outcome"] == o.key).sum()) for o in Outcome}
    out: dict[str, Any] = {"runs": n, "seed": seed, "outcomes": counts}
    for outcome in Outcome:
        p, lo, hi = share(frame["outcome"].to_numpy() == outcome.key, draws)
        out[f"p_{outcome.key}"] = p
        out[f"p_{outcome.key}_ci_low"], out[f"p_{outcome.key}_ci_high"] = lo, hi
    out["ci_low"], out["ci_high"] = out["p_deescalated_ci_low"], out["p_deescalated_ci_high"]
    if draws is not None:
        for outcome in Outcome:
            interval = parameter_interval(frame["outcome"].to_numpy() == outcome.key, draws)
            if interval is not None:
                out[f"p_{outcome.key}_param_low"], out[f"p_{outcome.key}_param_high"] = interval
    ceasefire = frame["first_ceasefire_day"].to_numpy()
    p, lo, hi = share(ceasefire >= 0, draws)
    out["days_to_first_ceasefire"] = quartiles(ceasefire[ceasefire >= 0]) | {"share": p, "ci_low": lo, "ci_high": hi}
    truce = frame["first_truce_day"].to_numpy()
    out["days_to_first_truce"] = quartiles(truce[truce >= 0]) | {"share": proportion(int((truce >= 0).sum()), n)[0]}
    for key in SUMMARY_FIGURES:
        out[key] = quartiles(frame[key].to_numpy())
    out["path"] = path_outcomes(frame, draws)
    out["p_deescalated_by_window"] = deescalation_by_window(frame)
    return out


def _share(mask: np.ndarray, draws: np.ndarray | None) -> dict[str, float]:
    p, lo, hi = share(mask, draws)
    return {"p": p, "ci_low": lo, "ci_high": hi}


def path_outcomes(frame: pd.DataFrame, draws: np.ndarray | None = None) -> dict[str, Any]:
    """What happened along the way, not only at the horizon: renewed fighting after a truce (and
    when), a major escalation chosen by a party (a strike on a capital, a campaign), fighting at all,
    war, with 95% Wilson intervals (widened for runs that share a parameter draw, ``draws``); days
    of fighting and days closed as quartiles."""
    renewed = frame["renewed_fighting_day"].to_numpy()
    major = frame["major_escalation_day"].to_numpy()
    truce = frame["first_truce_day"].to_numpy()
    return {
        "p_any_fighting": _share(frame["kinetic_days"].to_numpy() > 0, draws),
        "p_truce": _share(truce >= 0, draws),
        "p_renewed_fighting": _share(renewed >= 0, draws),
        "days_to_renewed_fighting": quartiles(renewed[renewed >= 0]),
        "p_major_escalation": _share(major >= 0, draws),
        "days_to_major_escalation": quartiles(major[major >= 0]),
        "p_war": _share(frame["war_day"].to_numpy() >= 0, draws),
        "kinetic_days": quartiles(frame["kinetic_days"].to_numpy()),
        "closed_days": quartiles(frame["closed_days"].to_numpy()),
    }


def deescalation_by_window(frame: pd.DataFrame, windows: tuple[int, ...] = QUIET_WINDOWS,
                           horizons: tuple[int, ...] = HORIZONS) -> dict[str, dict[str, float]]:
    """P(de-escalated) had the run been judged after H days with a quiet window of Q days, for every
    Q and every H up to the days run, from each run's daily rungs (a day of fighting between the
    states is a day at rung 5 or above): how much the headline share owes to the definition."""
    from .store import rungs_matrix

    rungs = rungs_matrix(frame)
    if rungs.size == 0:
        return {}
    fighting = rungs >= Action.CROSS_BORDER_FIRE.rung
    fought_before = frame["fought_before"].to_numpy(bool)
    war_day = frame["war_day"].to_numpy()
    out: dict[str, dict[str, float]] = {}
    for quiet in windows:
        row = {}
        for horizon in (h for h in horizons if h <= rungs.shape[1]):
            fought = fought_before | fighting[:, :horizon].any(axis=1)
            calm_end = ~fighting[:, max(horizon - quiet, 0):horizon].any(axis=1)
            war = (war_day >= 0) & (war_day < horizon)
            row[str(horizon)] = float((fought & calm_end & ~war).mean())
        out[str(quiet)] = row
    return out


def format_table(summary: dict[str, dict[str, Any]]) -> str:
    def pct(s, key):
        mc = f"[{100 * s[f'p_{key}_ci_low']:.1f}, {100 * s[f'p_{key}_ci_high']:.1f}]"
        if f"p_{key}_param_low" not in s:
            return f"{100 * s[f'p_{key}']:5.1f}% {mc}"
        return f"{100 * s[f'p_{key}']:5.1f}% ({100 * s[f'p_{key}_param_low']:.0f}-{100 * s[f'p_{key}_param_high']:.0f}) {mc}"

    def q(d):
        if d["median"] is None:
            return "-"
        return f"{d['median']:g} ({d['q1']:g}-{d['q3']:g})"

    header = ("scenario", "runs", "de-escalated", "fighting goes on", "war",
              "no fighting", "renewed fighting", "first ceasefire day", "days of fighting", "deaths true",
              "days closed")
    rows = [header]
    for name, s in summary.items():
        cf = s["days_to_first_ceasefire"]
        renewed = s["path"]["p_renewed_fighting"]["p"]
        rows.append((name, str(s["runs"]), pct(s, "deescalated"), pct(s, "contained"), pct(s, "war"),
                     f"{100 * s['p_calm']:.1f}%", f"{100 * renewed:.1f}%", f"{q(cf)}; {100 * cf['share']:.0f}% ever",
                     q(s["kinetic_days"]), q(s["deaths_true"]), q(s["closed_days"])))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = ("Outcomes at the horizon, by behaviour: de-escalated = fought, then no fighting in the last "
             "outcome.quiet_days days; renewed fighting = fighting again after a first halt or ceasefire.\n"
             "Shares: (the range over the calibrated parameters, 95%, when the runs drew them from a posterior) "
             "[the 95% Wilson interval: Monte Carlo precision, at the effective number of runs when runs share "
             "parameter draws].\nOther figures: median (quartiles). "
             "Ceasefire day among runs with one.")
    return "\n".join(lines + ["", notes])


def _progress(total: int, enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="run", file=sys.stderr, dynamic_ncols=True, smoothing=0.1)


def check_batch_settings(runs: int, chunk_size: int, horizon: int | None) -> None:
    """The settings a batch's API accepts, with the CLI's bounds (one-line errors, before any work)."""
    if runs < 1:
        raise UsageError(f"--runs {runs}: expected at least 1 run")
    if not 1 <= chunk_size <= MAX_CHUNK:
        raise UsageError(f"--chunk-size {chunk_size}: expected 1 to {MAX_CHUNK:,} lanes per model")
    if horizon is not None and not 1 <= horizon <= MAX_DAYS:
        raise UsageError(f"horizon {horizon}: expected 1 to {MAX_DAYS:,} days")


def scenario_entry(scenario: Scenario) -> dict[str, str]:
    """What a manifest records of a scenario: its name and content, and where it came from."""
    return {"name": scenario.name, "source": scenario.source, "content_hash": scenario.content_hash,
            "posterior_sha256": scenario.posterior_digest}


def run_batch(scenarios: Scenario | Sequence[Scenario], runs: int, seed: int = 0, workers: int | None = None,
              backend: str = "local", scheduler: str | None = None, out: str | Path | None = None,
              resume: bool = False, progress: bool = False, chunk_size: int = DEFAULT_CHUNK,
              horizon: int | None = None, client=None) -> BatchResult:
    """Run ``runs`` runs of each scenario; with ``out``, write as it goes and resume after a crash.

    ``out`` is locked for the whole batch (a second command on it is refused) and checked before
    any run; it ends up holding the runs, ``summary.json`` and the three figures.
    """
    scenarios = [scenarios] if isinstance(scenarios, Scenario) else list(scenarios)
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise UsageError(f"two scenarios share a name: {', '.join(names)}")
    check_batch_settings(runs, chunk_size, horizon)
    longest = max(horizon or s.horizon_days for s in scenarios)
    check_memory(runs * len(scenarios), batch_bytes_per_run(longest), f"--runs {runs:,}")
    manifest = {
        "kind": "batch", "version": package_version(), "seed": seed, "runs": runs, "chunk_size": chunk_size,
        "horizon": horizon, "sweep": None, "posterior": [s.posterior or None for s in scenarios],
        "scenarios": [scenario_entry(s) for s in scenarios],
    }
    jobs = {s.name: Replicates(s, seed, runs, horizon) for s in scenarios}
    horizons = {s.name: horizon or s.horizon_days for s in scenarios}
    if out is None:
        frames = execute(jobs, manifest, None, resume, workers, backend, scheduler, progress, chunk_size, client)
        return BatchResult(frames, seed, horizons, manifest)
    with output_folder(out) as folder:
        frames = execute(jobs, manifest, folder, resume, workers, backend, scheduler, progress, chunk_size, client)
        result = BatchResult(frames, seed, horizons, manifest)
        result.plot(folder)
        write_summary(folder, result)
    return result


def execute(jobs: dict[str, JobList], manifest: dict[str, Any], out: Path | None, resume: bool,
            workers: int | None, backend: str, scheduler: str | None, progress: bool, chunk_size: int, client=None
            ) -> dict[str, pd.DataFrame]:
    """Run every missing chunk of every scenario's jobs; return one frame per scenario, in run order.

    With ``out`` (locked by the caller) the chunks are written and recorded as they complete, and
    the frames are read back from the verified files.
    """
    store = BatchStore(out) if out is not None else None
    bounds = {name: job.chunk_bounds(chunk_size) for name, job in jobs.items()}
    todo: dict[str, list[tuple[int, int]]] = {}
    if store is not None:
        store.open(manifest, [j.scenario for j in jobs.values()], resume)
        store.check_strays(bounds)
    for name, job in jobs.items():
        done = store.verified_chunks(job.scenario, bounds[name]) if store is not None else set()
        todo[name] = [b for b in bounds[name] if b not in done]
    total = sum(len(j) for j in jobs.values())
    bar = _progress(total, progress)
    if bar is not None:
        bar.update(total - sum(b[1] - b[0] for bs in todo.values() for b in bs))
    frames = {}
    try:
        for name, job in jobs.items():
            parts = {}
            for chunk, columns in run_jobs(job, todo[name], workers, backend, scheduler, client):
                if store is not None:
                    store.write_chunk(job.scenario, chunk, columns)
                else:
                    parts[chunk] = columns
                if bar is not None:
                    bar.update(chunk[1] - chunk[0])
            if store is not None:
                frames[name] = store.read_runs(name, bounds[name])
            else:
                merged = merge_columns(parts)
                frames[name] = columns_to_table(name, merged).to_pandas() if merged else pd.DataFrame()
            if not frames[name].empty and not frames[name]["row"].is_monotonic_increasing:
                frames[name] = frames[name].sort_values("row", kind="stable").reset_index(drop=True)
    finally:
        if bar is not None:
            bar.close()
    return frames


def write_summary(out: Path, result: BatchResult) -> Path:
    payload = {"metadata": result.metadata, "scenarios": result.summary()}
    return atomic_write_text(out / "summary.json", dumps(payload, indent=2) + "\n")
