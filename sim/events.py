"""Acts and the event log.

An ``Act`` is what an actor does in some lanes on one day: an actor's rule returns it, and the
day loop (``sim.model``) records it and applies its effects to its targets, so an actor never
writes another's state. The event log keeps every act as (day, lane, actor, action, target,
place, deaths true/claimed), column-wise per act (the lanes where it happened and their
values), so a 4,096-lane batch can keep it cheaply, or switch it off and keep only per-run
summaries.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .geography import PLACE_NAMES, PLACES
from .ladder import Action

if TYPE_CHECKING:
    from .scenario import Scenario


@dataclass(frozen=True, eq=False)
class Act:
    """An action taken in the lanes of ``lanes`` (a boolean mask), with what it did there.

    ``place`` is a place index (one for every lane, or per lane; -1: none), ``crossing`` the
    index of the crossing closed or reopened (-1: none); deaths and counts are per lane;
    ``scheduled`` marks an act the scenario forced rather than its actor chose.
    """

    actor: str
    action: Action
    target: str
    lanes: np.ndarray
    place: np.ndarray | int = -1
    deaths_true: np.ndarray | None = None
    deaths_claimed: np.ndarray | None = None
    count: np.ndarray | None = None
    crossing: int = -1
    scheduled: bool = False  # forced by the scenario (a shock), not chosen by its actor


@dataclass(frozen=True)
class Event:
    day: int
    lane: int
    actor: str
    action: str
    target: str
    location: str
    deaths_true: int
    deaths_claimed: int
    count: int = 1

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def sentence(self, scenario: Scenario | None = None, date: str = "") -> str:
        """The event in words, e.g. 'Day 2 - Afghanistan raids border posts of Pakistan in Kunar'."""
        action = Action.from_key(self.action)
        actor = display_name(self.actor, scenario)
        target = "Pakistan and Afghanistan" if self.target == "both" else display_name(self.target, scenario)
        what = f"{actor} {action.value.verb} {target}"
        if self.count > 1:
            what += f" ({self.count} attacks)"
        if self.location:
            what += f" in {PLACES[self.location].label}"
        if action.kinetic:
            what += f": {self.deaths_true} killed (claimed {self.deaths_claimed})"
        when = f"Day {self.day}" + (f" ({date})" if date else "")
        return f"{when} \u2014 {what}"


def display_name(name: str, scenario: Scenario | None = None) -> str:
    if scenario is not None and name in scenario.mediators:
        return scenario.params[f"mediators.{name}.label"]
    return {"ttp": "The TTP", "pakistan": "Pakistan", "afghanistan": "Afghanistan", "india": "India"}.get(
        name, name.replace("_", " ").title())


class EventLog:
    """Column-wise record of events; ``events()`` rebuilds them in order for one lane or all."""

    def __init__(self, enabled: bool, scenario: Scenario) -> None:
        self.enabled = enabled
        self.scenario = scenario
        self._chunks: list[tuple[int, str, Action, str, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def record(self, day: int, act: Act) -> None:
        """Keep ``act`` (when the log is on)."""
        if not self.enabled:
            return
        lanes = np.flatnonzero(act.lanes)
        if lanes.size == 0:
            return

        def pick(values: Any, default: int) -> np.ndarray:
            if values is None:
                return np.full(lanes.size, default, dtype=np.int64)
            arr = np.asarray(values)
            return np.rint(arr[lanes]).astype(np.int64) if arr.ndim else np.full(lanes.size, int(arr))

        self._chunks.append((day, act.actor, act.action, act.target, lanes, pick(act.place, -1),
                             pick(act.deaths_true, 0), pick(act.deaths_claimed, 0), pick(act.count, 1)))

    def __len__(self) -> int:
        return sum(chunk[4].size for chunk in self._chunks)

    def events(self, lane: int | None = None) -> list[Event]:
        """Events in the order they happened (by lane, then day and phase order)."""
        out: list[tuple[int, int, Event]] = []
        for seq, (day, actor, action, target, lanes, places, true, claimed, count) in enumerate(self._chunks):
            for j, ln in enumerate(lanes):
                if lane is not None and ln != lane:
                    continue
                place = PLACE_NAMES[places[j]] if places[j] >= 0 else ""
                out.append((int(ln), seq, Event(day, int(ln), actor, action.key, target, place, int(true[j]),
                                                int(claimed[j]), int(count[j]))))
        out.sort(key=lambda item: (item[0], item[1]))
        return [event for _, _, event in out]
