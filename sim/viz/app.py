"""The browser app: a Solara page around one run of a scenario, for students, in Mesa's way.

Start it with ``escalation viz`` (``sim.viz.serve``), which runs ``solara run`` on this file.
The scenario, or the batch run to replay, comes in through environment variables (see
``sim.viz.student``). Each browser tab builds its own model in ``Page`` (a model made at
module level would be shared by every tab); Reset builds a new one from the controls.
"""

from __future__ import annotations

import os
import threading

import solara

from sim.viz import components
from sim.viz.student import ENV_REPLAY, served_scenario
from sim.viz.whatif import reference_odds

TITLE = "Afghanistan\u2013Pakistan, October 2025: an escalation model"

if not os.environ.get(ENV_REPLAY):
    # Compute the served scenario's odds, which the first what-ifs are compared with, while the first students arrive.
    threading.Thread(target=reference_odds, args=(served_scenario(),), daemon=True).start()


@solara.component
def Page() -> None:
    """One tab: its own model, its controls (Step, Play, Reset, settings) and the panels."""
    components.Page(TITLE)
