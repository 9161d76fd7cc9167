"""The browser model without a browser: the model the controls build, the figures, the what-if odds,
replay, the page's components (rendered by Solara's test renderer) and ``serve``."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET

import ipyvuetify as v
import numpy as np
import pytest
import solara
from conftest import DEFAULT, ROOT, SCENARIOS, like_a_terminal
from mesa.visualization.solara_viz import _check_model_params

from sim.batch import run_batch
from sim.batch.replay import stored_row
from sim.errors import UsageError
from sim.model import EscalationModel
from sim.outcomes import Outcome
from sim.scenario import ScenarioError, load_scenario
from sim.viz import figures, whatif
from sim.viz.components import Dashboard, log_html, status_line
from sim.viz.server import check_inputs, environment
from sim.viz.student import (
    ENV_REPLAY,
    ENV_RUN,
    ENV_SCENARIO,
    PageModel,
    StudentModel,
    control_specs,
    default_kwargs,
    parse_seed,
    scenario_choices,
)

SUPPORTED = {"SliderInt", "SliderFloat", "Select", "Checkbox", "InputText"}  # what Mesa's SolaraViz renders


@pytest.fixture(autouse=True)
def _no_served_scenario(monkeypatch):
    for name in (ENV_SCENARIO, ENV_REPLAY, ENV_RUN):
        monkeypatch.delenv(name, raising=False)


def from_controls(**controls) -> StudentModel:
    """The run a page builds from these controls (through PageModel, as SolaraViz does)."""
    return PageModel(**controls).student


def stepped(days: int, **controls) -> StudentModel:
    model = from_controls(**controls)
    for _ in range(days):
        model.step()
    return model


# ---- the model the controls build ---------------------------------------------------------------
def test_default_controls_run_exactly_the_scenario_file():
    model = stepped(30, **default_kwargs(control_specs()))
    plain = EscalationModel(load_scenario(DEFAULT), seed=0, lanes=1).run(30)
    assert model.odds_scenario.params == load_scenario(DEFAULT).params
    assert model.log.events(0) == plain.log.events(0)
    assert np.array_equal(model.rung_history, plain.rung_history)
    assert model.notes == []


def test_controls_change_the_scenario_they_name():
    base = load_scenario(DEFAULT).params
    model = StudentModel(retaliation=2.0, ttp_rate=0.5, india=3.0, leverage=2.0, keep_qatar=False,
                         pact_saudi_arabia=True)
    p = model.scenario.params
    assert p["pakistan.retaliation_propensity"] == pytest.approx(2 * base["pakistan.retaliation_propensity"])
    assert p["afghanistan.retaliation_propensity"] == pytest.approx(2 * base["afghanistan.retaliation_propensity"])
    assert p["ttp.attack_rate"] == pytest.approx(0.5 * base["ttp.attack_rate"])
    assert p["india.threat_factor"] == pytest.approx(3 * base["india.threat_factor"])
    assert p["mediators.russia.leverage.pakistan"] == pytest.approx(2 * base["mediators.russia.leverage.pakistan"])
    assert p["mediators.saudi_arabia.leverage.pakistan"] == 1.0  # 0.8 x 2, capped at the allowed 1
    assert "qatar" not in model.scenario.mediators and "qatar" not in model.actor_names
    assert p["mediators.saudi_arabia.pact_invoked"] is True
    assert "Qatar" not in model.settings.split("mediators: ")[1].split(";")[0]
    assert model.notes == []


@pytest.mark.parametrize(("factor", "expected"), [(20.0, 5.0), (0.5, 0.5), (0.0, 0.01)])
def test_randomness_control_scales_the_decision_noise_within_its_range(factor, expected):
    model = StudentModel(randomness=factor)
    for party in ("pakistan", "afghanistan"):
        assert model.scenario.params[f"{party}.decision_noise"] == pytest.approx(expected)
    assert f"randomness of choices \u00d7{factor:g}: decision noise Pakistan {expected:.2f}" in model.settings
    assert model.notes == []


def test_controls_at_their_defaults_keep_what_a_what_if_scenario_changes():
    kwargs = default_kwargs(control_specs())
    for name, key, expected in (("no_mediators.toml", None, ["bilateral"]), ("saudi_pact_invoked.toml",
                                "mediators.saudi_arabia.pact_invoked", True),
                                ("no_india_factor.toml", "india.threat_factor", 0.0)):
        model = from_controls(**(kwargs | {"scenario_file": name}))
        if key is None:
            assert model.scenario.mediators == expected
        else:
            assert model.scenario.params[key] == expected


def test_removing_an_engaged_mediator_keeps_the_scenario_valid():
    model = StudentModel(scenario="after_13_october.toml", keep_qatar=False)
    assert model.notes == []
    assert "qatar" not in model.scenario.initial["mediators_engaged"]


@pytest.mark.parametrize("seed", ["abc", "-1", "1.5", "", str(2**32), "1e3"])
def test_a_bad_seed_becomes_a_note_and_seed_0(seed):
    model = StudentModel(seed=seed)
    assert model.seed_value == 0
    assert len(model.notes) == 1 and "Seed" in model.notes[0] and "seed 0" in model.notes[0]
    model.step()  # the run works


def test_parse_seed_accepts_what_a_person_types():
    assert parse_seed(" 42 ") == 42
    assert parse_seed("1,000") == 1000
    assert parse_seed(7) == 7
    with pytest.raises(UsageError):
        parse_seed("seven")


def test_bad_factors_and_scenarios_become_notes_never_errors():
    model = StudentModel(retaliation=float("nan"), india="lots", scenario="nope.toml")
    text = " ".join(model.notes)
    assert "Retaliation" in text and "India factor" in text and "Unknown scenario 'nope.toml'" in text
    assert model.scenario.params == load_scenario(DEFAULT).params


def test_a_value_out_of_range_shows_the_scenario_error_and_falls_back(tmp_path, monkeypatch):
    busy = tmp_path / "busy.toml"
    busy.write_text(f'[scenario]\nbase = "{DEFAULT}"\nname = "busy"\n[ttp]\nattack_rate = 12.0\n')
    monkeypatch.setenv(ENV_SCENARIO, str(busy))
    model = StudentModel(scenario=str(busy.resolve()), ttp_rate=4.0)  # 48 attacks a day: above the allowed 20
    assert len(model.notes) == 1 and "ttp.attack_rate" in model.notes[0] and "as it is in its file" in model.notes[0]
    assert model.scenario.params["ttp.attack_rate"] == 12.0


def test_control_specs_are_what_solaraviz_supports_and_what_the_model_takes():
    specs = control_specs()
    for key, spec in specs.items():
        assert spec["type"] in SUPPORTED, key
        assert spec["label"], key
    _check_model_params(PageModel.__init__, specs)  # what SolaraViz checks before Reset
    assert specs["scenario_file"]["values"] == sorted(p.name for p in SCENARIOS.glob("*.toml"))
    assert "targets" not in " ".join(specs["scenario_file"]["values"])
    assert {f"keep_{m}" for m in ("qatar", "saudi_arabia", "china", "russia", "united_states")} <= set(specs)
    assert "pact_saudi_arabia" in specs


def test_a_served_scenario_outside_scenarios_is_offered_first(tmp_path):
    other = tmp_path / "mine.toml"
    other.write_text(f'[scenario]\nbase = "{DEFAULT}"\nname = "mine"\n')
    choices = scenario_choices(other.resolve())
    assert next(iter(choices.values())) == other.resolve()
    assert control_specs(other.resolve())["scenario_file"]["value"] == str(other.resolve())


# ---- figures and texts ---------------------------------------------------------------------------
def test_figures_are_valid_svg_before_and_after_steps():
    for days in (0, 6):
        model = stepped(days, seed="3")
        for draw in (figures.map_svg, figures.ladder_svg, figures.deaths_svg, figures.network_svg):
            ET.fromstring(draw(model))  # well-formed


def test_the_map_shows_crossings_and_todays_events_where_they_happen():
    model = stepped(4)
    svg = figures.map_svg(model)
    for i, name in enumerate(model.crossing_names):
        label = model.scenario.crossings[name]["label"]
        state = "open" if model.crossings_open[0, i] else "CLOSED"
        assert f"{label}: {state}" in svg
    today = [e for e in model.log.events(0) if e.day == model.day - 1 and e.location and
             figures.PLACES[e.location].country != "abroad"]
    assert svg.count('class="event-today"') == len(today)


def test_the_ladder_draws_one_step_per_day_and_the_deaths_chart_the_claims():
    model = stepped(5)
    root = ET.fromstring(figures.ladder_svg(model))
    line = root.find(".//{http://www.w3.org/2000/svg}polyline")
    assert len(line.get("points").split()) == 2 * 5
    deaths = figures.deaths_svg(model)
    claimed = model.afghanistan.claimed_inflicted[0]
    assert f"Pakistani dead, claimed by the enemy: {claimed:.0f}" in deaths


def test_the_actor_graph_carries_hostility_mediation_and_alliance():
    model = stepped(3, pact_saudi_arabia=True, keep_russia=False)
    graph = figures.actor_graph(model)
    assert graph["pakistan"]["afghanistan"]["weight"] == pytest.approx(model.pakistan.grievance[0])
    assert graph["qatar"]["afghanistan"]["weight"] == pytest.approx(0.8)
    assert graph["qatar"]["afghanistan"]["active"] == bool(model.mediator("qatar").engaged[0])
    assert "russia" not in graph
    assert graph["saudi_arabia"]["pakistan"]["kind"] == "alliance"  # the pact, invoked: no mediation tie
    assert graph["saudi_arabia"]["pakistan"]["active"] and not graph.has_edge("saudi_arabia", "afghanistan")


def test_the_event_log_is_in_words_newest_first_and_escaped():
    model = stepped(5)
    text = re.sub("<[^>]+>", "\n", log_html(model))
    days = [int(d) for d in re.findall(r"^Day (\d+)", text, re.MULTILINE)]
    assert days == sorted(days, reverse=True) and days[0] == 4 and days[-1] == 0
    assert "Pakistan carries out airstrikes on the capital of Afghanistan in Kabul" in text
    assert "Nothing has happened yet" in log_html(StudentModel())


def test_the_status_line_counts_days_and_names_the_outcome_at_the_end():
    assert "not simulated yet" in status_line(StudentModel())
    model = stepped(5)
    assert status_line(model).startswith("Day 4, Mon 13 Oct 2025 (5 of 90 days simulated)")
    model.run()
    outcome = Outcome.from_code(model.outcome()[0]).label
    assert status_line(model).endswith(f"OUTCOME: {outcome}")


def test_the_explanation_rests_on_the_article_without_copying_it():
    from article import article_fingerprint, copied_runs, stored_fingerprint

    from sim.viz.explain import explanation_html

    text = re.sub("<[^>]+>", " ", explanation_html())
    for fact in ("600", "23", "58", "200", "Kunar", "Nangarhar", "Paktika", "Qatar", "2022", "two major crossings"):
        assert fact in text, fact
    assert len(stored_fingerprint()) > 500, "tests/data/article_9grams.txt is empty: run python tests/article.py"
    live = article_fingerprint()
    if live is not None:  # the article is beside the clone: the stored fingerprint must be its own
        assert live == stored_fingerprint(), "tests/data/article_9grams.txt is stale: run python tests/article.py"
    copied = copied_runs(" ".join(text.split()))
    assert not copied, copied


# ---- what-if odds ----------------------------------------------------------------------------------
@pytest.mark.slow
def test_what_if_odds_for_the_default_settings_agree_with_run_batch():
    model = from_controls(**default_kwargs(control_specs()) | {"seed": "5"})
    mine = whatif.odds(model.odds_scenario, model.seed_value)
    scenario = load_scenario(DEFAULT)
    same = run_batch(scenario, runs=whatif.RUNS, seed=5, workers=1).summary()[scenario.name]
    other = run_batch(scenario, runs=whatif.RUNS, seed=6, workers=1).summary()[scenario.name]
    for outcome in Outcome:
        key = outcome.key
        assert mine.share(outcome) == (same[f"p_{key}"], same[f"p_{key}_ci_low"], same[f"p_{key}_ci_high"])
        _, lo, hi = mine.share(outcome)  # an independent batch (another seed): the intervals overlap
        assert lo <= other[f"p_{key}_ci_high"] and other[f"p_{key}_ci_low"] <= hi, (key, mine, other)
    assert mine.runs == whatif.RUNS and sum(s[0] for s in mine.shares.values()) == pytest.approx(1)


@pytest.mark.slow
def test_the_same_settings_and_seed_are_computed_once():
    first = whatif.reference_odds(DEFAULT, 11, runs=200)
    started = time.perf_counter()
    again = StudentModel(seed="11").odds_scenario  # the same settings reached through the controls
    recalled = whatif.odds(again, 11, runs=200)
    assert time.perf_counter() - started < 0.2
    assert recalled.cached and not first.cached and recalled.shares == first.shares
    assert not whatif.odds(again, 12, runs=200).cached


def test_compare_says_more_or_less_often_only_when_intervals_part():
    a = whatif.Odds(100, 0, 0.1, {o.key: (0.5, 0.4, 0.6) for o in Outcome})
    b = whatif.Odds(100, 0, 0.1, {o.key: (0.8, 0.7, 0.9) for o in Outcome})
    assert whatif.compare(a, b, Outcome.WAR) == "less often"
    assert whatif.compare(b, a, Outcome.WAR) == "more often"
    assert whatif.compare(a, a, Outcome.WAR) == "no clear difference"


# ---- replay ------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_a_replayed_run_is_the_run_the_batch_counted(tmp_path):
    scenario = load_scenario(DEFAULT)
    run_batch(scenario, runs=8, seed=3, workers=1, out=tmp_path)
    model = StudentModel(replay=str(tmp_path), run="5").run()
    row = stored_row(tmp_path, 5)
    assert model.notes == [] and model.replay == (str(tmp_path), 5)
    assert Outcome.from_code(model.outcome()[0]).key == row["outcome"]
    assert model.peak_rung[0] == row["peak_rung"] and model.interstate_deaths()[0] == row["deaths_true"]
    assert "Replay of run 5" in model.settings


@pytest.mark.parametrize("run", ["x", "99"])
def test_a_bad_replay_run_becomes_a_note_and_a_live_run(tmp_path, run):
    run_batch(load_scenario(DEFAULT), runs=4, seed=3, workers=1, out=tmp_path)
    model = StudentModel(replay=str(tmp_path), run=run)
    assert model.replay is None and len(model.notes) == 1 and run in model.notes[0]


# ---- the page, rendered without a browser ------------------------------------------------------------
def test_each_tab_gets_its_own_model():
    from sim.viz.app import Page

    def tab():
        _, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
        return rc

    first, second = tab(), tab()
    first.find(v.Btn, children=["Step"]).widget.click()
    first.find(v.Btn, children=["Step"]).widget.click()
    assert first.find(v.Html, class_="day-status").widget.children[0].startswith("Day 1,")
    assert "not simulated yet" in second.find(v.Html, class_="day-status").widget.children[0]


def test_the_what_if_button_shows_a_busy_state_then_the_odds():
    _, rc = solara.render(Dashboard(StudentModel(seed="2")), handle_error=False)
    rc.find(v.Btn, children=[f"Run {whatif.RUNS:,} runs with these settings"]).widget.click()
    rc.find(v.ProgressLinear).assert_single()
    def odds_shown() -> bool:
        return any("class='odds'" in (getattr(w, "unsafe_innerHTML", None) or "")
                   for w in rc.find(v.VuetifyTemplate).widgets)

    deadline = time.monotonic() + 60
    while not odds_shown():
        assert time.monotonic() < deadline, "no odds within 60 s"
        time.sleep(0.05)
    assert not rc.find(v.ProgressLinear).widgets


# ---- serve --------------------------------------------------------------------------------------------
def test_serve_refuses_bad_inputs_before_starting(tmp_path):
    with pytest.raises(ScenarioError):
        check_inputs(tmp_path / "missing.toml", "127.0.0.1", 8765, None, None)
    with pytest.raises(UsageError):
        check_inputs(None, "127.0.0.1", 0, None, None)
    with socket.create_server(("127.0.0.1", 0)) as busy:
        with pytest.raises(UsageError, match="choose another --port"):
            check_inputs(None, "127.0.0.1", busy.getsockname()[1], None, None)
    env = environment(DEFAULT, tmp_path, 4)
    assert env[ENV_SCENARIO] == str(DEFAULT.resolve()) and env[ENV_RUN] == "4"
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_serve_prints_the_address_answers_and_stops_on_ctrl_c():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-c", f"from sim.viz import serve; raise SystemExit(serve(port={port}))"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT,
                            start_new_session=True, preexec_fn=like_a_terminal)
    try:
        lines = []
        while not lines or lines[-1].startswith("Solara"):  # Solara prints its own line first
            lines.append(proc.stdout.readline())
        assert lines[-1] == f"Serving on http://127.0.0.1:{port}  (Ctrl-C to stop)\n", lines
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as response:
            assert response.status == 200
        os.kill(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
