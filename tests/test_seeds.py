"""Every command that takes a seed gives the same output twice at that seed, 0 included."""

from __future__ import annotations

import pytest
from conftest import SCENARIOS, escalation

DEFAULT = str(SCENARIOS / "october_2025.toml")
COMMANDS = {
    "run": ["run", DEFAULT, "--days", "20", "--json"],
    "batch": ["batch", DEFAULT, "--runs", "300", "--json"],
    "sweep": ["sweep", DEFAULT, "--param", "pakistan.resolve=0.5:2:3", "--runs", "100", "--json"],
    "compare": ["compare", DEFAULT, str(SCENARIOS / "no_mediators.toml"), "--runs", "300", "--json"],
    "check": ["check", DEFAULT, "--runs", "300", "--json"],
    "sensitivity": ["sensitivity", DEFAULT, "--params", "pakistan.resolve", "afghanistan.resolve",
                    "--samples", "16", "--replicates", "4"],
    "discover": ["discover", DEFAULT, "--runs", "2000"],
}


@pytest.mark.slow
@pytest.mark.parametrize("seed", ["0", "7"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_same_seed_same_output(command, seed):
    first = escalation(*COMMANDS[command], "--seed", seed, "--workers", "1") if command != "run" else \
        escalation(*COMMANDS[command], "--seed", seed)
    again = escalation(*COMMANDS[command], "--seed", seed, "--workers", "2") if command != "run" else \
        escalation(*COMMANDS[command], "--seed", seed)
    assert first.returncode == 0, first.stderr
    assert first.stdout == again.stdout
