"""Replay one run of a stored batch alone: exactly the run the batch counted."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import UsageError
from ..scenario import Scenario
from .store import BatchStore


def load_run(directory: str | Path, run: int, scenario: str | None = None
             ) -> tuple[Scenario, int, np.ndarray, dict[str, float]]:
    """Scenario, seed, run index and per-run parameters of run ``run`` of a stored batch.

    For a sweep, ``run`` is the row number in the stored table (grid point x replicate); for a
    plain batch it is the run index.
    """
    store = BatchStore(Path(directory))
    manifest = store.read_manifest()
    names = [s["name"] for s in manifest["scenarios"]]
    if scenario is None:
        if len(names) > 1:
            raise UsageError(f"{directory}: the batch holds several scenarios ({', '.join(names)}); "
                             "choose one with --scenario")
        scenario = names[0]
    if scenario not in names:
        raise UsageError(f"{directory}: no scenario {scenario!r} in this batch; it holds {', '.join(names)}")
    frame = store.read_runs(scenario)
    rows = frame[frame["row"] == run] if "row" in frame else frame.iloc[0:0]
    if rows.empty:
        total = len(frame)
        raise UsageError(f"{directory}: no run {run} stored for {scenario} (stored: {total} runs, 0-{total - 1})")
    row = rows.iloc[0]
    params = {c.removeprefix("param:"): float(row[c]) for c in frame.columns if c.startswith("param:")}
    return store.load_scenario(scenario), int(manifest["seed"]), np.array([int(row["run"])]), params


def stored_row(directory: str | Path, run: int, scenario: str | None = None) -> dict:
    """The stored summary row of a run (to check a replay against what the batch counted)."""
    store = BatchStore(Path(directory))
    name = scenario or store.read_manifest()["scenarios"][0]["name"]
    frame = store.read_runs(name)
    return frame[frame["row"] == run].iloc[0].to_dict()
