"""Observed events as data: a CSV of what has been reported so far, turned into targets a run must meet.

Two layouts are read, told apart by their header:

* the project's own event table, the columns ``escalation run --out`` writes (``day`` and/or
  ``date``, ``actor``, ``action``, ``target``, ``location``, ``deaths_true``, ``deaths_claimed``,
  ``count``). An ``action`` cell may list alternatives separated by ``|``
  (``raid_border_posts|cross_border_fire``): a report that does not say which of them happened;
* an export in ACLED's column layout (``event_date``, ``event_type``, ``sub_event_type``,
  ``actor1``, ``actor2``, ``admin1``, ``location``, ``fatalities``, ``notes``), mapped onto the
  ladder's actions, the model's actors and its places by a mapping table that is itself data
  (``sim/scenarios/forecast/acled_mapping.toml``; ``MappingTable`` documents it).

Every row that cannot be used is one ``UsageError`` naming the file, the row and what is allowed.
Nothing in a file is evaluated: cells are compared with strings of the mapping, never run.

**What "reproduces the observation" means** (``observation_targets``), stated once here:

* every reported event (actor, one of its actions, day d) is matched by at least as many acts of
  that actor and kind within ``tolerance`` days of d as were reported that day (a report can
  date an act a day late: a night's halt announced in the morning);
* reporting of force between the two states, of closures and reopenings of crossings and of
  formal ceasefires is taken as complete (``COMPLETE_ACTIONS``): a run in which a state does one
  of these on a day further than ``tolerance`` from every report of it does not reproduce what
  was observed. Statements, halts, talks, mediators' offers and TTP attacks are not: a run may
  do more of them than was reported (the news does not list every TTP attack);
* places, targets and casualty figures are recorded but not conditioned on.

The result is a ``Targets`` of the calibration's vocabulary (event and absent targets, all
``observed = true``), so a run meets the observation exactly when it meets all these targets
(``sim.calibrate.distance.facts``).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..calibrate.targets import Target, Targets
from ..errors import UsageError
from ..geography import PLACES
from ..io import read_limited
from ..ladder import ACTION_KEYS, Action
from ..parameters import PARTIES
from ..scenario import Scenario

#: Where the shipped events files, mapping tables and questions files live (package data).
FORECAST_DIR = Path(__file__).resolve().parent.parent / "scenarios" / "forecast"
DEFAULT_MAPPING = FORECAST_DIR / "acled_mapping.toml"
MAX_EVENTS_BYTES = 16 << 20
PROJECT_COLUMNS = ("day", "date", "actor", "action", "target", "location", "deaths_true", "deaths_claimed", "count")
ACLED_COLUMNS = ("event_date", "event_type", "sub_event_type", "actor1", "actor2", "admin1", "location",
                 "fatalities", "notes")
#: What the news reports completely between the two states (module docstring).
COMPLETE_ACTIONS = (Action.CROSS_BORDER_FIRE, Action.CEASEFIRE_VIOLATED, Action.RAID_BORDER_POSTS,
                    Action.AIRSTRIKE_BORDER_PROVINCE, Action.AIRSTRIKE_CAPITAL, Action.SUSTAINED_CAMPAIGN,
                    Action.CLOSE_CROSSING, Action.REOPEN_CROSSING, Action.CEASEFIRE_DECLARED)


@dataclass(frozen=True)
class ObservedEvent:
    """One reported event, mapped: ``actions`` are the ladder's actions it may be (any of them)."""

    row: int                      # the file's row number (the header is row 1)
    day: int                      # days from the scenario's start_date
    actor: str
    actions: tuple[Action, ...]
    target: str = ""
    place: str = ""
    deaths: float = 0.0
    count: int = 1


@dataclass(frozen=True)
class ObservedEvents:
    """The events of one file, in file order, with what identifies the file."""

    source: str
    layout: str                   # "project" or "acled"
    events: tuple[ObservedEvent, ...]
    sha256: str
    mapping: str = ""             # the mapping table's path (ACLED layout)
    mapping_sha256: str = ""

    @property
    def last_day(self) -> int:
        return max(e.day for e in self.events)


def resolve_forecast_file(text: str | Path, what: str) -> Path:
    """An existing path, else a file shipped in ``sim/scenarios/forecast/`` of that name."""
    path = Path(text)
    if path.exists() or "/" in str(text):
        return path
    shipped = FORECAST_DIR / str(text)
    if shipped.is_file():
        return shipped
    names = sorted(p.name for p in FORECAST_DIR.glob("*") if p.is_file())
    raise UsageError(f"{text}: no such {what}, nor a shipped one of that name; shipped: {', '.join(names)}")


