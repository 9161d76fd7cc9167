"""What-if odds for the page: a batch of runs with the page's settings, beside the default scenario's.

The batch is ``sim.batch.run_batch`` itself (one process: a page must not take every core of
a shared classroom server), so the page's odds are the CLI's odds for the same settings.
Answers are kept by settings and seed: in a classroom many tabs ask for the same ones (the
default scenario's above all, which every answer is compared with).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import mesa

from ..batch import run_batch
from ..model import EscalationModel
from ..outcomes import Outcome
from ..scenario import Scenario, load_scenario

RUNS = 2000
KEPT_ANSWERS = 64
#: Seed of the default scenario's odds that every answer is compared with: one answer for the whole class.
REFERENCE_SEED = 0

#: One batch at a time in this server process: a batch in a thread holds the GIL most of the time, so two
#: at once took longer than two in turn (10 requests: 7.8 s vs 5.4 s) and slowed every tab's steps more.
_ONE_AT_A_TIME = threading.Lock()
_ANSWERS: OrderedDict[tuple[str, int, int], Odds] = OrderedDict()


@dataclass(frozen=True)
class Odds:
    """Outcome shares of a batch, each with its 95% Wilson interval."""

    runs: int
    seed: int
    seconds: float
    shares: dict[str, tuple[float, float, float]]  # outcome key -> (share, low, high)
    cached: bool = False  # the same settings and seed were asked for before on this server

    def share(self, outcome: Outcome) -> tuple[float, float, float]:
        return self.shares[outcome.key]


def settings_key(scenario: Scenario) -> str:
    """A digest of everything a run depends on (not the scenario's name or file)."""
    content = {"params": scenario.params, "initial": scenario.initial, "mediators": scenario.mediators,
               "crossings": scenario.crossings, "shocks": [repr(x) for x in scenario.shocks],
               "parameter_shocks": [repr(x) for x in scenario.parameter_shocks], "start": scenario.start_date,
               "horizon": scenario.horizon_days}
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def odds(scenario: Scenario, seed: int, runs: int = RUNS) -> Odds:
    """Run ``runs`` runs of ``scenario`` with ``seed`` and summarise their outcomes (or recall them)."""
    key = (settings_key(scenario), seed, runs)
    with _ONE_AT_A_TIME:
        if key in _ANSWERS:
            _ANSWERS.move_to_end(key)
            return dataclasses.replace(_ANSWERS[key], cached=True)
        start = time.perf_counter()
        summary = run_batch(scenario, runs=runs, seed=seed, workers=1).summary()[scenario.name]
        seconds = time.perf_counter() - start
        forget_models(EscalationModel)
        shares = {o.key: (summary[f"p_{o.key}"], summary[f"p_{o.key}_ci_low"], summary[f"p_{o.key}_ci_high"])
                  for o in Outcome}
        answer = _ANSWERS[key] = Odds(summary["runs"], seed, seconds, shares)
        while len(_ANSWERS) > KEPT_ANSWERS:
            _ANSWERS.popitem(last=False)
    return answer


def forget_models(kind: type) -> None:
    """Drop finished models of exactly this class from Mesa's ``Agent._ids``.

    Mesa 3.3 keeps every model ever built in that class-level dict (it counts agent ids per
    model), so a long-running server grew by about 3.5 MiB per what-if (one 2,000-lane model).
    Mesa 3.5 counts ids on the model itself and has no such dict: nothing to do there.
    Only call it when no model of ``kind`` is being built: here, under the one-batch lock.
    """
    ids = getattr(mesa.Agent, "_ids", {})
    for model in [m for m in list(ids) if type(m) is kind]:
        ids.pop(model, None)


def reference_odds(path: Path, seed: int = REFERENCE_SEED, runs: int = RUNS) -> Odds:
    """The odds of a scenario file as it is."""
    return odds(load_scenario(path), seed, runs)


def compare(mine: Odds, reference: Odds, outcome: Outcome) -> str:
    """How one outcome's share compares with the reference, in words a student can act on."""
    _, lo, hi = mine.share(outcome)
    _, rlo, rhi = reference.share(outcome)
    if lo > rhi:
        return "more often"
    if hi < rlo:
        return "less often"
    return "no clear difference"
