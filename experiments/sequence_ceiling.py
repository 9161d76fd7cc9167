"""How often can the rules reproduce the article's sequence, and how often does the posterior?

Two measurements, on the sequence targets only (the events and their order):

1. the ceiling: a cross-entropy search over the whole prior box for the parameter set whose
   runs reproduce the sequence most often (fresh runs at the best point);
2. where the exact ABC posterior puts its mass: the ABC-SMC moves of ``sim.calibrate.abc``
   (pseudo-marginal, tolerance at its floor of 1 = the whole sequence met), started from
   that best point, for a whole budget; then fresh runs drawn from the final population.

If the posterior's mass sat near the best point, the share in (2) would stay near (1).

    .venv/bin/python experiments/sequence_ceiling.py
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.batch.stats import proportion  # noqa: E402
from sim.calibrate.abc import calibrate  # noqa: E402
from sim.calibrate.distance import sequence_rows  # noqa: E402
from sim.calibrate.priors import PriorSpace  # noqa: E402
from sim.calibrate.runner import TargetSimulator  # noqa: E402
from sim.calibrate.targets import load_targets  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

SEARCH_SEED, FRESH_SEED, CHAIN_SEED = 3, 77, 0


def sequence_share(simulator: TargetSimulator, space: PriorSpace, theta: np.ndarray, runs: np.ndarray,
                   replicates: int) -> tuple[np.ndarray, np.ndarray]:
    """Per parameter set (rows of theta): share of its ``replicates`` runs reproducing the
    sequence, and their mean sum of squared sequence terms (how far they miss it)."""
    params = {k: np.repeat(v, replicates) for k, v in space.columns(theta).items()}
    terms = simulator.terms(runs, params)[sequence_rows(simulator.targets)]
    shape = (len(theta), replicates)
    met = (terms <= 1).all(axis=0).reshape(shape).mean(axis=1)
    return met, (terms.astype(float) ** 2).sum(axis=0).reshape(shape).mean(axis=1)


def search(simulator: TargetSimulator, space: PriorSpace, iterations: int = 60, size: int = 200,
           replicates: int = 32) -> np.ndarray:
    """Cross-entropy search in the logit space of the prior box; returns the final mean point."""
    rng = np.random.default_rng(SEARCH_SEED)
    mean, sd = np.zeros(space.dim), np.full(space.dim, 2.0)
    for it in range(iterations):
        z = mean + sd * rng.standard_normal((size, space.dim))
        runs = np.arange(it * size * replicates, (it + 1) * size * replicates)
        share, miss = sequence_share(simulator, space, space.from_z(z), runs, replicates)
        elite = z[np.lexsort((miss, -share))[: size // 7]]  # most often met, then nearest misses
        mean, sd = 0.7 * mean + 0.3 * elite.mean(axis=0), 0.7 * sd + 0.3 * elite.std(axis=0) + 0.02
    return space.from_z(mean[None])[0]


def main() -> int:
    start = time.perf_counter()
    scenario = load_scenario(ROOT / "scenarios" / "october_2025.toml")
    targets = load_targets(ROOT / "scenarios" / "targets" / "october_2025.toml", scenario)
    targets = dataclasses.replace(targets, targets=tuple(t for t in targets.targets if t.sequence))
    space = PriorSpace.from_scenario(scenario)
    fresh = np.arange(10**8, 10**8 + 8000)
    with TargetSimulator(scenario, targets, FRESH_SEED) as simulator:
        best = search(simulator, space)
        at_best = sequence_share(simulator, space, best[None], fresh, len(fresh))[0][0]
    population = 1000
    jitter = np.random.default_rng(1).standard_normal((population, space.dim)) * 0.02
    initial = space.from_unit(np.clip(space.to_unit(best) + jitter, 0, 1))
    chain = calibrate(scenario, targets, sims=2_000_000, population=population, replicates=16, seed=CHAIN_SEED,
                      initial=initial)
    pick = np.random.default_rng(2).choice(len(chain.weights), len(fresh), p=chain.weights)
    with TargetSimulator(scenario, targets, FRESH_SEED) as simulator:
        after = sequence_share(simulator, space, chain.particles[pick], fresh, 1)[0].mean()
    n = len(fresh)
    summary = {
        "best_point": dict(zip(space.keys, map(float, best), strict=True)),
        "sequence_at_best_point": proportion(int(round(at_best * n)), n),
        "chain": [{"generation": g.index, "tolerance": g.epsilon, "in_sample_sequence_share": g.sequence_share}
                  for g in chain.generations[::10]],
        "sequence_after_chain_fresh_runs": proportion(int(round(after * n)), n),
        "seconds": time.perf_counter() - start,
    }
    out = ROOT / "experiments" / "output" / "sequence_ceiling.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"best point: {100 * at_best:.1f}% of {n} fresh runs reproduce the sequence")
    for g in summary["chain"]:
        print(f"  generation {g['generation']:3d}: in-sample share {100 * g['in_sample_sequence_share']:.1f}%")
    lo, hi = summary["sequence_after_chain_fresh_runs"][1:]
    print(f"after the posterior moves: {100 * after:.1f}% [{100 * lo:.1f}, {100 * hi:.1f}] of {n} fresh runs")
    print(f"wrote {out} ({summary['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
