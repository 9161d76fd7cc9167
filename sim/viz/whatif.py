"""What-if odds for the page: a batch with the page's settings beside the chosen scenario unchanged.

Both batches are runs 0..RUNS-1 of the same seed, so run k of one and run k of the other share
every random stream (common random numbers) and their difference is a paired one, with a
paired interval. On a scenario with a posterior each run draws its parameters from it, and a
slider multiplies that run's draw (held within the allowed range): the slider moves what the
what-if computes, and x1 everywhere gives exactly the reference.

The batch is the project's batch layer itself (``sim.batch``; one process: a page must not
take every core of a shared classroom server). Answers are kept by content and seed: in a
classroom many tabs ask the same questions. The batches of all tabs take turns, first come
first served, and a waiting tab is told how many are ahead of it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from ..batch.engine import DEFAULT_CHUNK, ChunkTask, Replicates
from ..batch.results import execute, parameter_draws, summarise
from ..batch.stats import mean_interval
from ..model import EscalationModel
from ..outcomes import Outcome
from ..scenario import Scenario, load_scenario, parameter_specs

RUNS = 2000
KEPT_ANSWERS = 64


class FairQueue:
    """One batch at a time, in order of arrival; a waiting caller learns how many are ahead of it.

    One at a time because a batch in a thread holds the GIL most of the time: two at once took
    longer than two in turn (10 requests: 7.8 s vs 5.4 s) and slowed every tab's steps more.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._line: deque[object] = deque()

    def waiting(self) -> int:
        """Batches running or waiting now."""
        with self._cond:
            return len(self._line)

    @contextmanager
    def turn(self, on_wait: Callable[[int], None] | None = None) -> Iterator[None]:
        """Wait for this caller's turn; ``on_wait(k)`` is told each time the number ahead changes."""
        ticket = object()
        with self._cond:
            self._line.append(ticket)
        told = -1
        while True:
            with self._cond:
                ahead = self._line.index(ticket)
                if ahead and ahead == told:
                    self._cond.wait(0.5)
                    ahead = self._line.index(ticket)
            if ahead == 0:
                break
            if on_wait is not None and ahead != told:
                on_wait(ahead)  # outside the lock: it redraws a page, and the line must keep moving meanwhile
            told = ahead
        try:
            yield
        finally:
            with self._cond:
                self._line.remove(ticket)
                self._cond.notify_all()


QUEUE = FairQueue()
_ANSWERS: OrderedDict[tuple[str, int, int], Odds] = OrderedDict()
_ANSWERS_LOCK = threading.Lock()


@dataclass(frozen=True)
class Odds:
    """Outcome shares of a batch, each with its 95% Wilson interval; ``codes`` holds each run's outcome."""

    runs: int
    seed: int
    seconds: float
    shares: dict[str, tuple[float, float, float]]  # outcome key -> (share, low, high)
    codes: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0, np.int8))
    path: dict[str, Any] = field(repr=False, default_factory=dict)  # the batch's path outcomes
    draws: np.ndarray | None = field(repr=False, default=None)  # each run's posterior draw, if drawn
    cached: bool = False  # the same settings and seed were asked for before on this server

    def share(self, outcome: Outcome) -> tuple[float, float, float]:
        return self.shares[outcome.key]


@dataclass
class ScaledReplicates(Replicates):
    """Runs 0..runs-1 of a scenario whose posterior draws are multiplied by the page's sliders."""

    scale: dict[str, float] = field(default_factory=dict)

    def slice(self, start: int, stop: int) -> ChunkTask:
        task = super().slice(start, stop)
        specs = parameter_specs(self.scenario.mediators, self.scenario.sites)
        for key, factor in self.scale.items():
            if key in task.params:
                spec = specs[key]
                low = -math.inf if spec.low is None else spec.low
                high = math.inf if spec.high is None else spec.high
                task.params[key] = np.clip(task.params[key] * factor, low, high)
        return task


