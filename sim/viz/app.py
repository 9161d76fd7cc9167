"""The browser app: Mesa's SolaraViz page around one run of a scenario, for students.

Start it with ``escalation viz`` (``sim.viz.serve``), which runs ``solara run`` on this file.
The scenario, or the batch run to replay, comes in through environment variables (see
``sim.viz.student``). Each browser tab builds its own model in ``Page`` (a model made at
module level would be shared by every tab); Reset builds a new one from the controls.
"""

from __future__ import annotations

import os
import threading

import solara
from mesa.visualization import SolaraViz

from sim.viz.components import Dashboard
from sim.viz.student import (
    ENV_REPLAY,
    ENV_RUN,
    PageModel,
    control_specs,
    default_kwargs,
    replay_specs,
    served_scenario,
)
from sim.viz.whatif import reference_odds

TITLE = "Afghanistan\u2013Pakistan, October 2025: an escalation model"


def model_params() -> dict:
    """The sidebar's controls: a live run's, or, when replaying, the run number only."""
    replay = os.environ.get(ENV_REPLAY)
    if replay:
        return replay_specs(replay, int(os.environ.get(ENV_RUN) or 0))
    return control_specs()


MODEL_PARAMS = model_params()
# Compute the default scenario's odds, which every what-if is compared with, while the first students arrive.
threading.Thread(target=reference_odds, args=(served_scenario(),), daemon=True).start()


@solara.component
def Page() -> None:
    """One tab: its own model, Mesa's controls (Step, Play, Reset, parameters) and the panels."""
    first = solara.use_memo(lambda: PageModel(**default_kwargs(MODEL_PARAMS)), [])
    model = solara.use_reactive(first)
    solara.Title(TITLE)
    SolaraViz(model, components=[], model_params=MODEL_PARAMS, name=TITLE, play_interval=300)
    Dashboard(model.value.student)
