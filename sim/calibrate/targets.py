"""Calibration targets as data: the seed article's facts that a run can be held against.

A targets file (``scenarios/targets/*.toml``) lists event, absence, count and rate targets
and order constraints; the format is documented in the file itself and in
docs/CALIBRATION.md. Every mistake in it is a ``ScenarioError`` naming the file, the key and
what is allowed, so the CLI prints one line and exits with status 2.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..io import read_limited
from ..ladder import Action
from ..parameters import PARTIES
from ..scenario import (
    MAX_SCENARIO_BYTES,
    NAME_PATTERN,
    NAME_RULE,
    Scenario,
    ScenarioError,
    load_scenario,
    resolve_scenario_path,
)

KINDS = ("event", "absent", "count", "rate", "threshold", "level")
RELATIONS = ("about", "at_least")
#: Per-run figures a count or rate target may follow (keys of ``EscalationModel.summary()``).
QUANTITIES = ("acknowledged_pakistan", "acknowledged_afghanistan", "claimed_by_pakistan", "claimed_by_afghanistan",
              "deaths_true_pakistan", "deaths_true_afghanistan", "deaths_true", "deaths_claimed",
              "ttp_attacks", "ttp_deaths", "closed_days", "kinetic_days", "crossings_closed", "at_war")
#: Quantities that are a state, not a running total: a ``threshold`` on their rise means little, a
#: ``level`` (the figure at the end of the window) is what to ask of them.
STATE_QUANTITIES = ("crossings_closed", "at_war")
_COMMON = {"name", "kind", "window", "sequence", "weight", "source", "observed"}
FIELDS = {
    "event": _COMMON | {"actor", "actors", "actions", "since", "min_count"},
    "absent": _COMMON | {"actors", "actions"},
    "count": _COMMON | {"quantity", "value", "relation", "tolerance"},
    "rate": _COMMON | {"quantity", "per_day", "tolerance"},
    "threshold": _COMMON | {"quantity", "value"},
    "level": _COMMON | {"quantity", "value"},
}
ORDER_FIELDS = {"first", "then", "strict", "source"}


@dataclass(frozen=True)
class Target:
    """One fact of the article; which fields matter depends on ``kind``."""

    name: str
    kind: str
    window: tuple[int, int]
    source: str
    actors: tuple[str, ...] = ()
    actions: tuple[Action, ...] = ()
    since: int = 0
    min_count: int = 1
    quantity: str = ""
    value: float = 0.0
    relation: str = "about"
    tolerance: float = 0.0
    sequence: bool = False
    weight: float = 1.0
    observed: bool = True  # the answer the sources give: did the described fact hold?


@dataclass(frozen=True)
class Order:
    """The first day of event ``first`` is not after (``strict``: is before) that of ``then``."""

    first: str
    then: str
    strict: bool
    source: str


@dataclass(frozen=True)
class Targets:
    """A validated targets file."""

    name: str
    horizon: int
    targets: tuple[Target, ...]
    orders: tuple[Order, ...]
    source: str
    scenario_path: str = ""

    def names(self) -> list[str]:
        return [t.name for t in self.targets]

    def sequence(self) -> list[Target]:
        """The targets that make up the ordered sequence."""
        return [t for t in self.targets if t.sequence]

    def pairs(self) -> list[tuple[str, Action]]:
        """Every (actor, action) pair some target watches, in a stable order."""
        seen: dict[tuple[str, Action], None] = {}
        for t in self.targets:
            for actor in t.actors:
                for action in t.actions:
                    seen[(actor, action)] = None
        return list(seen)

    def quantities(self) -> list[str]:
        return sorted({t.quantity for t in self.targets if t.quantity})

    def check_scenario(self, scenario: Scenario) -> None:
        """A scenario can be held against these targets only if it runs long enough."""
        if scenario.horizon_days < self.horizon:
            raise ScenarioError(self.source, "targets.horizon_days",
                                f"{self.horizon} days exceed the horizon of {scenario.source} "
                                f"({scenario.horizon_days} days)")


def _suggest(value: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(value, allowed, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def load_targets(path: str | Path, scenario: Scenario | None = None) -> Targets:
    """Read and validate a targets file.

    Actors are checked against ``scenario`` (or the scenario the file names): the two states,
    the TTP, India and the mediators it declares. ``path`` may also name a shipped targets
    file (``"october_2025"``).
    """
    path = resolve_scenario_path(path, kind="targets")
    source = str(path)
    try:
        data = tomllib.loads(read_limited(path, MAX_SCENARIO_BYTES, "targets file").decode("utf-8"))
    except UsageError as err:
        raise ScenarioError(source, "", str(err).removeprefix(f"{path}: ")) from None
    except UnicodeDecodeError:
        raise ScenarioError(source, "", "not a UTF-8 text file") from None
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(source, "", f"not valid TOML ({err})") from None
    for key in data:
        if key not in ("targets", "target", "order"):
            raise ScenarioError(source, key, "unknown section; allowed: [targets], [[target]], [[order]]")
    meta = data.get("targets", {})
    if not isinstance(meta, dict):
        raise ScenarioError(source, "targets", "expected a table")
    for key in meta:
        if key not in ("name", "scenario", "horizon_days", "source"):
            raise ScenarioError(source, f"targets.{key}", "unknown key; allowed: name, scenario, horizon_days, source")
    horizon = meta.get("horizon_days")
    if isinstance(horizon, bool) or not isinstance(horizon, int) or not 1 <= horizon <= 3650:
        raise ScenarioError(source, "targets.horizon_days", f"got {horizon!r}, expected an integer in [1, 3650]")
    scenario_path = meta.get("scenario", "")
    if not isinstance(scenario_path, str):
        raise ScenarioError(source, "targets.scenario", "expected the path of a scenario file")
    if scenario_path:
        scenario_path = str((path.parent / scenario_path).resolve())
        if not Path(scenario_path).is_file():
            raise ScenarioError(source, "targets.scenario", f"no such scenario file {meta['scenario']!r} "
                                "(relative to this file)")
        if scenario is None:
            scenario = load_scenario(scenario_path)
    actors = list(scenario.actors) if scenario is not None else [*PARTIES, "ttp", "india"]
    if scenario is not None:
        actors += [m for m in scenario.table.get("mediators", {}) if m not in actors]
    entries = data.get("target", [])
    if not isinstance(entries, list) or not entries:
        raise ScenarioError(source, "target", "expected at least one [[target]] table")
    targets = [_target(entry, i, horizon, actors, source) for i, entry in enumerate(entries)]
    names = [t.name for t in targets]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise ScenarioError(source, f"target[{i}].name", f"duplicate target name {name!r}")
    orders = [_order(entry, i, targets, source) for i, entry in enumerate(_list(data.get("order", []), "order", source))]
    return Targets(str(meta.get("name", path.stem)), horizon, tuple(targets), tuple(orders), source, scenario_path)


def _list(value: Any, key: str, source: str) -> list[Any]:
    if not isinstance(value, list):
        raise ScenarioError(source, key, f"expected an array of tables ([[{key}]])")
    return value


def _target(entry: Any, i: int, horizon: int, actors: list[str], source: str, section: str = "target") -> Target:
    """One ``[[target]]`` table (``section``: the name its keys are reported under, e.g. ``question``)."""
    where = f"{section}[{i}]"
    if not isinstance(entry, dict):
        raise ScenarioError(source, where, "expected a table")
    name = entry.get("name")
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):  # names become CSV columns and JSON keys
        raise ScenarioError(source, f"{where}.name", f"got {name!r}, expected a name of {NAME_RULE}")
    where = f"{section}.{name}"
    kind = entry.get("kind")
    if kind not in KINDS:
        raise ScenarioError(source, f"{where}.kind", f"got {kind!r}, expected one of {', '.join(KINDS)}")
    for key in entry:
        if key not in FIELDS[kind]:
            # a question's wording is its text; what only calibration reads is not a question's key
            allowed = sorted(FIELDS[kind] if section != "question" else
                             (FIELDS[kind] - {"observed", "source", "sequence", "weight"}) | {"text"})
            raise ScenarioError(source, f"{where}.{key}", f"unknown key for a {kind} {section}; allowed: "
                                f"{', '.join(allowed)}{_suggest(key, allowed)}")
    text = entry.get("source")
    if not isinstance(text, str) or not text.strip():
        raise ScenarioError(source, f"{where}.source", "every target needs its source sentence, paraphrased")
    window = _window(entry.get("window"), horizon, f"{where}.window", source)
    in_sequence = _bool(entry.get("sequence", False), f"{where}.sequence", source)
    observed = _bool(entry.get("observed", True), f"{where}.observed", source)
    # a missed step of the sequence must cost more than the whole tolerance (sim.calibrate.distance)
    common: dict[str, Any] = {"name": name, "kind": kind, "window": window, "source": text, "sequence": in_sequence,
                              "observed": observed,
                              "weight": _number(entry.get("weight", 1.0), f"{where}.weight", source,
                                                1.0 if in_sequence else 0.0)}
    if kind in ("event", "absent"):
        # an event is one actor's (``actor``) or any of several's (``actors``); an absence is several's
        several = kind == "absent" or "actors" in entry
        if kind == "event" and ("actor" in entry) == ("actors" in entry):
            raise ScenarioError(source, f"{where}.actor", "an event target needs either actor = \"NAME\" or "
                                "actors = [\"NAME\", ...] (any of several), not both")
        who = entry.get("actors") if several else [entry.get("actor")]
        if several and (not isinstance(who, list) or not who):
            raise ScenarioError(source, f"{where}.actors", "expected a non-empty list of actors")
        for actor in who:
            if actor not in actors:
                key = f"{where}.actors" if several else f"{where}.actor"
                raise ScenarioError(source, key, f"unknown actor {actor!r}{_suggest(str(actor), actors)}; "
                                    f"allowed: {', '.join(actors)}")
        acts = entry.get("actions")
        if not isinstance(acts, list) or not acts:
            raise ScenarioError(source, f"{where}.actions", "expected a non-empty list of actions")
        keys = [a.key for a in Action]
        for act in acts:
            if act not in keys:
                raise ScenarioError(source, f"{where}.actions", f"unknown event type {act!r}"
                                    f"{_suggest(str(act), keys)}; allowed: {', '.join(keys)}")
        common.update(actors=tuple(who), actions=tuple(Action.from_key(a) for a in acts))
        if kind == "event":
            since = entry.get("since", 0)
            if isinstance(since, bool) or not isinstance(since, int) or not 0 <= since <= window[0]:
                raise ScenarioError(source, f"{where}.since", f"got {since!r}, expected an integer in [0, {window[0]}]"
                                    " (the day from which the first occurrence is sought, at most the window start)")
            min_count = entry.get("min_count", 1)
            if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
                raise ScenarioError(source, f"{where}.min_count", f"got {min_count!r}, expected an integer >= 1")
            common.update(since=since, min_count=min_count)
        return Target(**common)
    quantity = entry.get("quantity")
    if quantity not in QUANTITIES:
        raise ScenarioError(source, f"{where}.quantity", f"got {quantity!r}{_suggest(str(quantity), list(QUANTITIES))};"
                            f" allowed: {', '.join(QUANTITIES)}")
    if kind == "level":  # is the figure at least value at the end of the window (e.g. crossings still closed)?
        common.update(quantity=quantity, value=_number(entry.get("value"), f"{where}.value", source, 0.0,
                                                       positive=True))
        return Target(**common)
    if quantity in STATE_QUANTITIES:
        raise ScenarioError(source, f"{where}.quantity", f"{quantity!r} is a state (its value each day), not a running "
                            "total: ask it with kind = \"level\" (the value at the end of the window)")
    if kind == "threshold":  # a question: does the figure rise by at least value over the window?
        common.update(quantity=quantity, value=_number(entry.get("value"), f"{where}.value", source, 0.0,
                                                       positive=True))
        return Target(**common)
    tolerance = entry.get("tolerance")
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or not 0 < tolerance <= 10:
        raise ScenarioError(source, f"{where}.tolerance", f"got {tolerance!r}, expected a number in (0, 10] "
                            "(relative: accepted within a factor 1 + tolerance)")
    common.update(quantity=quantity, tolerance=float(tolerance))
    if kind == "count":
        relation = entry.get("relation", "about")
        if relation not in RELATIONS:
            raise ScenarioError(source, f"{where}.relation", f"got {relation!r}, expected one of {', '.join(RELATIONS)}")
        common.update(value=_number(entry.get("value"), f"{where}.value", source, 0.0, positive=True),
                      relation=relation)
    else:
        common.update(value=_number(entry.get("per_day"), f"{where}.per_day", source, 0.0, positive=True))
    return Target(**common)


def _window(value: Any, horizon: int, key: str, source: str) -> tuple[int, int]:
    if (not isinstance(value, list) or len(value) != 2
            or any(isinstance(v, bool) or not isinstance(v, int) for v in value)):
        raise ScenarioError(source, key, f"got {value!r}, expected [start_day, end_day] (integers)")
    start, end = value
    if start > end:
        raise ScenarioError(source, key, f"impossible window: start {start} is after end {end}")
    if start < 0 or end >= horizon:
        table = "questions" if key.startswith("question") else "targets"  # the table that sets the days
        raise ScenarioError(source, key, f"window {value} outside days 0..{horizon - 1} ({table}.horizon_days)")
    return start, end


def _bool(value: Any, key: str, source: str) -> bool:
    if not isinstance(value, bool):
        raise ScenarioError(source, key, f"got {value!r}, expected true or false")
    return value


def _number(value: Any, key: str, source: str, low: float, positive: bool = False) -> float:
    ok = not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value) and (
        value > low if positive else value >= low)
    if not ok:
        raise ScenarioError(source, key, f"got {value!r}, expected a finite number {'>' if positive else '>='} {low:g}")
    return float(value)


def _order(entry: Any, i: int, targets: list[Target], source: str) -> Order:
    where = f"order[{i}]"
    if not isinstance(entry, dict):
        raise ScenarioError(source, where, "expected a table")
    for key in entry:
        if key not in ORDER_FIELDS:
            raise ScenarioError(source, f"{where}.{key}", f"unknown key; allowed: {', '.join(sorted(ORDER_FIELDS))}")
    events = [t.name for t in targets if t.kind == "event"]
    for key in ("first", "then"):
        if entry.get(key) not in events:
            raise ScenarioError(source, f"{where}.{key}", f"got {entry.get(key)!r}, expected the name of an event "
                                f"target{_suggest(str(entry.get(key)), events)}")
    if entry["first"] == entry["then"]:
        raise ScenarioError(source, where, "an order needs two different events")
    strict = _bool(entry.get("strict", False), f"{where}.strict", source)
    return Order(entry["first"], entry["then"], strict, str(entry.get("source", "")))
