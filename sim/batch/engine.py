"""The batch engine: a list of jobs (run index + per-run parameters) cut into chunks of lanes.

Each chunk is one ``EscalationModel`` instance with one lane per job. Because a lane's random
numbers depend only on (seed, run index) -- see ``sim.streams`` -- the results do not depend
on the chunk size, on the number of workers, or on the backend.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field

import numpy as np

from ..model import EscalationModel
from ..scenario import Scenario

DEFAULT_CHUNK = 2048


@dataclass
class Jobs:
    """What to simulate: one entry per run (lane), with optional per-run parameter values."""

    scenario: Scenario
    seed: int
    run_index: np.ndarray
    params: dict[str, np.ndarray] = field(default_factory=dict)
    point: np.ndarray | None = None  # sweep grid point of each run, if any
    horizon: int | None = None

    def __post_init__(self) -> None:
        self.run_index = np.asarray(self.run_index, dtype=np.int64)
        self.params = {k: np.asarray(v, dtype=np.float64) for k, v in self.params.items()}
        for key, values in self.params.items():
            if values.shape != self.run_index.shape:
                raise ValueError(f"parameter {key}: {values.shape[0]} values for {self.run_index.size} runs")

    @classmethod
    def replicates(cls, scenario: Scenario, runs: int, seed: int, horizon: int | None = None) -> Jobs:
        """Runs 0..runs-1; with a posterior, each run's parameters are drawn from it."""
        run_index = np.arange(runs)
        params = {}
        if scenario.posterior:
            from .posterior import posterior_params

            params = posterior_params(scenario, seed, run_index)
        return cls(scenario, seed, run_index, params, horizon=horizon)

    def __len__(self) -> int:
        return int(self.run_index.size)

    def chunk_bounds(self, chunk_size: int) -> list[tuple[int, int]]:
        n = len(self)
        return [(start, min(start + chunk_size, n)) for start in range(0, n, chunk_size)]

    def slice(self, start: int, stop: int) -> ChunkTask:
        return ChunkTask(self.scenario, self.seed, self.run_index[start:stop],
                         {k: v[start:stop] for k, v in self.params.items()},
                         None if self.point is None else self.point[start:stop], self.horizon, start, stop)


@dataclass
class ChunkTask:
    """One chunk: picklable, so it can travel to a worker process or a Dask worker."""

    scenario: Scenario
    seed: int
    run_index: np.ndarray
    params: dict[str, np.ndarray]
    point: np.ndarray | None
    horizon: int | None
    start: int
    stop: int


def simulate_chunk(task: ChunkTask) -> dict[str, np.ndarray]:
    """Run one chunk to its horizon and return per-run columns (summary, parameters, daily rungs)."""
    model = EscalationModel(task.scenario, seed=task.seed, run_indices=task.run_index, lane_params=task.params,
                            record_events=False, collect_series=False, horizon=task.horizon)
    model.run()
    columns = model.summary()
    for key, values in task.params.items():
        columns[f"param:{key}"] = values
    if task.point is not None:
        columns["point"] = task.point
    columns["rungs"] = np.ascontiguousarray(model.rung_history.T)  # (lanes, days) int8
    columns["row"] = np.arange(task.start, task.stop)
    return columns


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def run_jobs(jobs: Jobs, chunks: list[tuple[int, int]], workers: int = 1, backend: str = "local",
             scheduler: str | None = None, client=None) -> Iterator[tuple[tuple[int, int], dict[str, np.ndarray]]]:
    """Simulate the given chunks of ``jobs``; yield (bounds, columns) as each chunk completes.

    Completion order may vary; callers key results by bounds, so the final tables do not.
    """
    if not chunks:
        return
    if backend == "dask":
        yield from _run_dask(jobs, chunks, scheduler, client)
        return
    if workers <= 1 or len(chunks) == 1:
        for bounds in chunks:
            yield bounds, simulate_chunk(jobs.slice(*bounds))
        return
    with ProcessPoolExecutor(max_workers=min(workers, len(chunks))) as pool:
        yield from _drain(pool.submit, jobs, chunks, workers)


def _drain(submit: Callable, jobs: Jobs, chunks: list[tuple[int, int]], workers: int
           ) -> Iterator[tuple[tuple[int, int], dict[str, np.ndarray]]]:
    """Keep at most 2 x workers chunks in flight, so memory stays bounded on large batches."""
    pending: dict[Future, tuple[int, int]] = {}
    queue = list(chunks)
    while queue or pending:
        while queue and len(pending) < 2 * workers:
            bounds = queue.pop(0)
            pending[submit(simulate_chunk, jobs.slice(*bounds))] = bounds
        done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
        for future in done:
            yield pending.pop(future), future.result()


def _run_dask(jobs: Jobs, chunks: list[tuple[int, int]], scheduler: str | None, client=None
              ) -> Iterator[tuple[tuple[int, int], dict[str, np.ndarray]]]:
    from dask.distributed import Client, as_completed

    own = client is None
    if own:
        client = Client(scheduler, timeout="10s")
    try:
        futures = {client.submit(simulate_chunk, jobs.slice(*b), pure=False): b for b in chunks}
        for future in as_completed(futures):
            yield futures[future], future.result()
    finally:
        if own:
            client.close()


def check_scheduler(address: str, timeout: float = 5.0) -> None:
    """Fail fast (ConnectionError) when a Dask scheduler cannot be reached."""
    from dask.distributed import Client

    try:
        client = Client(address, timeout=f"{timeout}s")
    except (OSError, TimeoutError) as err:
        raise ConnectionError(f"cannot reach the Dask scheduler at {address} ({err.__class__.__name__})") from None
    client.close()


def merge_columns(parts: Mapping[tuple[int, int], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Concatenate chunk columns in job order (by chunk start)."""
    ordered = [parts[b] for b in sorted(parts)]
    return {key: np.concatenate([p[key] for p in ordered]) for key in ordered[0]} if ordered else {}