def _read_text(path: Path, what: str) -> tuple[str, bytes]:
    data = read_limited(path, MAX_EVENTS_BYTES, what)
    try:
        return data.decode("utf-8-sig"), data
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not a UTF-8 text file") from None


def _date(text: str, scenario: Scenario, where: str) -> int:
    """Days from the scenario's start to an ISO date (2025-10-09) or ACLED's '09 October 2025'."""
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d %B %Y", "%d-%B-%Y"):
        try:
            day = dt.datetime.strptime(text, fmt).date()
            break
        except ValueError:
            continue
    else:
        raise UsageError(f"{where}: date {text!r} is not a date; allowed: YYYY-MM-DD or DD Month YYYY")
    offset = (day - dt.date.fromisoformat(scenario.start_date)).days
    if offset < 0:
        raise UsageError(f"{where}: date {text} is before the scenario's start {scenario.start_date}; "
                         "only events on or after it can be conditioned on")
    return offset


def read_events(path: str | Path, scenario: Scenario, mapping: str | Path | None = None) -> ObservedEvents:
    """Read an events file in either layout (module docstring), checked row by row against ``scenario``."""
    path = resolve_forecast_file(path, "file of observed events")
    text, data = _read_text(path, "file of observed events")
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise UsageError(f"{path}: empty; expected a header row and one row per event") from None
    except csv.Error as err:
        raise UsageError(f"{path}: row 1: not CSV ({err})") from None
    columns = set(header)
    if {"event_date", "event_type"} <= columns:
        table = MappingTable.load(mapping or DEFAULT_MAPPING, scenario)
        missing = [c for c in ACLED_COLUMNS if c not in columns and c not in ("admin1", "location", "notes",
                                                                                "actor2", "fatalities")]
        layout = "acled"
    elif {"actor", "action"} <= columns and columns & {"day", "date"}:
        table, missing, layout = None, [], "project"
        unknown = [c for c in header if c not in PROJECT_COLUMNS]
        if unknown or len(set(header)) != len(header):
            twice = sorted({c for c in header if header.count(c) > 1})
            raise UsageError(f"{path}: row 1: " + (f"unknown column {unknown[0]!r}" if unknown else
                                                    f"column {twice[0]!r} named twice")
                             + f"; the project's event table has {', '.join(PROJECT_COLUMNS)}")
        if mapping is not None:
            raise UsageError(f"--mapping {mapping}: only used for an events file in ACLED's layout; {path} is in the "
                             "project's own layout (day/date, actor, action, ...)")
    else:
        raise UsageError(f"{path}: row 1: header {', '.join(header)!s} is neither the project's event table "
                         f"({', '.join(PROJECT_COLUMNS)}: at least day or date, actor, action) nor ACLED's layout "
                         f"({', '.join(ACLED_COLUMNS)})")
    if missing:
        raise UsageError(f"{path}: row 1: missing column(s) {', '.join(missing)}; ACLED's layout has "
                         f"{', '.join(ACLED_COLUMNS)}")
    events = []
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                raise UsageError(f"{path}: row {number}: {len(cells)} cells for {len(header)} columns")
            row = dict(zip(header, (c.strip() for c in cells), strict=True))
            where = f"{path}: row {number}"
            events.append(table.map_row(row, number, where, scenario) if table is not None
                          else _project_row(row, number, where, scenario))
    except csv.Error as err:
        raise UsageError(f"{path}: row {reader.line_num}: not CSV ({err})") from None
    if not events:
        raise UsageError(f"{path}: no events after the header; a forecast needs at least one observed event")
    return ObservedEvents(str(path), layout, tuple(events), hashlib.sha256(data).hexdigest(),
                          str(table.source) if table else "", table.sha256 if table else "")


def _project_row(row: dict[str, str], number: int, where: str, scenario: Scenario) -> ObservedEvent:
    day = None
    if row.get("day"):
        day = _int(row["day"], f"{where}, column day", 0)
    if row.get("date"):
        from_date = _date(row["date"], scenario, f"{where}, column date")
        if day is not None and day != from_date:
            raise UsageError(f"{where}: day {day} and date {row['date']} disagree (day 0 is {scenario.start_date})")
        day = from_date
    if day is None:
        raise UsageError(f"{where}: neither day nor date given; one of them is needed")
    actor = row["actor"]
    if actor not in scenario.actors:
        raise UsageError(f"{where}, column actor: unknown actor {actor!r}; allowed: {', '.join(scenario.actors)}")
    actions = _actions(row["action"].split("|"), f"{where}, column action")
    target = row.get("target", "")
    if target and target not in (*scenario.actors, "both"):  # "both": the two states, as the event log writes it
        raise UsageError(f"{where}, column target: unknown actor {target!r}; allowed: {', '.join(scenario.actors)}, "
                         "both or empty")
    place = row.get("location", "")
    if place and place not in PLACES:
        raise UsageError(f"{where}, column location: unknown place {place!r}; allowed: {', '.join(PLACES)} or empty")
    deaths = _number(row.get("deaths_true", "") or "0", f"{where}, column deaths_true")
    count = _int(row.get("count", "") or "1", f"{where}, column count", 1)
    return ObservedEvent(number, day, actor, actions, target, place, deaths, count)


