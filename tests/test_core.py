"""The core's structure: the description generated from the code, actors that write only their own
state, scheduled acts carried out by their actor's rules, actor names checked."""

from __future__ import annotations

import ast
import inspect

import numpy as np
import pytest
from conftest import ROOT, default_table, random_scenarios
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import agents, docs
from sim.ladder import SCHEDULABLE_BY, Action
from sim.model import EscalationModel
from sim.parameters import INITIAL_GLOBAL_SPECS, INITIAL_STATE_SPECS
from sim.scenario import ScenarioError, scenario_from_dict
from sim.state import MEDIATOR_STATE, PARTY_STATE, TTP_STATE, WORLD_STATE

ACTOR_CLASSES = (agents.Actor, agents.StateActor, agents.MilitantGroup, agents.OutsideRival, agents.Mediator)


def test_odd_is_generated_from_the_code():
    """State tables, phases, rules and parameters in docs/ODD.md are what the code declares now."""
    text = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    assert docs.regenerate(text) == text, "docs/ODD.md is stale: run python -m sim.docs --write"


def test_odd_lists_every_phase_rule_and_state_variable():
    text = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    for phase in EscalationModel.PHASES:
        assert f"**`{phase.__name__}`**" in text
    for cls in ACTOR_CLASSES:
        for name, _ in docs.rule_methods(cls):
            assert f"`{cls.__name__}.{name}`" in text, f"{cls.__name__}.{name} missing from docs/ODD.md"
    for declared in (PARTY_STATE, TTP_STATE, MEDIATOR_STATE, WORLD_STATE):
        for var in declared:
            assert f"| `{var.name}` |" in text


@pytest.mark.parametrize("cls", (*ACTOR_CLASSES, EscalationModel), ids=lambda c: c.__name__)
def test_every_rule_says_what_it_does(cls):
    for name, method in docs.rule_methods(cls):
        assert inspect.getdoc(method), f"{cls.__name__}.{name} has no docstring (its ODD paragraph)"


def test_the_phases_run_in_their_declared_order(default_scenario):
    called = []

    def traced(phase):
        def run(model):
            called.append(phase.__name__)
            phase(model)
        return run

    class Traced(EscalationModel):
        PHASES = tuple(traced(phase) for phase in EscalationModel.PHASES)

    Traced(default_scenario, lanes=2).run(days=2)
    names = [phase.__name__ for phase in EscalationModel.PHASES]
    assert called == names * 2
    assert names[0] == "apply_shocks" and names[-1] == "end_day"


def test_every_settable_initial_key_is_declared_state():
    """The scenario keys of [initial] tables come from the state declarations, not a second list."""
    declared = {var.key for var in PARTY_STATE + TTP_STATE + WORLD_STATE + MEDIATOR_STATE if var.key}
    for key in INITIAL_STATE_SPECS:
        assert f"initial.<party>.{key}" in declared
    for key in INITIAL_GLOBAL_SPECS:
        assert f"initial.{key}" in declared


# ---- actors change only their own state -------------------------------------------------------------
def _assignment_roots(tree: ast.AST):
    """(method, target) of every assignment in a class body whose target is not ``self.<attr>``."""
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        for method in (n for n in cls.body if isinstance(n, ast.FunctionDef)):
            for node in ast.walk(method):
                targets = node.targets if isinstance(node, ast.Assign) else \
                    [node.target] if isinstance(node, ast.AugAssign | ast.AnnAssign) else []
                for target in targets:
                    while isinstance(target, ast.Subscript):
                        target = target.value
                    if isinstance(target, ast.Attribute):
                        owner = target.value
                        if not (isinstance(owner, ast.Name) and owner.id == "self"):
                            yield f"{cls.name}.{method.name}", ast.unparse(target)


def test_no_actor_method_assigns_another_objects_state():
    """Lint: in sim/agents.py every attribute assignment is to ``self.<attr>`` (not ``self.model.x``,
    not another actor's)."""
    tree = ast.parse((ROOT / "sim" / "agents.py").read_text(encoding="utf-8"))
    offenders = list(_assignment_roots(tree))
    assert not offenders, offenders


def _snapshot(model: EscalationModel, skip: object) -> dict:
    """Every declared state array of the world and of every actor but ``skip``, and their inboxes."""
    out = {}
    for name, holder, declared in model.declared():
        if holder is skip:
            continue
        for var in declared:
            out[f"{name}.{var.name}"] = np.array(getattr(holder, var.name), copy=True)
        if hasattr(holder, "inbox"):
            out[f"{name}.inbox"] = len(holder.inbox)
    return out


def _watch(model: EscalationModel, violations: list[str]) -> None:
    """Wrap every public method of every actor: it must leave all other state as it found it."""
    for actor in model.actors.values():
        for name, _ in inspect.getmembers(type(actor), inspect.isfunction):
            if name.startswith("_"):
                continue
            method = getattr(actor, name)

            def watched(*args, _method=method, _actor=actor, _name=name, **kwargs):
                before = _snapshot(model, _actor)
                result = _method(*args, **kwargs)
                after = _snapshot(model, _actor)
                for key, value in before.items():
                    if not np.array_equal(value, after[key]):
                        violations.append(f"{_actor.name}.{_name} changed {key}")
                return result

            setattr(actor, name, watched)


