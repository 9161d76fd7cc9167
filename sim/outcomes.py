"""How a run ends, by what the states did (``EscalationModel.outcome``; docs/ODD.md):

* war -- battle deaths between the states reached ``outcome.war_deaths`` (1,000: the
  Correlates of War threshold), or a sustained campaign lasted ``outcome.campaign_days`` (7);
* de-escalated -- otherwise, the states fought (in the run or before it began) and then did
  not fight in the last ``outcome.quiet_days`` days (14) of the horizon, whether or not a
  formal halt or ceasefire holds (half the earlier episodes ended tacitly);
* fighting -- they fought within those last days, below the war threshold (key ``contained``);
* calm -- the states never fought.

TTP attacks are background violence, not battle deaths between the states: they count
neither towards the war threshold nor against the quiet days. The path outcomes (days of
fighting, renewed fighting after a truce, days closed, ...) are in each run's summary.
"""

from __future__ import annotations

from enum import Enum


class Outcome(Enum):
    DEESCALATED = (0, "de-escalated", "#1a9850")
    CONTAINED = (1, "fighting goes on", "#fdae61")
    WAR = (2, "war", "#a50026")
    CALM = (3, "no fighting", "#9ecae1")

    @property
    def code(self) -> int:
        return self.value[0]

    @property
    def label(self) -> str:
        return self.value[1]

    @property
    def colour(self) -> str:
        return self.value[2]

    @property
    def key(self) -> str:
        return self.name.lower()

    @classmethod
    def from_code(cls, code: int) -> Outcome:
        return OUTCOMES_BY_CODE[int(code)]


OUTCOMES_BY_CODE = {o.code: o for o in Outcome}
