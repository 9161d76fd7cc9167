"""The escalation ladder: the ordered vocabulary of actions every actor chooses from.

Each action carries three attributes:

* ``rung`` -- an ordinal position of this project's design. Negative rungs de-escalate,
  rung 0 is the status quo (a quiet day), positive rungs escalate. The order follows the
  spirit of Kahn's ladder (Kahn 1965) and the EscalAItion categories (Rivera et al. 2024):
  words < administrative coercion < militant violence < cross-border force < air power <
  a sustained campaign. It is finer than the Goldstein scale, which saturates at -10.
* ``cameo`` -- the nearest CAMEO event code (Schrodt 2012).
* ``goldstein`` -- the Goldstein (1992) conflict-cooperation weight of that code, as
  distributed with GDELT (file CAMEO.goldsteinscale.txt); see docs/ODD.md.

Everything else that depends on the action (labels, colours, kinetic or not) derives from
this one table, so a new rung is added in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True)
class Rung:
    """Attributes of one action on the ladder."""

    rung: int
    cameo: str
    goldstein: float
    kinetic: bool
    verb: str
    colour: str


class Action(Enum):
    """Every action an actor can take, ordered from most cooperative to most violent."""

    CEASEFIRE_DECLARED = Rung(-6, "0871", 9.0, False, "declares a ceasefire with", "#1a9850")
    HALT_OPERATIONS = Rung(-5, "087", 9.0, False, "halts military operations against", "#66bd63")
    TALKS_HOSTED = Rung(-4, "044", 2.5, False, "hosts talks between", "#a6d96a")
    BILATERAL_TALKS = Rung(-4, "046", 7.0, False, "hold talks between", "#b8e186")
    CRACKDOWN_ON_TTP = Rung(-3, "080", 5.0, False, "cracks down on the TTP, at the demand of", "#d9ef8b")
    REOPEN_CROSSING = Rung(-2, "085", 7.0, False, "reopens a crossing with", "#91bfdb")
    MEDIATION_OFFER = Rung(-1, "039", 5.0, False, "offers to mediate between", "#4575b4")
    CALL_FOR_RESTRAINT = Rung(-1, "0256", -0.3, False, "calls for restraint by", "#74add1")
    ACCUSATION = Rung(1, "112", -2.0, False, "accuses", "#fee08b")
    THREAT_OF_FORCE = Rung(2, "138", -7.0, False, "threatens force against", "#fdae61")
    CLOSE_CROSSING = Rung(3, "191", -9.5, False, "closes a crossing with", "#f46d43")
    TTP_ATTACK = Rung(4, "180", -9.0, True, "attacks", "#d73027")
    CROSS_BORDER_FIRE = Rung(5, "194", -10.0, True, "exchanges fire across the border with", "#c2255c")
    CEASEFIRE_VIOLATED = Rung(6, "196", -9.5, True, "violates the ceasefire against", "#a50026")
    RAID_BORDER_POSTS = Rung(7, "192", -9.5, True, "raids border posts of", "#7f0000")
    AIRSTRIKE_BORDER_PROVINCE = Rung(8, "195", -10.0, True, "carries out airstrikes in a border province of", "#67000d")
    AIRSTRIKE_CAPITAL = Rung(9, "195", -10.0, True, "carries out airstrikes on the capital of", "#3f007d")
    SUSTAINED_CAMPAIGN = Rung(10, "190", -10.0, True, "launches a sustained military campaign against", "#000000")

    @property
    def rung(self) -> int:
        return self.value.rung

    @property
    def cameo(self) -> str:
        return self.value.cameo

    @property
    def goldstein(self) -> float:
        return self.value.goldstein

    @property
    def kinetic(self) -> bool:
        return self.value.kinetic

    @property
    def key(self) -> str:
        """The action's name as written in scenario and target files."""
        return self.name.lower()

    @property
    def code(self) -> int:
        """A stable small integer for the action, used in numpy arrays and Parquet."""
        return ACTION_CODES[self]

    @classmethod
    def from_key(cls, key: str) -> Action:
        return cls[key.upper()]


ACTION_CODES: dict[Action, int] = {action: i for i, action in enumerate(Action)}
ACTIONS_BY_CODE: list[Action] = list(Action)
ACTION_KEYS: list[str] = [action.key for action in Action]

STATUS_QUO_RUNG = 0
MIN_RUNG = min(action.rung for action in Action)
MAX_RUNG = max(action.rung for action in Action)

#: The interstate kinetic actions a state can choose when it retaliates, lowest first.
#: A state escalates or de-escalates by moving along this list.
RETALIATION_LADDER: tuple[Action, ...] = (
    Action.CROSS_BORDER_FIRE,
    Action.RAID_BORDER_POSTS,
    Action.AIRSTRIKE_BORDER_PROVINCE,
    Action.AIRSTRIKE_CAPITAL,
    Action.SUSTAINED_CAMPAIGN,
)

#: What a scenario may schedule as a shock, by kind of actor. The model carries out each with
#: the rule its actor would use by choice (``perform``), so a scheduled act has the same effects.
SCHEDULABLE_BY: dict[str, tuple[Action, ...]] = {
    "party": RETALIATION_LADDER + (Action.HALT_OPERATIONS, Action.CEASEFIRE_DECLARED, Action.CLOSE_CROSSING,
                                   Action.REOPEN_CROSSING, Action.CRACKDOWN_ON_TTP, Action.ACCUSATION,
                                   Action.THREAT_OF_FORCE),
    "ttp": (Action.TTP_ATTACK,),
    "india": (Action.ACCUSATION, Action.THREAT_OF_FORCE, Action.CALL_FOR_RESTRAINT),
    "mediator": (Action.CALL_FOR_RESTRAINT, Action.MEDIATION_OFFER, Action.TALKS_HOSTED),  # talks in its own style
}