def _actions(keys: list[str], where: str) -> tuple[Action, ...]:
    out = []
    for key in (k.strip() for k in keys):
        if key not in ACTION_KEYS:
            raise UsageError(f"{where}: unknown action {key!r}; allowed: {', '.join(ACTION_KEYS)} "
                             "(alternatives separated by |)")
        out.append(Action.from_key(key))
    return tuple(dict.fromkeys(out))


def _int(text: str, where: str, low: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"{where}: {text!r} is not a whole number (at least {low})") from None
    if value < low:
        raise UsageError(f"{where}: {value} is below {low}")
    return value


def _number(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{where}: {text!r} is not a number (>= 0)") from None
    if not value >= 0 or value == float("inf"):
        raise UsageError(f"{where}: {text!r} is not a finite number >= 0")
    return value


@dataclass(frozen=True)
class Rule:
    """ACLED (event_type, sub_event_type[, actor1][, places][, words of the notes]) -> actions."""

    index: int
    event_type: str
    sub_event_type: str          # "" = any
    actor1: tuple[str, ...]      # model actors; () = any
    places: tuple[str, ...]      # model places; () = any
    notes_any: tuple[str, ...]   # lower-case words, one of which the notes must contain; () = any
    actions: tuple[Action, ...]

    def matches(self, row: dict[str, str], actor: str, place: str) -> bool:
        notes = row.get("notes", "").lower()
        return (row["event_type"] == self.event_type
                and (not self.sub_event_type or row.get("sub_event_type", "") == self.sub_event_type)
                and (not self.actor1 or actor in self.actor1)
                and (not self.places or place in self.places)
                and (not self.notes_any or any(word in notes for word in self.notes_any)))

    def describe(self) -> str:
        return self.event_type + (f" / {self.sub_event_type}" if self.sub_event_type else "")


@dataclass(frozen=True)
class MappingTable:
    """How ACLED's rows map onto the model (a TOML file; the shipped one documents the format).

    ``[actors]`` maps ACLED actor names (``actor1``, ``actor2``) to the model's actors;
    ``[places]`` maps a ``location`` or an ``admin1`` name to a place of ``sim.geography``;
    ``[[rule]]`` tables are tried in order, the first that matches a row gives its actions:
    ``event_type`` (required), ``sub_event_type``, ``actor1`` (model actors), ``places``,
    ``notes_any`` (words of the notes, case-insensitive) and ``actions`` (ladder keys, any of).
    """

    source: str
    sha256: str
    actors: dict[str, str]
    places: dict[str, str]
    rules: tuple[Rule, ...]

    @classmethod
    def load(cls, path: str | Path, scenario: Scenario) -> MappingTable:
        path = resolve_forecast_file(path, "mapping table")
        text, data = _read_text(path, "mapping table")
        try:
            table = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise UsageError(f"{path}: not valid TOML ({err})") from None
        for key in table:
            if key not in ("mapping", "actors", "places", "rule"):
                raise UsageError(f"{path}: key '{key}': unknown section; allowed: [mapping], [actors], [places], "
                                 "[[rule]]")
        actors = _string_table(table.get("actors", {}), "actors", path)
        for name, actor in actors.items():
            if actor not in scenario.actors:
                raise UsageError(f"{path}: key 'actors.{name}': {actor!r} is not an actor of {scenario.name}; "
                                 f"allowed: {', '.join(scenario.actors)}")
        places = _string_table(table.get("places", {}), "places", path)
        for name, place in places.items():
            if place not in PLACES:
                raise UsageError(f"{path}: key 'places.{name}': unknown place {place!r}; allowed: {', '.join(PLACES)}")
        entries = table.get("rule", [])
        if not isinstance(entries, list) or not entries:
            raise UsageError(f"{path}: key 'rule': expected at least one [[rule]] table")
        rules = tuple(_rule(entry, i, path, scenario) for i, entry in enumerate(entries))
        return cls(str(path), hashlib.sha256(data).hexdigest(), actors, places, rules)

    def map_row(self, row: dict[str, str], number: int, where: str, scenario: Scenario) -> ObservedEvent:
        day = _date(row["event_date"], scenario, f"{where}, column event_date")
        name = row.get("actor1", "")
        if name not in self.actors:
            raise UsageError(f"{where}, column actor1: {name!r} is not in the [actors] of {self.source}; "
                             f"known: {', '.join(self.actors)}")
        actor = self.actors[name]
        place = self.places.get(row.get("location", ""), "") or self.places.get(row.get("admin1", ""), "")
        for rule in self.rules:
            if rule.matches(row, actor, place):
                deaths = _number(row.get("fatalities", "") or "0", f"{where}, column fatalities")
                return ObservedEvent(number, day, actor, rule.actions, self.actors.get(row.get("actor2", ""), ""),
                                     place, deaths)
        covered = ", ".join(dict.fromkeys(r.describe() for r in self.rules))
        raise UsageError(f"{where}: no [[rule]] of {self.source} maps event_type {row['event_type']!r} / "
                         f"sub_event_type {row.get('sub_event_type', '')!r} by {actor} at {place or 'an unmapped place'}"
                         f"; the rules cover: {covered}")


def _string_table(value: Any, key: str, path: Path) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise UsageError(f"{path}: key '{key}': expected a table of \"NAME\" = \"model name\" strings")
    return dict(value)


RULE_KEYS = ("event_type", "sub_event_type", "actor1", "places", "notes_any", "actions")


def _rule(entry: Any, i: int, path: Path, scenario: Scenario) -> Rule:
    where = f"{path}: key 'rule[{i}]"
    if not isinstance(entry, dict):
        raise UsageError(f"{where}': expected a table")
    for key in entry:
        if key not in RULE_KEYS:
            raise UsageError(f"{where}.{key}': unknown key; allowed: {', '.join(RULE_KEYS)}")
    if not isinstance(entry.get("event_type"), str) or not entry["event_type"]:
        raise UsageError(f"{where}.event_type': expected ACLED's event type (e.g. \"Battles\")")
    if not isinstance(entry.get("sub_event_type", ""), str):
        raise UsageError(f"{where}.sub_event_type': expected a string")

    def strings(key: str, allowed: list[str] | None) -> tuple[str, ...]:
        value = entry.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise UsageError(f"{where}.{key}': expected a list of strings")
        for v in value:
            if allowed is not None and v not in allowed:
                raise UsageError(f"{where}.{key}': unknown {v!r}; allowed: {', '.join(allowed)}")
        return tuple(value)

    acts = strings("actions", ACTION_KEYS)
    if not acts:
        raise UsageError(f"{where}.actions': expected a non-empty list of ladder actions; allowed: "
                         f"{', '.join(ACTION_KEYS)}")
    return Rule(i, entry["event_type"], entry.get("sub_event_type", ""), strings("actor1", scenario.actors),
                strings("places", list(PLACES)), tuple(w.lower() for w in strings("notes_any", None)),
                tuple(Action.from_key(a) for a in acts))


def observation_targets(observed: ObservedEvents, origin: int, tolerance: int) -> Targets:
    """The observation as targets over days 0 .. origin - 1 (module docstring: what a run must do).

    Reported events of one actor, set of actions and day become one event target each (at least
    as many acts as reports within ``tolerance`` days); for each state and each action of
    ``COMPLETE_ACTIONS``, every stretch of observed days further than ``tolerance`` from all its
    reports becomes an absent target.
    """
    grouped: dict[tuple[str, tuple[Action, ...], int], int] = {}
    for e in observed.events:
        if e.day >= origin:
            raise UsageError(f"{observed.source}: row {e.row}: day {e.day} is after the last observed day "
                             f"{origin - 1} (--through)")
        key = (e.actor, e.actions, e.day)
        grouped[key] = grouped.get(key, 0) + e.count
    targets: list[Target] = []
    allowed: dict[tuple[str, Action], set[int]] = {}
    for (actor, actions, day), count in grouped.items():
        a, b = max(0, day - tolerance), min(origin - 1, day + tolerance)
        names = "|".join(x.key for x in actions)
        targets.append(Target(name=f"{actor}:{names}@{day}", kind="event", window=(a, b), since=a,
                              source=f"reported: {actor} {names} on day {day} ({count}x)", actors=(actor,),
                              actions=actions, min_count=count))
        for action in actions:
            allowed.setdefault((actor, action), set()).update(range(a, b + 1))
    for actor in PARTIES:
        for action in COMPLETE_ACTIONS:
            ok = allowed.get((actor, action), set())
            day = 0
            while day < origin:
                if day in ok:
                    day += 1
                    continue
                end = day
                while end + 1 < origin and end + 1 not in ok:
                    end += 1
                targets.append(Target(name=f"no {actor}:{action.key}@{day}-{end}", kind="absent", window=(day, end),
                                      source=f"not reported: {actor} {action.key} on days {day}-{end}",
                                      actors=(actor,), actions=(action,)))
                day = end + 1
    return Targets(f"observed (tolerance {tolerance} days)", origin, tuple(targets), (), observed.source)
