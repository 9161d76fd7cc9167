"""`escalation run` end to end, in a real subprocess."""

from __future__ import annotations

import csv
import json

import pytest
from conftest import DEFAULT, escalation


def test_run_prints_a_timeline_with_the_crisis_in_it():
    proc = escalation("run", str(DEFAULT), "--seed", "1")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "airstrike capital" in out and "Kabul" in out
    assert "Outcome:" in out
    assert "call for restraint" in out


@pytest.mark.slow
def test_run_json_parses_and_has_the_documented_fields():
    proc = escalation("run", str(DEFAULT), "--seed", "1", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert {"scenario", "seed", "outcome", "events", "summary"} <= set(data)
    assert data["outcome"] in ("deescalated", "contained", "war", "calm")
    first = data["events"][0]
    assert {"day", "actor", "action", "target", "location", "deaths_true", "deaths_claimed"} <= set(first)
    assert first == {"day": 0, "actor": "pakistan", "action": "airstrike_capital", "target": "afghanistan",
                     "location": "kabul", "deaths_true": first["deaths_true"], "deaths_claimed": first["deaths_claimed"]}


@pytest.mark.slow
def test_same_seed_same_bytes_and_other_seed_differs():
    a = escalation("run", str(DEFAULT), "--seed", "5", "--json").stdout
    b = escalation("run", str(DEFAULT), "--seed", "5", "--json").stdout
    c = escalation("run", str(DEFAULT), "--seed", "6", "--json").stdout
    assert a == b and a != c
    t1 = escalation("run", str(DEFAULT), "--seed", "5").stdout
    assert t1 == escalation("run", str(DEFAULT), "--seed", "5").stdout


@pytest.mark.slow
def test_days_limits_the_run():
    data = json.loads(escalation("run", str(DEFAULT), "--days", "3", "--json").stdout)
    assert max(e["day"] for e in data["events"]) <= 2 and data["summary"]["days"] == 3


@pytest.mark.slow
def test_out_writes_events_series_and_figure(tmp_path):
    out = tmp_path / "run1"
    proc = escalation("run", str(DEFAULT), "--seed", "2", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    with open(out / "events.csv") as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["action"] == "airstrike_capital" and rows[0]["date"] == "2025-10-09"
    with open(out / "series.csv") as f:
        series = list(csv.DictReader(f))
    assert len(series) == 90 and series[0]["day"] == "0"
    assert (out / "ladder.png").stat().st_size > 10_000
    assert not list(out.glob(".*.tmp"))

