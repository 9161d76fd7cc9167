"""A batch's directory: nothing lost, nothing counted twice.

    DIR/manifest.json              what the batch is (seed, runs, chunk size, scenarios + hashes, version)
    DIR/scenarios/<name>.json      each scenario's validated content, so any run can be replayed
    DIR/runs/<name>/chunk-<a>-<b>.parquet
                                   one row per run, written chunk by chunk, each file atomically
    DIR/summary.json               statistics, written last (atomically) from all the rows

A chunk file exists only once it is complete (written to a temporary name, fsynced, renamed),
so a batch killed at any moment resumes by running exactly the chunks whose files are missing.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import UsageError
from ..io import atomic_write, atomic_write_text
from ..outcomes import Outcome
from ..scenario import Scenario, scenario_from_dict

MANIFEST = "manifest.json"


class StoreError(UsageError):
    """A batch directory that cannot be used as asked (one line for the user, exit status 2)."""


def package_version() -> str:
    try:
        return metadata.version("escalation-sim")
    except metadata.PackageNotFoundError:
        return "unknown"


@dataclass
class BatchStore:
    root: Path

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    def exists(self) -> bool:
        return self.manifest_path.is_file()

    def read_manifest(self) -> dict[str, Any]:
        try:
            return json.loads(self.manifest_path.read_text())
        except FileNotFoundError:
            raise StoreError(f"{self.root}: no batch here (no {MANIFEST})") from None
        except json.JSONDecodeError:
            raise StoreError(f"{self.manifest_path}: damaged manifest") from None

    def open(self, manifest: dict[str, Any], scenarios: list[Scenario], resume: bool) -> None:
        """Start a new batch here, or check that ``--resume`` continues the same batch."""
        if self.exists():
            if not resume:
                raise StoreError(f"{self.root}: already holds a batch; add --resume to continue it, "
                                 "or choose another --out")
            old = self.read_manifest()
            for key in ("kind", "seed", "runs", "chunk_size", "scenarios", "sweep", "horizon", "posterior"):
                if old.get(key) != manifest.get(key):
                    raise StoreError(f"{self.root}: cannot resume: '{key}' differs from the stored batch "
                                     f"({old.get(key)!r} there, {manifest.get(key)!r} now)")
            self.clean_temporaries()
            return
        if self.root.exists() and any(self.root.iterdir()):
            raise StoreError(f"{self.root}: directory is not empty and holds no batch; choose another --out")
        self.root.mkdir(parents=True, exist_ok=True)
        for scenario in scenarios:
            atomic_write_text(self.root / "scenarios" / f"{scenario.name}.json",
                              json.dumps(scenario.table, indent=1, sort_keys=True, default=str))
        atomic_write_text(self.manifest_path, json.dumps(manifest, indent=2))

    def clean_temporaries(self) -> None:
        for tmp in self.root.rglob(".*.tmp"):
            tmp.unlink(missing_ok=True)

    def chunk_path(self, scenario: str, bounds: tuple[int, int]) -> Path:
        return self.root / "runs" / scenario / f"chunk-{bounds[0]:09d}-{bounds[1]:09d}.parquet"

    def done_chunks(self, scenario: str, all_bounds: list[tuple[int, int]]) -> set[tuple[int, int]]:
        """Chunks already on disk and complete (right row count)."""
        done = set()
        for bounds in all_bounds:
            path = self.chunk_path(scenario, bounds)
            if not path.is_file():
                continue
            try:
                rows = pq.ParquetFile(path).metadata.num_rows
            except (OSError, pa.ArrowInvalid):
                path.unlink()
                continue
            if rows == bounds[1] - bounds[0]:
                done.add(bounds)
            else:
                path.unlink()
        return done

    def write_chunk(self, scenario: str, bounds: tuple[int, int], columns: dict[str, np.ndarray]) -> Path:
        table = columns_to_table(scenario, columns)
        return atomic_write(self.chunk_path(scenario, bounds), lambda tmp: pq.write_table(table, tmp))

    def read_runs(self, scenario: str) -> pd.DataFrame:
        files = sorted((self.root / "runs" / scenario).glob("chunk-*.parquet"))
        if not files:
            return pd.DataFrame()
        return pd.concat([pq.read_table(f).to_pandas() for f in files], ignore_index=True)

    def load_scenario(self, name: str) -> Scenario:
        path = self.root / "scenarios" / f"{name}.json"
        try:
            table = json.loads(path.read_text())
        except FileNotFoundError:
            raise StoreError(f"{self.root}: no scenario named {name!r} in this batch") from None
        return scenario_from_dict(table, str(path))

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def columns_to_table(scenario: str, columns: dict[str, np.ndarray]) -> pa.Table:
    """Per-run columns to an Arrow table: outcome as its key, the daily rungs as bytes per run."""
    n = len(columns["run"])
    data: dict[str, Any] = {"scenario": pa.array([scenario] * n, pa.string())}
    for key, values in columns.items():
        if key == "rungs":
            data["rungs"] = pa.array([row.tobytes() for row in values], pa.binary())
        elif key == "outcome":
            data["outcome"] = pa.array([Outcome.from_code(c).key for c in values], pa.string())
        elif key == "ceasefire_host":
            data[key] = pa.array(values.astype(np.int64))
        else:
            data[key] = pa.array(values)
    return pa.table(data)


def rungs_matrix(frame: pd.DataFrame) -> np.ndarray:
    """The daily rungs of every run in a frame, as a (runs, days) int8 array."""
    if frame.empty:
        return np.zeros((0, 0), dtype=np.int8)
    return np.vstack([np.frombuffer(b, dtype=np.int8) for b in frame["rungs"]])
