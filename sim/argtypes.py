"""Argument types shared by every command-line layer (they raise argparse's own error type).

Each says what is allowed, with its bounds: a seed is a 64-bit unsigned integer (the random
streams hash it as one), a run index a 63-bit one (stored as int64), a horizon at most 3,650 days.
"""

from __future__ import annotations

import argparse
import sys

from .parameters import SCENARIO_SPECS

MAX_SEED = 2**64 - 1
MAX_RUN = 2**63 - 1
MAX_DAYS = int(SCENARIO_SPECS["horizon_days"].high)


def _integer(text: str, low: int, high: int, allowed: str) -> int:
    """``text`` as an integer in [low, high]; else argparse's error saying what is allowed."""
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise argparse.ArgumentTypeError(f"expected {allowed}, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """A count (runs, workers, samples...): 1 or more."""
    return _integer(text, 1, MAX_RUN, "a whole number of at least 1")


def seed(text: str) -> int:
    """A random seed: 0 to 2**64 - 1."""
    return _integer(text, 0, MAX_SEED, "a seed: a whole number from 0 to 2**64 - 1")


def run_index(text: str) -> int:
    """A run index: 0 to 2**63 - 1."""
    return _integer(text, 0, MAX_RUN, "a run index: a whole number from 0 to 2**63 - 1")


def days(text: str) -> int:
    """A number of days to simulate: 1 to the longest horizon a scenario may have."""
    return _integer(text, 1, MAX_DAYS, f"a number of days from 1 to {MAX_DAYS:,}")


def probability(text: str) -> float:
    """A probability: a decimal number from 0 to 1."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0.0 <= value <= 1.0:  # NaN fails too
        raise argparse.ArgumentTypeError(f"expected a probability from 0 to 1, got {text!r}")
    return value


MAX_STEPS = 63  # Metropolis steps per generation (each has a block of run indices of its own)


def moves(text: str) -> int:
    """Metropolis steps per sampler generation: 1 to MAX_STEPS."""
    return _integer(text, 1, MAX_STEPS, f"a number of steps from 1 to {MAX_STEPS}")


def final_moves(text: str) -> int:
    """Metropolis steps after the last tempering generation: 0 to MAX_STEPS."""
    return _integer(text, 0, MAX_STEPS, f"a number of steps from 0 to {MAX_STEPS}")


MAX_CHUNK = 65_536


def chunk_size(text: str) -> int:
    """Lanes per model instance: a model's memory grows with them, so they are bounded."""
    return _integer(text, 1, MAX_CHUNK, f"a chunk size from 1 to {MAX_CHUNK:,} lanes")


def port(text: str) -> int:
    """A TCP port."""
    return _integer(text, 1, 65_535, "a port number from 1 to 65,535")


def cap_workers(requested: int | None) -> int | None:
    """``--workers`` capped at the cores this process may use (more only cost memory and time), with a note."""
    from .batch.engine import default_workers

    cores = default_workers()
    if requested is not None and requested > cores:
        print(f"escalation: note: --workers {requested} is more than the {cores} cores available; using {cores}",
              file=sys.stderr)
        return cores
    return requested
