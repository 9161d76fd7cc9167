"""The regression baseline: the shipped scenarios give the stored per-run rows, run for run.

A refactoring must pass this unchanged; a deliberate change of a rule refreshes the stored
rows in its own commit (``python tests/regression/baseline.py --write``) and says there what
it changed. The assertion names the scenario and every column that moved.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "regression"))
import baseline  # noqa: E402


@pytest.mark.slow
@pytest.mark.parametrize("path", baseline.scenario_paths(), ids=lambda p: p.stem)
def test_shipped_scenarios_reproduce_the_baseline(path):
    diff = baseline.differences(path)
    assert not diff, f"{path.stem}: columns differ from tests/regression (runs affected): {diff}"
