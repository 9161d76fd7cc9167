"""How a run ends: the three outcomes and the rules that assign them (see docs/ODD.md).

* de-escalated -- at the horizon a ceasefire or a halt holds and no kinetic action between
  the states happened in the last ``outcome.quiet_days`` days (14 by default);
* war -- a sustained campaign was launched, or battle deaths between the states reached
  ``outcome.war_deaths`` (1,000: the Correlates of War threshold);
* contained -- anything else: clashes that stay under the war threshold.

TTP attacks are background violence, not battle deaths between the states: they count
neither towards the war threshold nor against the quiet days.
"""

from __future__ import annotations

from enum import Enum


class Outcome(Enum):
    DEESCALATED = (0, "de-escalated", "#1a9850")
    CONTAINED = (1, "contained", "#fdae61")
    WAR = (2, "war", "#a50026")

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