def settings_key(scenario: Scenario, scale: dict[str, float] | None = None) -> str:
    """A digest of everything a run depends on (not the scenario's name or file)."""
    drawn = sorted((k, v) for k, v in (scale or {}).items() if scenario.posterior and v != 1.0)
    content = {"params": scenario.params, "initial": scenario.initial, "mediators": scenario.mediators,
               "crossings": scenario.crossings, "shocks": [repr(x) for x in scenario.shocks],
               "parameter_shocks": [repr(x) for x in scenario.parameter_shocks], "start": scenario.start_date,
               "horizon": scenario.horizon_days, "posterior": scenario.posterior_digest if scenario.posterior else "",
               "pinned": sorted(scenario.pinned), "scaled_draws": drawn}
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def recall(scenario: Scenario, seed: int, runs: int = RUNS, scale: dict[str, float] | None = None) -> Odds | None:
    """The answer already computed on this server for these settings and seed, if any."""
    key = (settings_key(scenario, scale), seed, runs)
    with _ANSWERS_LOCK:
        if key in _ANSWERS:
            _ANSWERS.move_to_end(key)
            return dataclasses.replace(_ANSWERS[key], cached=True)
    return None


def odds(scenario: Scenario, seed: int, runs: int = RUNS, scale: dict[str, float] | None = None,
         on_wait: Callable[[int], None] | None = None) -> Odds:
    """Run ``runs`` runs of ``scenario`` with ``seed`` and summarise their outcomes (or recall them)."""
    known = recall(scenario, seed, runs, scale)
    if known is not None:
        return known
    with QUEUE.turn(on_wait):
        known = recall(scenario, seed, runs, scale)  # asked by another tab while this one waited
        if known is not None:
            return known
        start = time.perf_counter()
        jobs = {scenario.name: ScaledReplicates(scenario, seed, runs, None, dict(scale or {}))}
        frame = execute(jobs, {}, None, False, 1, "local", None, False, DEFAULT_CHUNK)[scenario.name]
        summary = summarise(frame, seed)
        seconds = time.perf_counter() - start
        forget_models(EscalationModel)
    shares = {o.key: (summary[f"p_{o.key}"], summary[f"p_{o.key}_ci_low"], summary[f"p_{o.key}_ci_high"])
              for o in Outcome}
    codes = np.array([_code(k) for k in frame["outcome"]], dtype=np.int8)
    answer = Odds(summary["runs"], seed, seconds, shares, codes, summary["path"], parameter_draws(frame))
    with _ANSWERS_LOCK:
        _ANSWERS[(settings_key(scenario, scale), seed, runs)] = answer
        while len(_ANSWERS) > KEPT_ANSWERS:
            _ANSWERS.popitem(last=False)
    return answer


def _code(key: str) -> int:
    return Outcome[key.upper()].code


def forget_models(kind: type) -> None:
    """Drop finished models of exactly this class from Mesa's ``Agent._ids``.

    Mesa 3.3 keeps every model ever built in that class-level dict (it counts agent ids per
    model), so a long-running server grew by about 3.5 MiB per what-if (one 2,000-lane model).
    Mesa 3.5 counts ids on the model itself and has no such dict: nothing to do there.
    Only call it when no model of ``kind`` is being built: here, in the batch's turn.
    """
    ids = getattr(mesa.Agent, "_ids", {})
    for model in [m for m in list(ids) if type(m) is kind]:
        ids.pop(model, None)


def reference_odds(path: Path, seed: int = 0, runs: int = RUNS) -> Odds:
    """The odds of a scenario file as it is."""
    return odds(load_scenario(path), seed, runs)


def paired(mine: Odds, reference: Odds, outcome: Outcome) -> tuple[float, float, float]:
    """Mine minus the reference for one outcome's share, paired run by run: (difference, low, high)."""
    a = (mine.codes == outcome.code).astype(float)
    b = (reference.codes == outcome.code).astype(float)
    if a.size != b.size or a.size == 0:
        return math.nan, math.nan, math.nan
    diff, lo, hi = mean_interval(a - b, groups=mine.draws)
    if not np.any(a != b):  # the same runs end the same way: no difference, and no doubt about it
        return 0.0, 0.0, 0.0
    return diff, lo, hi


def compare(mine: Odds, reference: Odds, outcome: Outcome) -> str:
    """How one outcome's share compares with the reference (paired interval), in words a student can act on."""
    _, lo, hi = paired(mine, reference, outcome)
    if lo > 0:
        return "more often"
    if hi < 0:
        return "less often"
    return "no clear difference"
