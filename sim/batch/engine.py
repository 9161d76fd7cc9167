"""The batch engine: a list of jobs (run index + per-run parameters) cut into chunks of lanes.

Each chunk is one ``EscalationModel`` instance with one lane per job. Because a lane's random
numbers depend only on (seed, run index) -- see ``sim.streams`` -- the results do not depend
on the chunk size, on the number of workers, or on the backend.

Jobs are described, not listed: ``Replicates`` (a batch) and ``sim.batch.sweep.GridJobs`` build
a chunk's run indices and parameters when the chunk is cut, so a batch of many runs allocates
nothing up front; ``Jobs`` holds explicit arrays (calibration, sensitivity). What a batch keeps
is bounded too: ``check_memory`` refuses, before any work, what would not fit.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

import numpy as np

from ..errors import UsageError
from ..model import EscalationModel
from ..scenario import Scenario

DEFAULT_CHUNK = 2048
#: Memory a batch keeps per run and scenario (a row of summary figures and the daily rungs, in
#: pandas, with the copies made when chunks are joined), measured on the shipped scenarios.
BYTES_PER_RUN = 900
BYTES_PER_RUN_DAY = 3


class WorkerError(UsageError):
    """A worker process died (the kernel's out-of-memory killer, most often): one line, exit status 2."""


WORKER_DIED = ("a worker process died (killed by the system, most often for lack of memory); run again with "
               "fewer --workers or a smaller --chunk-size (with --out and --resume the chunks already written are kept)")


def default_workers() -> int:
    """The cores this process may use."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def worker_count(requested: int | None, chunks: int | None = None) -> int:
    """Workers to start: as asked (default: every core), never more than the cores or the chunks."""
    count = min(requested or default_workers(), default_workers())
    return max(1, min(count, chunks) if chunks is not None else count)


def available_memory() -> int:
    """Bytes of memory available to new allocations (MemAvailable), or the physical memory."""
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def check_memory(count: int, bytes_each: float, what: str, unit: str = "runs") -> None:
    """Refuse (UsageError) work whose results would need more than half the available memory."""
    need, have = count * bytes_each, available_memory() / 2
    if need > have:
        most = max(1, int(have // bytes_each))
        raise UsageError(f"{what}: the results would need about {_size(need)} of memory and {_size(have)} can be "
                         f"spared here; at most about {most:,} {unit} fit (split the work into several batches)")


def batch_bytes_per_run(horizon: int) -> int:
    """The memory one run of a batch keeps until its statistics are computed."""
    return BYTES_PER_RUN + BYTES_PER_RUN_DAY * horizon


def _size(nbytes: float) -> str:
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if nbytes < 1000 or unit == "TB":
            return f"{nbytes:,.0f} {unit}" if unit == "bytes" else f"{nbytes:,.1f} {unit}"
        nbytes /= 1000
    raise AssertionError("unreachable")


@dataclass
class ChunkTask:
    """One chunk: picklable, so it can travel to a worker process or a Dask worker.

    ``fixed`` holds values set in the chunk's scenario itself (a sweep's grid point): they are
    recorded per run as ``param:`` columns like the per-lane ``params``.
    """

    scenario: Scenario
    seed: int
    run_index: np.ndarray
    params: dict[str, np.ndarray]
    point: np.ndarray | None
    horizon: int | None
    start: int
    stop: int
    fixed: dict[str, float] = field(default_factory=dict)


class JobList:
    """What to simulate, chunk by chunk: ``len``, ``chunk_bounds`` and ``slice`` (a ``ChunkTask``)."""

    scenario: Scenario
    seed: int
    horizon: int | None

    def __len__(self) -> int:
        raise NotImplementedError

    def chunk_bounds(self, chunk_size: int) -> list[tuple[int, int]]:
        n = len(self)
        return [(start, min(start + chunk_size, n)) for start in range(0, n, chunk_size)]

    def slice(self, start: int, stop: int) -> ChunkTask:
        raise NotImplementedError


@dataclass
class Jobs(JobList):
    """Explicit jobs: one entry per run (lane), with optional per-run parameter values."""

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

    def __len__(self) -> int:
        return int(self.run_index.size)

    def slice(self, start: int, stop: int) -> ChunkTask:
        return ChunkTask(self.scenario, self.seed, self.run_index[start:stop],
                         {k: v[start:stop] for k, v in self.params.items()},
                         None if self.point is None else self.point[start:stop], self.horizon, start, stop)


@dataclass
class Replicates(JobList):
    """Runs 0..runs-1 of a scenario; with a posterior, each run's parameters are drawn from it.

    Built chunk by chunk: a run's draw depends only on (seed, run index), so cutting the jobs
    into chunks changes nothing, and nothing is allocated for the runs not yet cut.
    """

    scenario: Scenario
    seed: int
    runs: int
    horizon: int | None = None

    def __post_init__(self) -> None:
        from .posterior import PosteriorSampler

        self.sampler = PosteriorSampler(self.scenario) if self.scenario.posterior else None

    def __len__(self) -> int:
        return self.runs

    def slice(self, start: int, stop: int) -> ChunkTask:
        run_index = np.arange(start, stop, dtype=np.int64)
        params = self.sampler.draw(self.seed, run_index) if self.sampler is not None else {}
        return ChunkTask(self.scenario, self.seed, run_index, params, None, self.horizon, start, stop)


def simulate_chunk(task: ChunkTask) -> dict[str, np.ndarray]:
    """Run one chunk to its horizon and return per-run columns (summary, parameters, daily rungs)."""
    model = EscalationModel(task.scenario, seed=task.seed, run_indices=task.run_index, lane_params=task.params,
                            record_events=False, collect_series=False, horizon=task.horizon)
    model.run()
    columns = model.summary()
    for key, values in task.params.items():
        columns[f"param:{key}"] = values
    for key, value in task.fixed.items():
        columns[f"param:{key}"] = np.full(len(task.run_index), float(value))
    if task.point is not None:
        columns["point"] = task.point
    columns["rungs"] = np.ascontiguousarray(model.rung_history.T)  # (lanes, days) int8
    columns["row"] = np.arange(task.start, task.stop)
    return columns


def run_jobs(jobs: JobList, chunks: list[tuple[int, int]], workers: int | None = 1, backend: str = "local",
             scheduler: str | None = None, client=None,
             simulate: Callable[[ChunkTask], dict[str, np.ndarray]] = simulate_chunk,
             ) -> Iterator[tuple[tuple[int, int], dict[str, np.ndarray]]]:
    """Simulate the given chunks of ``jobs``; yield (bounds, columns) as each chunk completes.

    ``simulate`` turns a chunk into columns (default: run it to the horizon, ``simulate_chunk``);
    another must be picklable (a module-level function or a ``functools.partial`` of one), e.g.
    the forecast's, which stops at the origin to check the observed days and then goes on.

    Completion order may vary; callers key results by bounds, so the final tables do not. A
    worker that dies (a process killed for lack of memory, a Dask worker lost) is a ``WorkerError``.
    """
    if not chunks:
        return
    if backend == "dask":
        yield from _run_dask(jobs, chunks, scheduler, client, simulate)
        return
    workers = worker_count(workers, len(chunks))
    if workers == 1:
        for bounds in chunks:
            yield bounds, simulate(jobs.slice(*bounds))
        return
    try:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            yield from _drain(pool.submit, jobs, chunks, workers, simulate)
    except BrokenProcessPool:
        raise WorkerError(WORKER_DIED) from None


def _drain(submit: Callable, jobs: JobList, chunks: list[tuple[int, int]], workers: int,
           simulate: Callable[[ChunkTask], dict[str, np.ndarray]] = simulate_chunk,
           ) -> Iterator[tuple[tuple[int, int], dict[str, np.ndarray]]]:
    """Keep at most 2 x workers chunks in flight, so memory stays bounded on large batches."""
    pending: dict[Future, tuple[int, int]] = {}
    queue = iter(chunks)
    while True:
        while len(pending) < 2 * workers:
            bounds = next(queue, None)
            if bounds is None:
                break
            pending[submit(simulate, jobs.slice(*bounds))] = bounds
        if not pending:
            return
        done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
        for future in done:
            yield pending.pop(future), future.result()


def _run_dask(jobs: JobList, chunks: list[tuple[int, int]], scheduler: str | None, client=None,
              simulate: Callable[[ChunkTask], dict[str, np.ndarray]] = simulate_chunk,
              ) -> Iterator[tuple[tuple[int, int], dict[str, np.ndarray]]]:
    from dask.distributed import Client, as_completed
    from distributed.scheduler import KilledWorker

    own = client is None
    if own:
        client = Client(scheduler, timeout="10s")
    try:
        queue = iter(chunks)
        in_flight = 4 * max(1, len(client.scheduler_info().get("workers", {})))
        futures: dict = {}
        for bounds in queue:  # a bounded number in flight: the jobs are cut only as they are sent
            futures[client.submit(simulate, jobs.slice(*bounds), pure=False)] = bounds
            if len(futures) >= in_flight:
                break
        pending = as_completed(list(futures))
        for future in pending:
            try:
                yield futures.pop(future), future.result()
            except KilledWorker:
                raise WorkerError(WORKER_DIED.replace("--workers", "workers per machine")) from None
            bounds = next(queue, None)
            if bounds is not None:
                new = client.submit(simulate, jobs.slice(*bounds), pure=False)
                futures[new] = bounds
                pending.add(new)
    finally:
        if own:
            client.close()


def check_scheduler(address: str, timeout: float = 5.0) -> None:
    """Fail fast (ConnectionError) when a Dask scheduler cannot be reached or its address is not one."""
    from dask.distributed import Client

    try:
        client = Client(address, timeout=f"{timeout}s")
    except (OSError, TimeoutError) as err:
        raise ConnectionError(f"cannot reach the Dask scheduler at {address} ({err.__class__.__name__})") from None
    except (ValueError, TypeError) as err:
        raise ConnectionError(f"--scheduler {address!r}: not a scheduler address ({err}); "
                              "expected e.g. tcp://127.0.0.1:8786") from None
    client.close()


def merge_columns(parts: Mapping[tuple[int, int], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Concatenate chunk columns in job order (by chunk start)."""
    ordered = [parts[b] for b in sorted(parts)]
    return {key: np.concatenate([p[key] for p in ordered]) for key in ordered[0]} if ordered else {}
