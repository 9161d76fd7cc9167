"""Places of the crisis and where each kind of action happens.

Coordinates are approximate (degrees, WGS84), good enough for a schematic map. The places
are those the seed article names (Kabul, Paktika, Kunar, Nangarhar, Islamabad), the places
of the earlier episodes (crossings and disputed posts: Torkham, Chaman / Spin Boldak, Kurram,
Goshta, Paktia; the TTP's attacks in North and South Waziristan, Bannu, Dera Ismail Khan,
Orakzai) and the cities a reader of the crisis needs to locate events.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .ladder import Action


@dataclass(frozen=True)
class Place:
    label: str
    lat: float
    lon: float
    country: str  # "afghanistan", "pakistan" or "abroad"


PLACES: dict[str, Place] = {
    "kabul": Place("Kabul", 34.53, 69.17, "afghanistan"),
    "paktika": Place("Paktika", 32.50, 68.80, "afghanistan"),
    "khost": Place("Khost", 33.34, 69.92, "afghanistan"),
    "kunar": Place("Kunar", 34.85, 71.10, "afghanistan"),
    "nangarhar": Place("Nangarhar", 34.17, 70.62, "afghanistan"),
    "spin_boldak": Place("Spin Boldak", 31.00, 66.40, "afghanistan"),
    "kurram": Place("Kurram", 33.80, 70.10, "pakistan"),
    "torkham": Place("Torkham", 34.10, 71.09, "pakistan"),
    "chaman": Place("Chaman", 30.92, 66.45, "pakistan"),
    "islamabad": Place("Islamabad", 33.69, 73.05, "pakistan"),
    "peshawar": Place("Peshawar", 34.01, 71.58, "pakistan"),
    "quetta": Place("Quetta", 30.18, 67.00, "pakistan"),
    "bajaur": Place("Bajaur", 34.78, 71.50, "pakistan"),
    "goshta": Place("Goshta", 34.30, 70.95, "afghanistan"),
    "paktia": Place("Paktia", 33.60, 69.40, "afghanistan"),
    "north_waziristan": Place("North Waziristan", 32.98, 70.10, "pakistan"),
    "south_waziristan": Place("South Waziristan", 32.30, 69.85, "pakistan"),
    "bannu": Place("Bannu", 32.99, 70.60, "pakistan"),
    "dera_ismail_khan": Place("Dera Ismail Khan", 31.83, 70.90, "pakistan"),
    "orakzai": Place("Orakzai", 33.67, 71.10, "pakistan"),
    "doha": Place("Doha", 25.29, 51.53, "abroad"),
    "riyadh": Place("Riyadh", 24.71, 46.68, "abroad"),
    "beijing": Place("Beijing", 39.90, 116.40, "abroad"),
    "moscow": Place("Moscow", 55.75, 37.62, "abroad"),
    "washington": Place("Washington", 38.90, -77.04, "abroad"),
    "tehran": Place("Tehran", 35.69, 51.39, "abroad"),
    "istanbul": Place("Istanbul", 41.01, 28.98, "abroad"),
    "new_delhi": Place("New Delhi", 28.61, 77.21, "abroad"),
}

#: Where an action lands, by the country it hits. The rule draws one uniformly.
TARGET_PLACES: dict[tuple[Action, str], tuple[str, ...]] = {
    (Action.AIRSTRIKE_CAPITAL, "afghanistan"): ("kabul",),
    (Action.AIRSTRIKE_CAPITAL, "pakistan"): ("islamabad",),
    (Action.AIRSTRIKE_BORDER_PROVINCE, "afghanistan"): ("paktika", "khost", "kunar", "nangarhar"),
    (Action.AIRSTRIKE_BORDER_PROVINCE, "pakistan"): ("kurram", "bajaur"),
    (Action.RAID_BORDER_POSTS, "afghanistan"): ("kunar", "nangarhar", "khost", "paktika"),
    (Action.RAID_BORDER_POSTS, "pakistan"): ("kurram", "bajaur", "chaman", "torkham"),
    (Action.CROSS_BORDER_FIRE, "afghanistan"): ("kunar", "nangarhar", "khost", "spin_boldak"),
    (Action.CROSS_BORDER_FIRE, "pakistan"): ("kurram", "bajaur", "torkham", "chaman"),
    (Action.SUSTAINED_CAMPAIGN, "afghanistan"): ("kabul", "paktika", "khost", "kunar", "nangarhar"),
    (Action.SUSTAINED_CAMPAIGN, "pakistan"): ("kurram", "bajaur", "peshawar", "quetta"),
    (Action.TTP_ATTACK, "pakistan"): ("north_waziristan", "south_waziristan", "bannu", "dera_ismail_khan",
                                      "peshawar", "kurram", "bajaur", "orakzai", "quetta"),
}


def places_for(action: Action, target_country: str) -> tuple[str, ...]:
    """Candidate places for an action against a country (empty when none is defined)."""
    return TARGET_PLACES.get((action, target_country), ())


PLACE_INDEX: dict[str, int] = {name: i for i, name in enumerate(PLACES)}
PLACE_NAMES: list[str] = list(PLACES)


def place_index(name: str) -> int:
    """The index of a place in event records; -1 for no place (an empty name)."""
    return PLACE_INDEX.get(name, -1)


def pick_places(action: Action, target_country: str, draw: np.ndarray, fixed: str | None = None) -> np.ndarray | int:
    """Where an action lands: a fixed place, or per lane one of the action's candidate places
    picked by the uniform ``draw`` (drawn by the caller for every lane); -1 where none is defined."""
    if fixed:
        return PLACE_INDEX[fixed]
    candidates = places_for(action, target_country)
    if not candidates:
        return -1
    pick = np.minimum((draw * len(candidates)).astype(np.int64), len(candidates) - 1)
    return np.array([PLACE_INDEX[c] for c in candidates])[pick]
