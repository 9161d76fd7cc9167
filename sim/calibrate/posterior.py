"""Write a calibration's outputs: posterior samples (Parquet) and the calibrated scenario file.

The Parquet file has one column per parameter key and a ``weight`` column, the format that
``sim.batch.posterior`` reads to draw each run's parameters. The calibrated scenario is a
what-if of the calibrated one: its base, the posterior medians as parameter values, and a
top-level ``posterior`` reference so batches draw whole parameter sets from the posterior.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..io import atomic_write, atomic_write_text
from ..scenario import Prior, Scenario, shipped_scenarios
from .abc import Calibration
from .priors import PriorSpace


def write_posterior(calibration: Calibration, path: str | Path, scenario: Scenario | None = None) -> Path:
    """Posterior particles and weights as Parquet (atomically).

    Parameters that have a prior but were not calibrated (the targets do not inform them, e.g.
    the campaign thresholds: the article reports no war) keep their prior: each particle gets
    an independent draw from it, so batches still carry that uncertainty.
    """
    frame = pd.DataFrame(calibration.particles, columns=list(calibration.space.keys))
    if scenario is not None:
        rest = [k for k in scenario.priors if k not in calibration.space.keys]
        if rest:
            space = PriorSpace.from_scenario(scenario, rest)
            draws = space.sample(np.random.default_rng([calibration.seed, 99]), len(frame))
            for i, key in enumerate(space.keys):
                frame[key] = draws[:, i]
    frame["weight"] = calibration.weights
    table = pa.Table.from_pandas(frame, preserve_index=False)
    return atomic_write(path, lambda tmp: pq.write_table(table, tmp))


def _toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, so quotes, backslashes and newlines stay data."""
    return json.dumps(text)


def _section(key: str) -> tuple[str, str]:
    """'mediators.qatar.leverage.afghanistan' -> ('mediators.qatar', 'leverage.afghanistan')."""
    parts = key.split(".")
    cut = 2 if parts[0] == "mediators" else 1
    return ".".join(parts[:cut]), ".".join(parts[cut:])


def _base_reference(source: Path, path: Path) -> str:
    """How the file at ``path`` names its base ``source``: a shipped scenario by its file name, which
    resolves wherever the folder is moved (``load_scenario`` falls back to the shipped ones), unless
    the file sits beside it; any other base by its path relative to the file."""
    source = source.resolve()
    shipped = {p.resolve() for p in shipped_scenarios().values()}
    if source in shipped and path.parent.resolve() != source.parent:
        return source.name
    return os.path.relpath(source, path.parent.resolve())


def write_calibrated_scenario(scenario: Scenario, calibration: Calibration, posterior_path: str | Path,
                              path: str | Path, note: str,
                              evidence: str = "the reported events of 9-13 October 2025",
                              method: str = "the seed article's facts (scenarios/targets/) by ABC-SMC",
                              name: str | None = None, priors: dict[str, Prior] | None = None,
                              writer: str = "escalation calibrate") -> Path:
    """A scenario file: base = the calibrated scenario, posterior medians, posterior reference;
    ``priors`` the ones its base lacks (a structure's), so that sensitivity can vary them too."""
    path = Path(path)
    base = _base_reference(Path(scenario.source), path)
    posterior = os.path.relpath(Path(posterior_path).resolve(), path.parent.resolve())
    sections: dict[str, list[str]] = defaultdict(list)
    estimates = calibration.point_estimate()
    intervals = calibration.interval(0.9)
    for key, value in estimates.items():
        section, rest = _section(key)
        lo, hi = intervals[key]
        sections[section].append(f"{rest} = {value:.6g}".ljust(44) + f"# 90% credible interval [{lo:.4g}, {hi:.4g}]")
    lines = [
        f"# {scenario.name}, calibrated to {method}.",
        f"# Written by `{writer}`: {' '.join(note.split())}",  # one comment line, whatever a name holds
        "# Values are posterior medians; batches draw whole parameter sets from the posterior below.",
        "",
        f"posterior = {_toml_string(posterior)}",
        "",
        "[scenario]",
        f"base = {_toml_string(base)}",
        f"name = {_toml_string(name or scenario.name + '_calibrated')}",
        f"description = {_toml_string(f'{scenario.name} with parameters calibrated to {evidence}.')}",
    ]
    for section, entries in sections.items():
        lines += ["", f"[{section}]", *entries]
    if priors:
        lines += ["", "[priors]"] + [f"{_toml_string(k)} = {{ distribution = {_toml_string(p.distribution)}, "
                                     f"low = {p.low!r}, high = {p.high!r} }}" for k, p in priors.items()]
    return atomic_write_text(path, "\n".join(lines) + "\n")
