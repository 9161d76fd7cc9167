"""Scenario files: every shipped file loads; every kind of bad input gets one clear error."""

from __future__ import annotations

import copy

import pytest
from conftest import SCENARIOS, default_table, escalation

from sim.parameters import STATE_SPECS
from sim.scenario import ScenarioError, load_scenario, scenario_from_dict


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.name)
def test_shipped_scenarios_load(path):
    scenario = load_scenario(path)
    assert scenario.horizon_days > 0
    assert scenario.content_hash


def _error(table: dict) -> str:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(table, "bad.toml")
    message = str(info.value)
    assert message.startswith("bad.toml: ")
    assert "\n" not in message
    return message


def test_unknown_key_suggests_the_right_one():
    table = default_table()
    table["pakistan"]["retaliation_propensty"] = 0.5
    message = _error(table)
    assert "pakistan.retaliation_propensty" in message and "did you mean 'pakistan.retaliation_propensity'" in message


def test_unknown_section_suggests():
    table = default_table()
    table["mediatorz"] = {}
    assert "did you mean 'mediators'" in _error(table)


def test_wrong_type_names_the_allowed_range():
    table = default_table()
    table["afghanistan"]["resolve"] = "high"
    message = _error(table)
    assert "afghanistan.resolve" in message and "[0, 5]" in message


@pytest.mark.parametrize("key", [k for k, s in STATE_SPECS.items() if s.unit == "probability"])
def test_probability_outside_unit_interval(key):
    table = default_table()
    table["pakistan"][key] = 1.5
    message = _error(table)
    assert f"pakistan.{key}" in message and "[0, 1]" in message


def test_negative_rate():
    table = default_table()
    table["ttp"]["attack_rate"] = -1.0
    assert "ttp.attack_rate" in _error(table)


def test_unknown_actor_in_shock():
    table = default_table()
    table["shocks"][0]["actor"] = "iran"
    message = _error(table)
    assert "shocks[0].actor" in message and "allowed" in message and "pakistan" in message


def test_unknown_action_in_shock_suggests():
    table = default_table()
    table["shocks"][0]["action"] = "airstrike_capitol"
    assert "did you mean 'airstrike_capital'" in _error(table)


def test_shock_day_outside_horizon():
    table = default_table()
    table["shocks"][0]["day"] = 500
    assert "shocks[0].day" in _error(table)


def test_unknown_mediator_style():
    table = default_table()
    table["mediators"]["qatar"]["style"] = "host_talk"
    assert "did you mean 'host_talks'" in _error(table)


def test_unknown_capability():
    table = default_table()
    table["afghanistan"]["capabilities"] = ["cross_border_fire", "nukes"]
    assert "afghanistan.capabilities" in _error(table)


def test_prior_with_empty_range():
    table = default_table()
    table["priors"]["pakistan.resolve"] = {"distribution": "uniform", "low": 2.0, "high": 1.0}
    assert "empty range" in _error(table)


def test_new_mediator_from_data_alone():
    table = copy.deepcopy(default_table())
    table["mediators"]["iran"] = {"label": "Iran", "capital": "tehran", "style": "host_talks",
                                  "leverage": {"pakistan": 0.3, "afghanistan": 0.6}, "trigger_rung": 5}
    scenario = scenario_from_dict(table, "iran.toml")
    assert "iran" in scenario.mediators
    assert scenario.params["mediators.iran.leverage.afghanistan"] == 0.6


def test_no_code_is_evaluated(tmp_path):
    path = tmp_path / "evil.toml"
    path.write_text('[scenario]\ndescription = "__import__(\'os\').system(\'touch pwned\')"\n')
    scenario = load_scenario(path)
    assert scenario.description.startswith("__import__")
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("content, fragment", [
    ("[pakistan]\nretaliation_propensty = 0.5\n", "did you mean 'pakistan.retaliation_propensity'"),
    ("[pakistan]\nresolve = 'x'\n", "pakistan.resolve"),
    ("[pakistan]\nceasefire_commitment = 2\n", "[0, 1]"),
    ("[ttp]\nattack_rate = -3\n", "ttp.attack_rate"),
    ("[[shocks]]\nday = 0\nactor = 'martians'\naction = 'accusation'\n", "unknown actor"),
    ("this is not toml", "not valid TOML"),
])
@pytest.mark.slow
def test_cli_bad_scenario_one_line_exit_2(tmp_path, content, fragment):
    path = tmp_path / "bad.toml"
    path.write_text(content)
    proc = escalation("run", str(path))
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert str(path) in lines[0] and fragment in lines[0]


@pytest.mark.slow
def test_cli_missing_file_and_bad_flags(tmp_path):
    for args in (["run", str(tmp_path / "nope.toml")], ["run", str(SCENARIOS / "october_2025.toml"), "--seed", "-1"],
                 ["run", str(SCENARIOS / "october_2025.toml"), "--days", "0"]):
        proc = escalation(*args)
        assert proc.returncode == 2, args
        assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_an_empty_scenario_name_is_refused_not_replaced(tmp_path):
    path = tmp_path / "emptyname.toml"
    path.write_text('[scenario]\nbase = "october_2025"\nname = ""\n')
    with pytest.raises(ScenarioError, match="scenario.name.*empty"):
        load_scenario(path)
