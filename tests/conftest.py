"""Shared fixtures: paths, the default scenario, and a generator of random valid scenarios."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st

from sim.parameters import MEDIATOR_STYLES, STATE_SPECS
from sim.scenario import Scenario, load_scenario, scenario_from_dict

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
DEFAULT = SCENARIOS / "october_2025.toml"

settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True)  # CI: the same examples every run
settings.register_profile("dev", max_examples=15, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def default_scenario() -> Scenario:
    return load_scenario(DEFAULT)


def default_table() -> dict:
    return tomllib.loads(DEFAULT.read_text())


def escalation(*args: str, timeout: float = 300, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run the real ``escalation`` command in a subprocess."""
    return subprocess.run([sys.executable, "-m", "sim.cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd)


def like_a_terminal() -> None:
    """``preexec_fn`` for a child that a test interrupts with SIGINT: a runner started in the
    background ignores SIGINT and its children inherit that (Python then installs no Ctrl-C
    handler), so restore the default, as a user's terminal has it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


# Numeric state parameters that a random scenario varies, with the sub-range explored.
_VARIED = {
    "retaliation_propensity": (0.0, 3.0), "counterstrike_probability": (0.0, 1.0),
    "escalation_propensity": (0.0, 1.0), "resolve": (0.0, 3.0), "grievance_decay": (0.0, 1.0),
    "grievance_per_attack": (0.0, 3.0), "cost_sensitivity": (0.0, 0.2), "claim_inflation": (0.5, 30.0),
    "acknowledgement_ratio": (0.0, 1.0), "ceasefire_commitment": (0.0, 1.0), "halt_propensity": (0.0, 3.0),
    "closure_after_clash": (0.0, 1.0), "closure_as_pressure": (0.0, 1.0), "reopen_sensitivity": (0.0, 3.0),
    "crackdown_propensity": (0.0, 0.5), "sanctuary_strike_rate": (0.0, 0.2), "sanctuary_tolerance": (0.0, 20.0),
    "capital_grievance": (0.0, 10.0), "trade_dependence": (0.0, 3.0),
    "campaign_threshold": (0.0, 10.0), "ttp_attribution": (0.0, 1.0), "decision_noise": (0.01, 2.0),
}
assert set(_VARIED) <= set(STATE_SPECS)


@st.composite
def random_scenarios(draw) -> Scenario:
    """A valid scenario built from the default one with randomised parameters, mediators and shocks."""
    table = default_table()
    table["scenario"]["horizon_days"] = draw(st.integers(5, 40))
    for party in ("pakistan", "afghanistan"):
        for key, (lo, hi) in _VARIED.items():
            table[party][key] = draw(st.floats(lo, hi, allow_nan=False))
    table["ttp"]["attack_rate"] = draw(st.floats(0.0, 6.0))
    table["india"]["threat_factor"] = draw(st.floats(0.0, 2.0))
    table["lethality"]["sustained_campaign"] = draw(st.floats(0.0, 200.0))
    for site in table["sites"].values():
        site["clash_rate"] = draw(st.floats(0.0, 20.0))
        site["afghan_share"] = draw(st.floats(0.0, 1.0))
    table["ttp"]["major_attack_share"] = draw(st.floats(0.0, 0.2))
    table["ttp"]["major_tail"] = draw(st.floats(0.3, 5.0))
    keep = draw(st.lists(st.sampled_from(sorted(table["mediators"])), unique=True))
    table["mediators"] = {k: v for k, v in table["mediators"].items() if k in keep}
    table["priors"] = {k: v for k, v in table.get("priors", {}).items()
                       if not k.startswith("mediators.") or k.split(".")[1] in keep}
    for med in table["mediators"].values():
        med["style"] = draw(st.sampled_from(MEDIATOR_STYLES))
        med["leverage"] = {"pakistan": draw(st.floats(0, 1)), "afghanistan": draw(st.floats(0, 1))}
        med["talks_propensity"] = draw(st.floats(0, 1))
        med["trigger_rung"] = draw(st.integers(-6, 10))
        if "pact_with" in med:
            med["pact_invoked"] = draw(st.booleans())
    horizon = table["scenario"]["horizon_days"]
    table["shocks"] = [s for s in table["shocks"] if s["day"] < horizon]
    if draw(st.booleans()):
        table["initial"] = {"ceasefire_in_force": True, "pakistan": {"bound": True, "grievance": 2.0},
                            "afghanistan": {"bound": True}}
    return scenario_from_dict(table, "random")


#: Files whose every test starts processes, a browser or a long statistical check.
SLOW_FILES = {"test_browser.py", "test_resume.py", "test_cli_run.py", "test_packaging.py", "test_seeds.py",
              "test_regression.py", "test_mechanisms.py"}
#: Words in a test's name that mean it runs the real command, a server, a cluster or thousands of runs.
SLOW_WORDS = ("cli", "serve", "replay", "dask", "recovery", "sensitivity", "what_if", "posterior",
              "known_answer", "wilson_interval", "common_random_numbers", "single_runs_do", "lane_k_is_run_k",
              "same_seed_same_run", "while_running", "prim", "check_json", "workers_and_chunk", "busy_state",
              "each_tab", "odds", "umask", "strict_json", "becomes_a_path", "reachable", "c_locale",
              "browser_panel", "run_alone", "drop_zone", "through_a_later_day", "impossible_observation",
              "never_negative_nor_decreasing", "only_with_a_logged_violation", "highest_act_of_the_states",
              "log_shows_a_crossing_shut", "given_that_it_is_an_episode")


def pytest_collection_modifyitems(config, items):
    """The fast tier (``pytest -m "not slow"``, under a minute) leaves out the tests named above."""
    for item in items:
        if item.path.name in SLOW_FILES or any(word in item.name for word in SLOW_WORDS):
            item.add_marker(pytest.mark.slow)
