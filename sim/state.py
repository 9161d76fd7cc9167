"""Every lane state variable of the model, declared once: name, type, initial value, unit, meaning.

In the spirit of Starsim's declared states: an actor (``sim.agents``) and the world
(``sim.model``) create their arrays from these declarations, per-run summaries and the
DataCollector's series are named here, the scenario's ``[initial]`` tables are checked
against the settable ones (``sim.parameters``), and docs/ODD.md's state tables are generated
from them (``python -m sim.docs --write``; a test fails when the two disagree).

This module imports nothing heavy, so reading a scenario does not load Mesa.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NEVER = 999  #: the value of a "days since ..." counter for something that has not happened (capped there)
NO_ACT = -99  #: the day's rung before its first act


@dataclass(frozen=True)
class StateVar:
    """One state variable, an array with one entry per lane (or a declared extra axis).

    ``key`` names where a scenario sets the initial value (``initial.<party>.grievance``),
    ``None`` when it always starts at ``default``; ``low``/``high`` bound what a scenario may
    set. ``summary`` and ``series`` name the per-run summary column and the DataCollector
    series (``{actor}`` is replaced by the actor's name). A ``daily`` variable goes back to
    its default at the start of every day.
    """

    name: str
    dtype: type
    default: float | int | bool
    unit: str
    meaning: str
    key: str | None = None
    low: float | None = None
    high: float | None = None
    summary: str | None = None
    series: str | None = None
    daily: bool = False
    shape: str = "lanes"

    @property
    def numpy_dtype(self) -> type:
        return {float: np.float64, int: np.int64, bool: np.bool_}.get(self.dtype, self.dtype)

    def summary_name(self, actor: str) -> str | None:
        return None if self.summary is None else self.summary.format(actor=actor)

    def series_name(self, actor: str) -> str | None:
        return None if self.series is None else self.series.format(actor=actor)


#: Pakistan and Afghanistan's Taliban government (``sim.agents.StateActor``).
PARTY_STATE: tuple[StateVar, ...] = (
    StateVar("grievance", float, 0.0, "grievance units",
             "anger at the attacks suffered: it drives the will to strike, and fades by `grievance_decay` a day",
             key="initial.<party>.grievance", low=0.0, high=100.0, series="grievance_{actor}"),
    StateVar("provocation_rung", int, 0, "rung",
             "the worst recent attack by the other state, which a response answers in kind; it falls one rung on "
             "every day the party is not attacked", key="initial.<party>.provocation_rung", low=0, high=10),
    StateVar("provocation_place", int, -1, "place index",
             "where that attack hit (a response in kind to a border clash answers at the same place; -1: none)"),
    StateVar("sanctuary_toll", float, 0.0, "deaths",
             "the recent toll of TTP attacks the party blames on the sanctuary (deaths x blame), fading with "
             "`toll_half_life`; a strike on the sanctuary settles it", key="initial.<party>.sanctuary_toll",
             low=0.0, high=1e6),
    StateVar("deaths_true", float, 0.0, "deaths", "own dead in interstate fighting, known truly to the party",
             key="initial.<party>.deaths_true", low=0.0, high=1e6, summary="deaths_true_{actor}",
             series="deaths_true_{actor}"),
    StateVar("deaths_acknowledged", float, 0.0, "deaths", "own dead the party admits to",
             key="initial.<party>.deaths_acknowledged", low=0.0, high=1e6, summary="acknowledged_{actor}",
             series="acknowledged_{actor}"),
    StateVar("claimed_inflicted", float, 0.0, "deaths", "enemy dead the party claims to have killed, in all",
             key="initial.<party>.claimed_inflicted", low=0.0, high=1e7, summary="claimed_by_{actor}",
             series="claimed_by_{actor}"),
    StateVar("recent_claims", float, 0.0, "deaths",
             "the part of its claims the party still feels (the belief of having hit hard); fades like grievance",
             key="initial.<party>.claimed_inflicted"),
    StateVar("fighting_cost", float, 0.0, "cost units",
             "cost of fighting borne so far: own dead and own strikes; fades by `cost_memory` a day",
             key="initial.<party>.fighting_cost", low=0.0, high=1e7),
    StateVar("closure_cost", float, 0.0, "cost units",
             "cost of the closed crossings borne so far; fades by `cost_memory` a day"),
    StateVar("campaign_active", bool, False, "flag", "a sustained campaign under way (until a halt or a ceasefire)"),
    StateVar("crackdown_done", bool, False, "flag", "has cracked down on the TTP (at most once a run)"),
    StateVar("bound", bool, False, "flag", "held by its own halt or by a ceasefire; any strike between the states "
             "releases it", key="initial.<party>.bound"),
    StateVar("days_since_attacked", int, NEVER, "days", "days since the other state last attacked it (0: today)"),
    StateVar("days_since_strike", int, NEVER, "days", "days since it last struck (0: today)"),
    StateVar("attacked_today", bool, False, "flag", "suffered an attack today that it blames on someone",
             daily=True),
    StateVar("provocation_today", float, 0.0, "share",
             "how provoked by today's attacks: 1 for an attack by the other state, the blame laid on the "
             "sanctuary for the TTP's", daily=True),
    StateVar("acted_today", bool, False, "flag", "struck today", daily=True),
)

#: The TTP (``sim.agents.MilitantGroup``).
TTP_STATE: tuple[StateVar, ...] = (
    StateVar("capacity", float, 1.0, "share of full strength", "what the group can still do; airstrikes on its "
             "camps wear it down", key="initial.ttp_capacity", low=0.0, high=1.0),
    StateVar("sanctuary", float, 1.0, "share", "the part of its sanctuary in Afghanistan it still has; a Taliban "
             "crackdown removes part of it", key="initial.ttp_sanctuary", low=0.0, high=1.0),
    StateVar("attacks", int, 0, "attacks", "attacks carried out so far", summary="ttp_attacks", series="ttp_attacks"),
    StateVar("deaths_inflicted", float, 0.0, "deaths", "people killed in its attacks so far", summary="ttp_deaths"),
)

#: A third state that may mediate (``sim.agents.Mediator``).
MEDIATOR_STATE: tuple[StateVar, ...] = (
    StateVar("engaged", bool, False, "flag", "has spoken on the crisis (called for restraint, offered to mediate)",
             key="initial.mediators_engaged"),
    StateVar("attention", float, 0.0, "share", "how much it presses: 1 on engaging and whenever the fighting "
             "reaches its trigger again, halving every `attention_half_life` days otherwise",
             key="initial.mediators_engaged"),
    StateVar("engage_day", int, -1, "day", "the day it engages, once the fighting has reached its trigger "
             "(-1: not yet triggered)", key="initial.mediators_engaged"),
)

#: The world shared by the actors, and the records of each run (``sim.model.EscalationModel``).
WORLD_STATE: tuple[StateVar, ...] = (
    StateVar("hostility", float, 0.0, "logit units", "the crisis's climate, drawn once at the start from "
             "Normal(0, crisis.hostility_sd^2): added to the logit of the states' choices of force, taken from "
             "their choices to halt, reopen or agree"),
    StateVar("ceasefire_in_force", bool, False, "flag", "a formal ceasefire holds; any strike between the states "
             "ends it", key="initial.ceasefire_in_force", summary="ceasefire_in_force_end",
             series="ceasefire_in_force"),
    StateVar("days_since_kinetic", int, NEVER, "days", "days since the last kinetic act between the states "
             "(0: today)", key="initial.days_since_kinetic", low=0, high=100000, summary="days_since_kinetic_end"),
    StateVar("crossings_open", bool, True, "flag", "each border crossing open or closed",
             key="crossings.<name>.open", shape="lanes x crossings"),
    StateVar("closed_by", np.int8, -1, "party index", "who closed each closed crossing (0 Pakistan, 1 Afghanistan; "
             "-1 open or closed from the start), the party that decides on reopening it", shape="lanes x crossings"),
    StateVar("clash_day", int, -999, "day", "the last day of a clash at each crossing's site",
             shape="lanes x crossings"),
    StateVar("first_closed_day", int, -1, "day", "the first day each crossing was closed in the run",
             shape="lanes x crossings"),
    StateVar("first_reopened_day", int, -1, "day", "the first day each crossing reopened after that",
             shape="lanes x crossings"),
    StateVar("rung_today", int, NO_ACT, "rung", "the highest rung of the day's acts by the states and the "
             "mediators so far (-99 before the first; 0, the status quo, at the end of a day without any)",
             series="rung", daily=True),
    StateVar("kinetic_today", bool, False, "flag", "a state used force against the other today", daily=True),
    StateVar("peak_rung", int, 0, "rung", "the highest rung of any day so far", summary="peak_rung"),
    StateVar("rung_history", np.int8, 0, "rung", "the rung of every day", shape="days x lanes"),
    StateVar("first_day", int, -1, "day", "the first day each action was taken by anyone (-1: never)",
             shape="lanes x actions"),
    StateVar("first_by_actor", np.int32, -1, "day", "the first day each actor took each action (-1: never)",
             shape="actors x actions x lanes"),
    StateVar("count_by_actor", np.int32, 0, "acts", "how many times each actor took each action (lane-days for the TTP)",
             shape="actors x actions x lanes"),
    StateVar("first_halt_day", int, -1, "day", "the first day a party halted or a ceasefire bound both",
             summary="first_halt_day"),
    StateVar("first_kinetic_day", int, -1, "day", "the first day of fighting between the states",
             summary="first_kinetic_day"),
    StateVar("renewed_fighting_day", int, -1, "day", "the first day of fighting between the states after the "
             "first truce (a halt or a ceasefire): the crisis recurred", summary="renewed_fighting_day"),
    StateVar("kinetic_days", int, 0, "days", "days with fighting between the states", summary="kinetic_days"),
    StateVar("major_escalation_day", int, -1, "day", "the first day a party chose a strike on a capital or a "
             "sustained campaign (scheduled acts aside)", summary="major_escalation_day"),
    StateVar("campaign_days", int, 0, "days", "days on which a sustained campaign was under way",
             summary="campaign_days"),
    StateVar("first_ceasefire_day", int, -1, "day", "the first day of a formal ceasefire", summary="first_ceasefire_day"),
    StateVar("ceasefire_host", int, -1, "mediator index", "who hosted the talks of the first ceasefire "
             "(-1: none, or agreed without a host)", summary="ceasefire_host"),
    StateVar("war_day", int, -1, "day", "the day the run became a war: battle deaths between the states reached "
             "`outcome.war_deaths`, or a campaign had lasted `outcome.campaign_days`", summary="war_day"),
    StateVar("closed_days", int, 0, "days", "days with at least one crossing closed", summary="closed_days"),
)


def lane_arrays(declared: tuple[StateVar, ...], lanes: int, initial: dict[str, object] | None = None,
                overrides: dict[str, object] | None = None) -> dict[str, np.ndarray]:
    """Fresh per-lane arrays for the one-axis declarations.

    Each starts at ``overrides[name]`` if given, else at the value its ``key`` names in the
    scenario's ``initial`` table (the key's last part: ``grievance``, ``ttp_capacity``), else at
    its default.
    """
    initial, overrides = initial or {}, overrides or {}
    arrays = {}
    for var in declared:
        if var.shape != "lanes":
            continue
        value = var.default
        if var.name in overrides:
            value = overrides[var.name]
        elif var.key is not None and var.key.rsplit(".", 1)[-1] in initial:
            value = initial[var.key.rsplit(".", 1)[-1]]
        arrays[var.name] = np.full(lanes, value, dtype=var.numpy_dtype)
    return arrays
