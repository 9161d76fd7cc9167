"""The event-sequence baseline of `escalation validate`: its files, its fit, its forecasts."""

from __future__ import annotations

import numpy as np
import pytest

from sim.calibrate import event_model as em
from sim.calibrate.episodes import load_episodes
from sim.errors import UsageError

HEADER = "day,actor,action,source\n"


@pytest.fixture(scope="module")
def episodes():
    return load_episodes()


@pytest.fixture(scope="module")
def sequences(episodes):
    return {e.id: em.load_sequence(em.sequence_path(e), e.targets.horizon) for e in episodes}


@pytest.mark.parametrize("row, expected", [
    ("0,india,fire,u", "unknown actor 'india'; allowed: pakistan, afghanistan, ttp, bilateral"),
    ("0,pakistan,shelling,u", "unknown action 'shelling'; allowed: fire,"),
    ("-1,pakistan,fire,u", "column day: got '-1', expected an integer in [0, 29]"),
    ("30,pakistan,fire,u", "expected an integer in [0, 29]"),
    ("two,pakistan,fire,u", "column day: got 'two'"),
    ("0,ttp,talks,u", "ttp cannot take the action 'talks'; allowed actors for it: bilateral"),
    ("0,pakistan,fire,", "column source: empty"),
    ("0,pakistan,fire", "3 cells for the 4 columns"),
])
def test_the_loader_refuses_a_bad_row_in_one_line_naming_file_row_and_what_is_allowed(tmp_path, row, expected):
    path = tmp_path / "X.sequence.csv"
    path.write_text("# a comment\n" + HEADER + "0,pakistan,fire,https://example.org\n" + row + "\n")
    with pytest.raises(UsageError) as err:
        em.load_sequence(path, horizon=30)
    message = str(err.value)
    assert "\n" not in message and message.startswith(f"{path}: row 4") and expected in message


def test_the_loader_refuses_a_bad_header_or_unrecorded_kind_and_reads_a_good_file(tmp_path):
    bad = tmp_path / "a.sequence.csv"
    bad.write_text("day,who,action,source\n0,pakistan,fire,u\n")
    with pytest.raises(UsageError, match=r"row 1: header day,who,action,source; expected day,actor,action,source"):
        em.load_sequence(bad)
    bad.write_text("# unrecorded: closure, deaths\n" + HEADER)
    with pytest.raises(UsageError, match=r"row 1: unknown kind 'deaths' after 'unrecorded:'; allowed: pakistan_fire"):
        em.load_sequence(bad)
    good = tmp_path / "b.sequence.csv"
    good.write_text("# unrecorded: reopening\n" + HEADER + "0,bilateral,closure,u\n3,bilateral,talks,v\n")
    seq = em.load_sequence(good, horizon=30)
    assert seq.unrecorded == {"reopening"} and seq.rows == ((0, "bilateral", "closure", "u"), (3, "bilateral", "talks", "v"))


def test_every_case_has_a_sequence_whose_day_0_holds_its_trigger_and_which_reproduces_its_observed_facts(
        episodes, sequences):
    assert len(sequences) == 17
    for e in episodes:
        seq = sequences[e.id]
        assert all(source for *_, source in seq.rows)
        trigger = em.trigger_counts(e)
        assert trigger.sum() > 0 and np.all(seq.counts(e.targets.horizon)[0] >= trigger), e.id
        held = em.sequence_facts(em.observed_counts(e, seq), e.targets)[:, 0]
        for target, value in zip(e.targets.targets, held, strict=True):
            if em.expressible(target):
                assert bool(value) == target.observed, f"{e.id} {target.name}: the coding contradicts the fact"


def test_which_facts_a_sequence_can_express(episodes):
    names = {t.name: em.expressible(t) for e in episodes for t in e.targets.targets}
    for name in ("other_state_answers_1d", "pakistan_fires_7d", "pakistan_airstrike_7d", "afghan_strikes_back_7d",
                 "fighting_3_days_or_more", "crossing_closes_3d", "closure_over_3d", "closure_over_7d",
                 "talks_within_30d", "kabul_strike", "taliban_retaliation", "pakistan_counterstrike", "kabul_rarity"):
        assert names[name], name
    for name in ("pakistani_dead_in_fighting", "afghan_dead_in_fighting", "qatar_mediation", "taliban_halt",
                 "crossings_closed", "quiet_after_halt", "acknowledged_pakistan", "ttp_attack_rate"):
        assert not names[name], name


def _scripted(horizon: int, events: list[tuple[int, str]]) -> np.ndarray:
    counts = np.zeros((horizon, len(em.SERIES_NAMES), 1))
    for day, series in events:
        counts[day, em.SERIES_NAMES.index(series), 0] += 1
    return counts


