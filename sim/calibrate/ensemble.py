"""A structural ensemble: calibrations of alternative structures, mixed by their evidence.

Each member is the output folder of ``escalation calibrate --episodes --structure NAME`` on the
same cases with the same dependence weights (``--weights-from`` the first member), so that
their SMC estimates of log p(facts | structure) are of one likelihood. With equal prior
probabilities for the structures (a named assumption), structure k's posterior probability is
exp(log Z_k) / sum_j exp(log Z_j), and the ensemble's posterior is the members' particles, each
weighted by its structure's probability over its member's particles: every batch, study and
forecast that draws from it carries the structural uncertainty with the parametric one. A
parameter a structure does not free keeps its default in that member's rows. The per-case
log-likelihoods are kept row by row, so leave-one-out reweights structures and parameters
together (PSIS on the mixture is the mixture without that case).

The evidence is of the dependence-weighted synthetic likelihood (``sim.calibrate.joint``), a
composite likelihood, not of the full one; its Monte Carlo error is not estimated. Both are
stated wherever a weight is reported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import UsageError
from ..io import atomic_write_text, read_limited
from ..scenario import Prior
from .joint import JointCalibration
from .structures import Structure

CALIBRATION_RECORD = "calibration.json"


@dataclass(frozen=True)
class CalibrationRecord:
    """What a joint calibration leaves for the ensemble: its structure, evidence and weights."""

    structure: str
    description: str
    priors: dict[str, Prior]        # the priors the structure adds to the main scenario's
    log_evidence: float
    weights: dict[str, float]       # dependence weight per case
    runs: int
    seconds: float
    note: str
    source: str

    def weights_for(self, cases: list[str]) -> np.ndarray:
        """The dependence weights of these cases, refused unless the record has every one."""
        missing = [c for c in cases if c not in self.weights]
        if missing:
            raise UsageError(f"{self.source}: key 'dependence_weights': no weight for case {missing[0]} "
                             f"(it has {', '.join(self.weights)}): calibrate on the same cases")
        return np.array([self.weights[c] for c in cases])


def write_calibration_record(path: Path, result: JointCalibration, structure: Structure, note: str) -> Path:
    record = {"structure": structure.name, "description": structure.description,
              "priors": {k: {"distribution": p.distribution, "low": p.low, "high": p.high}
                         for k, p in structure.priors.items()},
              "log_evidence": result.log_evidence,
              "dependence_weights": dict(zip(result.episodes, result.weights.tolist(), strict=True)),
              "runs": result.runs, "seconds": result.seconds, "note": note}
    return atomic_write_text(path, json.dumps(record, indent=2) + "\n")


def read_calibration_record(folder: str | Path) -> CalibrationRecord:
    """The record of a calibration folder, checked (one line naming the file and key on any fault)."""
    path = Path(folder) / CALIBRATION_RECORD
    if not path.is_file():
        raise UsageError(f"{folder}: no {CALIBRATION_RECORD} in it (written by `escalation calibrate --episodes`)")
    source = str(path)
    try:
        data = json.loads(read_limited(path, 1 << 20, "calibration record"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise UsageError(f"{source}: not valid JSON") from None
    if not isinstance(data, dict):
        raise UsageError(f"{source}: expected a JSON object")

    def need(key: str, kind: type | tuple[type, ...]) -> object:
        value = data.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise UsageError(f"{source}: key {key!r}: missing or not {getattr(kind, '__name__', 'a number')}")
        return value

    weights = need("dependence_weights", dict)
    if not weights or not all(isinstance(w, (int, float)) and not isinstance(w, bool) and 0 < w <= 1
                              for w in weights.values()):
        raise UsageError(f"{source}: key 'dependence_weights': expected a weight in (0, 1] per case")
    priors = {}
    for key, entry in need("priors", dict).items():
        try:
            priors[key] = Prior(key, str(entry["distribution"]), float(entry["low"]), float(entry["high"]))
        except (KeyError, TypeError, ValueError):
            raise UsageError(f"{source}: key 'priors.{key}': expected distribution, low and high") from None
    evidence = float(need("log_evidence", (int, float)))
    if not np.isfinite(evidence):
        raise UsageError(f"{source}: key 'log_evidence': not a finite number")
    return CalibrationRecord(str(need("structure", str)), str(data.get("description", "")), priors, evidence,
                             {str(k): float(v) for k, v in weights.items()}, int(need("runs", int)),
                             float(need("seconds", (int, float))), str(data.get("note", "")), source)