@settings(max_examples=10, deadline=None)
@given(random_scenarios(), st.integers(0, 2**31 - 1))
def test_no_actor_changes_another_actors_state_while_running(scenario, seed):
    model = EscalationModel(scenario, seed=seed, lanes=6)
    violations: list[str] = []
    _watch(model, violations)
    model.run()
    assert not violations, sorted(set(violations))[:10]


# ---- scheduled acts ----------------------------------------------------------------------------------
def _scheduled(actor: str, action: Action) -> dict:
    table = default_table()
    table["priors"] = {}
    target = {"pakistan": "afghanistan", "afghanistan": "pakistan"}.get(actor, "")
    table["shocks"] = [{"day": 0, "actor": actor, "action": action.key, "target": target}]
    if action is Action.REOPEN_CROSSING:
        table["crossings"]["torkham"].update(open=False, closed_by="pakistan")
    return table


CASES = [(actor, action) for kind, actions in SCHEDULABLE_BY.items() for action in actions
         for actor in ({"party": ("pakistan", "afghanistan"), "mediator": ("qatar",)}.get(kind, (kind,)))]


@pytest.mark.parametrize(("actor", "action"), CASES, ids=[f"{a}-{b.key}" for a, b in CASES])
def test_every_schedulable_act_happens_on_its_day(actor, action):
    """No combination a scenario may schedule is silently dropped: it is carried out, by its actor."""
    model = EscalationModel(scenario_from_dict(_scheduled(actor, action), "test"), seed=1, lanes=3)
    model.step()
    who = ("pakistan", "afghanistan") if action is Action.CEASEFIRE_DECLARED else (actor,)
    for name in who:
        assert (model.first_day_of(name, action) == 0).all(), (name, action)


@pytest.mark.parametrize(("actor", "action"), [("qatar", "airstrike_capital"), ("ttp", "halt_operations"),
                                                ("india", "raid_border_posts"), ("pakistan", "talks_hosted"),
                                                ("pakistan", "ceasefire_violated")])
def test_a_scheduled_act_its_actor_cannot_take_is_refused(actor, action):
    table = default_table()
    table["shocks"] = [{"day": 0, "actor": actor, "action": action}]
    with pytest.raises(ScenarioError, match=f"cannot be scheduled for '{actor}'"):
        scenario_from_dict(table, "bad.toml")


# ---- names ---------------------------------------------------------------------------------------------
def test_the_ttp_can_only_target_a_state_party():
    table = default_table()
    table["ttp"]["target"] = "mars"
    with pytest.raises(ScenarioError, match="ttp.target.*'pakistan', 'afghanistan'"):
        scenario_from_dict(table, "bad.toml")


@pytest.mark.parametrize("name", ["pakistan", "ttp", "india", "both"])
def test_a_mediator_cannot_take_another_actors_name(name):
    table = default_table()
    table["mediators"][name] = {"style": "statement"}
    with pytest.raises(ScenarioError, match=f"mediators.{name}"):
        scenario_from_dict(table, "bad.toml")


def test_the_ttp_attacks_only_its_target():
    table = default_table()
    table["shocks"] = [{"day": 0, "actor": "ttp", "action": "ttp_attack", "target": "afghanistan"}]
    with pytest.raises(ScenarioError, match="ttp.target"):
        scenario_from_dict(table, "bad.toml")


def test_unknown_names_are_errors_not_fallbacks(default_scenario):
    model = EscalationModel(default_scenario, lanes=1)
    with pytest.raises(KeyError, match="no state party 'india'"):
        model.state("india")
    with pytest.raises(KeyError, match="no actor 'iran'"):
        model.actor("iran")
    with pytest.raises(KeyError, match="not a mediator"):
        model.mediator("pakistan")
    assert model.state("afghanistan") is model.afghanistan


def test_every_command_prints_its_help():
    """A '%' in a help string once made `escalation sensitivity --help` a traceback."""
    import argparse

    from sim.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    assert {"run", "batch", "sensitivity", "validate", "forecast"} <= set(commands)
    for name, sub in commands.items():
        assert sub.format_help().startswith(f"usage: escalation {name}"), name


@pytest.mark.parametrize("argv, message", [
    (["calibrate", "--exclude", "E01"], "--exclude: only means something with --episodes"),
    (["calibrate", "--moves", "3"], "--moves: only means something with --episodes"),
    (["calibrate", "--structure", "shared"], "--structure: only means something with --episodes"),
    (["calibrate", "--no-attacks"], "--no-attacks: only means something with --episodes"),
    (["calibrate", "--episodes", "--params", "pakistan.resolve"], "--params: does not apply with --episodes"),
    (["calibrate", "--episodes", "--sims", "100"], "--sims: does not apply with --episodes"),
    (["calibrate", "--params", "pakistan.resolve", "pakistan.resolve"], "--params: a parameter named twice"),
])
def test_calibrate_refuses_an_option_it_would_ignore_before_any_work(tmp_path, capsys, argv, message):
    from sim.cli import main

    assert main([*argv, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()
