"""Run many parameter sets against the targets: lanes of one model per chunk, chunks over processes.

Each chunk is one ``EscalationModel`` whose lanes carry their own parameter values; a lane's
random numbers depend only on (seed, run index), so the terms do not depend on the chunk
size or the number of workers. One process pool serves every call (every ABC generation).
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

import numpy as np

from ..batch.engine import WORKER_DIED, ChunkTask, Jobs, WorkerError, worker_count
from ..model import EscalationModel
from ..scenario import Scenario
from .distance import observe, terms
from .targets import Targets

DEFAULT_CHUNK = 2048


@dataclass
class _TermTask:
    chunk: ChunkTask
    targets: Targets


def _terms_chunk(task: _TermTask) -> np.ndarray:
    c = task.chunk
    model = EscalationModel(c.scenario, seed=c.seed, run_indices=c.run_index, lane_params=c.params,
                            record_events=False, collect_series=False, horizon=task.targets.horizon)
    return terms(observe(model, task.targets), task.targets).astype(np.float32)


class PooledSimulator:
    """Keeps one process pool (when more than one worker) for as long as it is used as a context manager."""

    def __init__(self, workers: int | None) -> None:
        self.workers = worker_count(workers)
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> PooledSimulator:
        if self.workers > 1:
            self._pool = ProcessPoolExecutor(max_workers=self.workers)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


class TargetSimulator(PooledSimulator):
    """Per-run terms of a scenario against targets; use as a context manager to keep the pool."""

    def __init__(self, scenario: Scenario, targets: Targets, seed: int, workers: int | None = None,
                 chunk_size: int = DEFAULT_CHUNK) -> None:
        super().__init__(workers)
        targets.check_scenario(scenario)
        self.scenario, self.targets, self.seed = scenario, targets, seed
        self.chunk_size = chunk_size

    def terms(self, run_index: np.ndarray, params: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """(terms, runs) array for these runs of the seed with these per-run parameters."""
        jobs = Jobs(self.scenario, self.seed, run_index, params or {}, horizon=self.targets.horizon)
        # at least one chunk per worker, so both cores work on small populations too
        size = min(self.chunk_size, max(256, -(-len(jobs) // self.workers)))
        tasks = [_TermTask(jobs.slice(*b), self.targets) for b in jobs.chunk_bounds(size)]
        if self._pool is None or len(tasks) == 1:
            parts = [_terms_chunk(t) for t in tasks]
        else:
            try:
                parts = list(self._pool.map(_terms_chunk, tasks))
            except BrokenProcessPool:
                raise WorkerError(WORKER_DIED) from None
        return np.concatenate(parts, axis=1)