def test_fact_functions_on_scripted_sequences(episodes):
    e05 = next(e for e in episodes if e.id == "E05")  # Afghan fire on day 0 (the trigger)
    names = e05.targets.names()

    def facts(events):
        return dict(zip(names, em.sequence_facts(_scripted(30, [(0, "afghanistan_fire"), *events]), e05.targets)[:, 0],
                        strict=True))

    quiet = facts([])
    assert not quiet["other_state_answers_1d"] and not quiet["crossing_closes_3d"] and not quiet["talks_within_30d"]
    assert facts([(1, "pakistan_fire")])["other_state_answers_1d"]
    assert not facts([(2, "pakistan_fire")])["other_state_answers_1d"]
    assert facts([(3, "pakistan_airstrike")])["pakistan_airstrike_7d"]
    assert not facts([(8, "pakistan_airstrike")])["pakistan_airstrike_7d"]
    three = facts([(0, "closure"), (3, "reopening")])  # closed at the end of days 0, 1, 2
    assert three["crossing_closes_3d"] and not three["closure_over_3d"] and not three["closure_over_7d"]
    eight = facts([(2, "closure"), (10, "reopening")])
    assert eight["crossing_closes_3d"] and eight["closure_over_3d"] and eight["closure_over_7d"]
    assert not facts([(3, "closure")])["crossing_closes_3d"]
    fights = facts([(4, "pakistan_fire"), (9, "afghanistan_fire")])
    assert fights["fighting_3_days_or_more"] and not facts([(4, "pakistan_fire")])["fighting_3_days_or_more"]
    assert facts([(29, "talks")])["talks_within_30d"]


def _case(i: int, counts: np.ndarray, trigger: np.ndarray) -> em.Case:
    return em.Case(f"s{i}", "fire", trigger, len(counts), counts)


def test_the_fit_recovers_the_excitation_of_a_known_self_exciting_process():
    truth = np.zeros((len(em.RESPONSES), len(em.COEFFICIENTS)))
    truth[:, 0] = -3.5
    answer = em.COEFFICIENTS.index("excite_pakistan_fire")
    truth[em.RESPONSES.index("afghanistan_fire"), answer] = 2.0          # Afghan fire answers Pakistani fire
    truth[em.RESPONSES.index("pakistan_fire"), em.COEFFICIENTS.index("excite_afghanistan_fire")] = 1.0
    truth[em.RESPONSES.index("talks"), answer] = -1.0                    # and fire puts talks off
    model = em.EventModel(truth, ("truth",))
    trigger = np.zeros(len(em.SERIES_NAMES))
    trigger[em.SERIES_NAMES.index("pakistan_fire")] = 1
    blind = em.Case("x", "fire", trigger, 30, None)
    sims = em.simulate(model, blind, 600, np.random.default_rng(4))
    sims[0] -= trigger[:, None]
    fitted = em.fit([_case(i, sims[:, :, i], trigger) for i in range(sims.shape[2])])
    assert fitted.coefficient("afghanistan_fire", "excite_pakistan_fire") == pytest.approx(2.0, abs=0.4)
    assert fitted.coefficient("pakistan_fire", "excite_afghanistan_fire") == pytest.approx(1.0, abs=0.4)
    assert fitted.coefficient("talks", "excite_pakistan_fire") < 0
    assert abs(fitted.coefficient("pakistan_fire", "excite_talks")) < 0.7
    assert fitted.coefficient("afghanistan_fire", "intercept") == pytest.approx(-3.5, abs=0.4)


@pytest.fixture(scope="module")
def few(episodes):
    return [e for e in episodes if e.id in ("E03", "E05", "E09", "E11", "E13", "E18")]


def test_a_held_out_case_is_forecast_without_its_own_sequence(few, sequences):
    chosen = {e.id: sequences[e.id] for e in few}
    base = em.leave_one_out(few, 0, n=300, sequences=chosen)
    changed = dict(chosen)
    fire_every_day = tuple((d, a, "fire", "invented") for d in range(30) for a in ("pakistan", "afghanistan"))
    changed["E03"] = em.Sequence("invented", fire_every_day)
    again = em.leave_one_out(few, 0, n=300, sequences=changed)
    np.testing.assert_array_equal(again.probabilities["E03"], base.probabilities["E03"])
    assert "E03" not in base.fitted_on["E03"] and "E03" in base.fitted_on["E05"]
    assert not np.allclose(again.probabilities["E05"], base.probabilities["E05"], equal_nan=True)


def test_same_seed_same_probabilities_and_the_fallback_is_marked(few, sequences):
    chosen = {e.id: sequences[e.id] for e in few}
    one = em.leave_one_out(few, 3, n=200, sequences=chosen).probabilities
    two = em.leave_one_out(few, 3, n=200, sequences=chosen).probabilities
    other = em.leave_one_out(few, 4, n=200, sequences=chosen).probabilities
    for e in few:
        np.testing.assert_array_equal(one[e.id], two[e.id])
        expressible = np.array([em.expressible(t) for t in e.targets.targets])
        assert np.all(np.isnan(one[e.id]) == ~expressible)
        p = one[e.id][expressible]
        assert np.all((p >= 0.5 / 201) & (p <= 200.5 / 201))
    assert any(not np.array_equal(one[e.id], other[e.id], equal_nan=True) for e in few)


def test_without_any_sequence_every_fact_falls_back(few):
    out = em.leave_one_out(few, 0, n=50, sequences={e.id: None for e in few})
    assert all(np.isnan(p).all() for p in out.probabilities.values())
