"""Replay one run of a stored batch alone: exactly the run the batch counted.

Everything read from the batch folder is checked first (the manifest, the stored scenario against
its content hash, the run's chunk against the chunk log), so a damaged folder is a one-line error.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import UsageError
from ..results import RunResult
from ..scenario import Scenario
from .store import BatchStore, StoreError


def batch_scenarios(directory: str | Path) -> list[str]:
    """The names of the scenarios a stored batch holds (StoreError if it is no batch, or a damaged one)."""
    return BatchStore(Path(directory)).scenario_names()


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
    bounds = store.chunk_holding(scenario, run)
    if bounds is None:
        total = store.stored_rows(scenario)
        raise UsageError(f"{directory}: no run {run} stored for {scenario} (stored: {total} runs"
                         + (f", 0-{total - 1})" if total else ")"))
    frame = store.read_chunk(scenario, bounds)
    rows = frame[frame["row"] == run]
    if len(rows) != 1:
        raise StoreError(f"{store.chunk_path(scenario, bounds)}: damaged chunk (no single row {run})")
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
    return stored, int(manifest["seed"]), np.array([int(row["run"])], dtype=np.int64), params


def replay(directory: str | Path, run: int, scenario: str | None = None) -> RunResult:
    """Run ``run`` of a stored batch, simulated alone with its stored scenario and parameters."""
    stored, seed, run_index, params = load_run(directory, run, scenario)
    return RunResult.simulate(stored, seed, int(run_index[0]), lane_params=params)


def stored_row(directory: str | Path, run: int, scenario: str | None = None) -> dict:
    """The stored summary row of a run (to check a replay against what the batch counted)."""
    return _stored(directory, run, scenario)[3].to_dict()
