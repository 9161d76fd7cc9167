"""A batch's directory: nothing lost, nothing counted twice, nothing foreign counted.

    DIR/manifest.json              what the batch is (seed, runs, chunk size, scenarios + hashes, version)
    DIR/scenarios/<name>.json      each scenario's validated content, so any run can be replayed
    DIR/runs/<name>/chunk-<a>-<b>.parquet
                                   one row per run, written chunk by chunk, each file atomically
    DIR/chunks.jsonl               the manifest's chunk log: one line per chunk as it is written
                                   (scenario, scenario hash, run range, rows, SHA-256 of the file)
    DIR/summary.json               statistics, written last (atomically) from all the rows

A chunk file exists only once it is complete (written to a temporary name, fsynced, renamed),
and it counts only if the chunk log records it with the same content hash, run range and
scenario hash: a resumed batch reruns every chunk that is missing, damaged, unrecorded or
foreign, and refuses to run beside files that are no chunk of it. The log is a separate,
append-only file so that recording a chunk costs the same at the 10th chunk as at the 10,000th
(rewriting the manifest each time would grow with the square of the chunks).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..argtypes import MAX_SEED
from ..errors import UsageError
from ..io import MiB, atomic_write, atomic_write_text, folder_entries, read_limited
from ..outcomes import Outcome
from ..scenario import NAME_PATTERN, Scenario, ScenarioError, scenario_from_dict

MANIFEST = "manifest.json"
CHUNK_LOG = "chunks.jsonl"
#: What must agree for ``--resume`` to continue a stored batch (scenarios by name and content hash).
RESUME_KEYS = ("kind", "seed", "runs", "chunk_size", "sweep", "horizon")
MANIFEST_TYPES = {"kind": str, "seed": int, "runs": int, "chunk_size": int, "scenarios": list}
MAX_MANIFEST_BYTES = 16 * MiB
MAX_CHUNK_BYTES = 1024 * MiB


class StoreError(UsageError):
    """A batch directory that cannot be used as asked (one line for the user, exit status 2)."""


def package_version() -> str:
    try:
        return metadata.version("escalation-sim")
    except metadata.PackageNotFoundError:
        return "unknown"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class BatchStore:
    root: Path

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    @property
    def log_path(self) -> Path:
        return self.root / CHUNK_LOG

    def exists(self) -> bool:
        return self.manifest_path.is_file()

    def read_manifest(self) -> dict[str, Any]:
        """The manifest, checked: a damaged batch folder is a one-line error, not a traceback."""
        if self.root.exists() and not self.root.is_dir():
            raise StoreError(f"{self.root}: is a file, not a batch folder")
        if not self.manifest_path.exists():
            raise StoreError(f"{self.root}: no batch here (no {MANIFEST})")
        try:
            manifest = json.loads(read_limited(self.manifest_path, MAX_MANIFEST_BYTES, "manifest"))
        except UsageError as err:
            raise StoreError(str(err)) from None
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise StoreError(f"{self.manifest_path}: damaged manifest (not JSON)") from None
        if not isinstance(manifest, dict):
            raise StoreError(f"{self.manifest_path}: damaged manifest (expected a JSON object)")
        for key, kind in MANIFEST_TYPES.items():
            if not isinstance(manifest.get(key), kind) or isinstance(manifest.get(key), bool):
                raise StoreError(f"{self.manifest_path}: damaged manifest ('{key}' missing or not a {kind.__name__})")
        if not 0 <= manifest["seed"] <= MAX_SEED or manifest["runs"] < 1 or manifest["chunk_size"] < 1:
            raise StoreError(f"{self.manifest_path}: damaged manifest ('seed' outside 0..2**64 - 1, or 'runs' or "
                             "'chunk_size' below 1)")
        horizon = manifest.get("horizon")
        if horizon is not None and (not isinstance(horizon, int) or isinstance(horizon, bool) or horizon < 1):
            raise StoreError(f"{self.manifest_path}: damaged manifest ('horizon' is not a number of days)")
        names = []
        for entry in manifest["scenarios"]:
            if (not isinstance(entry, dict) or not isinstance(entry.get("name"), str)
                    or not NAME_PATTERN.fullmatch(entry["name"]) or not isinstance(entry.get("content_hash"), str)):
                raise StoreError(f"{self.manifest_path}: damaged manifest (a scenario entry without a valid name "
                                 "and content hash)")
            names.append(entry["name"])
        if not names or len(set(names)) != len(names):
            raise StoreError(f"{self.manifest_path}: damaged manifest (no scenarios, or one named twice)")
        if not os.path.isfile(self.log_path):
            raise StoreError(f"{self.root}: no {CHUNK_LOG} (a batch folder from an older version, or a damaged "
                             "one): its chunks cannot be verified; run the batch again")
        return manifest

    def scenario_names(self) -> list[str]:
        return [entry["name"] for entry in self.read_manifest()["scenarios"]]

    def open(self, manifest: dict[str, Any], scenarios: list[Scenario], resume: bool) -> None:
        """Start a new batch here, or check that ``--resume`` continues the same batch.

        The same batch means the same settings and the same scenario contents (by hash; the files
        may have moved or been renamed since).
        """
        if self.exists():
            if not resume:
                raise StoreError(f"{self.root}: already holds a batch; add --resume to continue it, "
                                 "or choose another --out")
            old = self.read_manifest()
            for key in RESUME_KEYS:
                if old.get(key) != manifest.get(key):
                    raise StoreError(f"{self.root}: cannot resume: '{key}' differs from the stored batch "
                                     f"({old.get(key)!r} there, {manifest.get(key)!r} now)")
            before = [(s["name"], s["content_hash"]) for s in old["scenarios"]]
            now = [(s["name"], s["content_hash"]) for s in manifest["scenarios"]]
            if before != now:
                raise StoreError(f"{self.root}: cannot resume: the scenarios differ from the stored batch's "
                                 f"(name, content hash: {before} there, {now} now)")
            self.clean_temporaries()
            return
        if folder_entries(self.root):
            raise StoreError(f"{self.root}: directory is not empty and holds no batch; choose another --out")
        self.root.mkdir(parents=True, exist_ok=True)
        for scenario in scenarios:
            atomic_write_text(self.root / "scenarios" / f"{scenario.name}.json", scenario.stored_json())
        atomic_write_text(self.log_path, "")
        atomic_write_text(self.manifest_path, json.dumps(manifest, indent=2))

    def clean_temporaries(self) -> None:
        for tmp in self.root.rglob(".*.tmp"):
            tmp.unlink(missing_ok=True)

    def chunk_path(self, scenario: str, bounds: tuple[int, int]) -> Path:
        return self.root / "runs" / scenario / f"chunk-{bounds[0]:09d}-{bounds[1]:09d}.parquet"

    def records(self) -> dict[tuple[str, int, int], dict[str, Any]]:
        """The chunk log: (scenario, start, stop) -> its latest record. A line cut short by a crash is skipped."""
        out: dict[tuple[str, int, int], dict[str, Any]] = {}
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return out
        for line in text.splitlines():
            try:
                record = json.loads(line)
                key = (str(record["scenario"]), int(record["start"]), int(record["stop"]))
                if not all(isinstance(record.get(k), str) for k in ("sha256", "scenario_hash")):
                    continue
            except (json.JSONDecodeError, KeyError, TypeError, ValueError):
                continue
            out[key] = record
        return out

    def check_strays(self, expected: dict[str, list[tuple[int, int]]]) -> None:
        """Refuse to go on beside files in ``runs/`` that are no chunk of this batch (a stray chunk)."""
        runs = self.root / "runs"
        if not runs.is_dir():
            return
        for folder in runs.iterdir():
            if folder.name not in expected:
                raise StoreError(f"{folder}: not a scenario of this batch; remove it (or choose another --out)")
            names = {self.chunk_path(folder.name, b).name for b in expected[folder.name]}
            for path in folder.iterdir():
                if path.name not in names:
                    raise StoreError(f"{path}: not a chunk of this batch (a stray file); remove it and run the "
                                     "command again")

    def verified_chunks(self, scenario: Scenario, all_bounds: list[tuple[int, int]]) -> set[tuple[int, int]]:
        """Chunks already on disk whose content, run range and scenario match the log; any other chunk file
        (damaged, unrecorded, foreign) is removed, to be run again."""
        records = self.records()
        done = set()
        for bounds in all_bounds:
            path = self.chunk_path(scenario.name, bounds)
            if not path.is_file():
                continue
            record = records.get((scenario.name, *bounds))
            if (record is not None and record["scenario_hash"] == scenario.content_hash
                    and record.get("rows") == bounds[1] - bounds[0] and sha256(path.read_bytes()) == record["sha256"]):
                done.add(bounds)
            else:
                path.unlink()
        return done

    def write_chunk(self, scenario: Scenario, bounds: tuple[int, int], columns: dict[str, np.ndarray]) -> Path:
        """Write a chunk atomically, then record it in the chunk log (fsynced): a chunk written but not yet
        recorded when the process is killed is run again on resume."""
        table = columns_to_table(scenario.name, columns)
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        data = sink.getvalue().to_pybytes()
        path = atomic_write(self.chunk_path(scenario.name, bounds), lambda tmp: tmp.write_bytes(data))
        record = {"scenario": scenario.name, "start": bounds[0], "stop": bounds[1], "rows": bounds[1] - bounds[0],
                  "scenario_hash": scenario.content_hash, "sha256": sha256(data), "file": str(path.relative_to(self.root))}
        try:
            with open(self.log_path, "a", encoding="utf-8") as log:
                log.write(json.dumps(record) + "\n")
                log.flush()
                os.fsync(log.fileno())
        except OSError as err:
            raise StoreError(f"{self.log_path}: cannot write ({err.strerror or err}); free some space and run "
                             "the command again with --resume") from None
        return path

    def read_chunk(self, scenario: str, bounds: tuple[int, int], record: dict[str, Any] | None = None) -> pd.DataFrame:
        """One chunk's rows, after checking its bytes against the chunk log."""
        path = self.chunk_path(scenario, bounds)
        record = record or self.records().get((scenario, *bounds))
        try:
            data = read_limited(path, MAX_CHUNK_BYTES, "chunk file")
        except UsageError as err:
            raise StoreError(f"{err} (the batch is incomplete: run it again with --resume)") from None
        if record is None or sha256(data) != record["sha256"]:
            raise StoreError(f"{path}: damaged or foreign chunk (its content does not match the chunk log); "
                             "run the batch again with --resume to replace it")
        try:
            frame = pq.read_table(pa.BufferReader(data)).to_pandas()
        except (OSError, pa.ArrowException) as err:
            raise StoreError(f"{path}: damaged chunk ({err.__class__.__name__})") from None
        if len(frame) != bounds[1] - bounds[0] or "row" not in frame or "run" not in frame:
            raise StoreError(f"{path}: damaged chunk (not the rows of runs {bounds[0]}-{bounds[1] - 1})")
        return frame

    def read_runs(self, scenario: str, all_bounds: list[tuple[int, int]] | None = None) -> pd.DataFrame:
        """Every chunk of a scenario (those given, or all the log records), verified, joined in run order."""
        records = self.records()
        if all_bounds is None:
            all_bounds = sorted((start, stop) for name, start, stop in records if name == scenario)
        frames = [self.read_chunk(scenario, b, records.get((scenario, *b))) for b in all_bounds]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def chunk_holding(self, scenario: str, row: int) -> tuple[int, int] | None:
        """The recorded chunk of a scenario whose run range holds ``row``."""
        for name, start, stop in self.records():
            if name == scenario and start <= row < stop:
                return start, stop
        return None

    def stored_rows(self, scenario: str) -> int:
        """How many rows of a scenario the chunk log records."""
        return sum(stop - start for name, start, stop in self.records() if name == scenario)

    def load_scenario(self, name: str) -> Scenario:
        """A stored scenario, checked against the content hash the manifest recorded for it."""
        entry = next((s for s in self.read_manifest()["scenarios"] if s["name"] == name), None)
        if entry is None:
            raise StoreError(f"{self.root}: no scenario named {name!r} in this batch")
        path = self.root / "scenarios" / f"{name}.json"
        try:
            table = json.loads(read_limited(path, MAX_MANIFEST_BYTES, "stored scenario"))
            if not isinstance(table, dict):
                raise ValueError
            scenario = scenario_from_dict(table, str(path), str(entry.get("posterior_sha256") or ""))
        except UsageError as err:
            raise StoreError(str(err)) from None
        except (UnicodeDecodeError, ValueError) as err:
            if isinstance(err, ScenarioError):
                raise StoreError(f"{path}: damaged stored scenario ({err})") from None
            raise StoreError(f"{path}: damaged stored scenario (not a JSON table)") from None
        if scenario.content_hash != entry["content_hash"]:
            raise StoreError(f"{path}: damaged stored scenario (its content does not match the hash in the manifest)")
        return scenario


def refuse_batch_folder(folder: Path) -> None:
    """Other commands' files never go among a batch's: a folder holding one is refused."""
    if (folder / MANIFEST).exists():
        raise StoreError(f"--out {folder}: holds a batch ({MANIFEST}); choose another --out")


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
    return np.frombuffer(b"".join(frame["rungs"]), dtype=np.int8).reshape(len(frame), -1)
