"""Replay one run of a stored batch alone: exactly the run the batch counted."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import UsageError
from ..scenario import Scenario
from .store import BatchStore


def _stored(directory: str | Path, run: int, scenario: str | None) -> tuple[BatchStore, dict, str, pd.Series]:
    """The batch store, its manifest, the scenario name and the stored row of run ``run``."""
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
    return store, manifest, scenario, rows.iloc[0]


def load_run(directory: str | Path, run: int, scenario: str | None = None
             ) -> tuple[Scenario, int, np.ndarray, dict[str, float]]:
    """Scenario, seed, run index and per-run parameters of run ``run`` of a stored batch.

    For a sweep, ``run`` is the row number in the stored table (grid point x replicate); for a
    plain batch it is the run index.
    """
    store, manifest, name, row = _stored(directory, run, scenario)
    params = {c.removeprefix("param:"): float(row[c]) for c in row.index if c.startswith("param:")}
    stored = store.load_scenario(name)
    if manifest.get("horizon"):  # the batch ran to its own horizon, not the scenario's
        stored = dataclasses.replace(stored, horizon_days=int(manifest["horizon"]))
    return stored, int(manifest["seed"]), np.array([int(row["run"])]), params


def stored_row(directory: str | Path, run: int, scenario: str | None = None) -> dict:
    """The stored summary row of a run (to check a replay against what the batch counted)."""
    return _stored(directory, run, scenario)[3].to_dict()
