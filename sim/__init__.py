"""escalation-sim: an agent-based model of the October 2025 Afghanistan-Pakistan crisis, on Mesa.

A regular package (not a namespace package), so that ``importlib.resources`` finds the
shipped scenarios in ``sim/scenarios`` and no other directory named ``sim`` on the path can
join it. The command is ``escalation`` (``sim.cli``); the model is ``sim.model``.
"""
