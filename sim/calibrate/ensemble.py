"""A structural ensemble: calibrations of alternative structures, mixed by their evidence.

Each member is the output folder of ``escalation calibrate --episodes --structure NAME`` on the
same cases with the same dependence weights (``--weights-from`` the first member), so that
their SMC estimates of log p(facts | structure) are of one likelihood. With equal prior
probabilities for the structures (a named assumption), structure k's posterior probability is
exp(log Z_k) / sum_j exp(log Z_j), and the ensemble's posterior is the members' particles, each
weighted by its structure's probability over its calibration's particles (``Ensemble``: several
calibrations of one structure share its weight by their own evidence): every batch, study and
forecast that draws from it carries the structural uncertainty with the parametric one. A
parameter a structure does not free keeps its default in that member's rows. The per-case
log-likelihoods are kept row by row, so leave-one-out reweights structures and parameters
together (PSIS on the mixture is the mixture without that case).

The evidence is of the dependence-weighted synthetic likelihood (``sim.calibrate.joint``), a
composite likelihood, not of the full one; its Monte Carlo error shows only in the spread of a
structure's calibrations from other seeds (``Ensemble.spread``). Both are stated wherever a
weight is reported.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from scipy.special import logsumexp

from ..batch.posterior import load_posterior
from ..batch.store import refuse_batch_folder
from ..errors import UsageError
from ..io import atomic_write, atomic_write_text, output_folder, read_limited
from ..scenario import (
    MAX_POSTERIOR_BYTES,
    NAME_PATTERN,
    NAME_RULE,
    Prior,
    Scenario,
    load_scenario,
    resolve_scenario_path,
)
from .abc import Calibration
from .episodes import MAIN_CASE
from .joint import JointCalibration
from .posterior import write_calibrated_scenario
from .priors import PriorSpace
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
    replicates: int | None = None   # runs per particle and case: the synthetic likelihood depends on it

    def weights_for(self, cases: list[str]) -> np.ndarray:
        """The dependence weights of these cases, refused unless the record has every one."""
        missing = [c for c in cases if c not in self.weights]
        if missing:
            raise UsageError(f"{self.source}: key 'dependence_weights': no weight for case {missing[0]} "
                             f"(it has {', '.join(self.weights)}): calibrate on the same cases")
        return np.array([self.weights[c] for c in cases])


def write_calibration_record(path: Path, result: JointCalibration, structure: Structure, note: str,
                             replicates: int | None = None) -> Path:
    record = {"structure": structure.name, "description": structure.description,
              "priors": {k: {"distribution": p.distribution, "low": p.low, "high": p.high}
                         for k, p in structure.priors.items()},
              "log_evidence": result.log_evidence,
              "dependence_weights": dict(zip(result.episodes, result.weights.tolist(), strict=True)),
              "runs": result.runs, "seconds": result.seconds, "replicates": replicates, "note": note}
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
    structure = str(need("structure", str))
    if not NAME_PATTERN.fullmatch(structure):  # it becomes file names of the ensemble's output
        raise UsageError(f"{source}: key 'structure': expected a name of {NAME_RULE}, got {structure!r}")
    return CalibrationRecord(structure, str(data.get("description", "")), priors, evidence,
                             {str(k): float(v) for k, v in weights.items()}, int(need("runs", int)),
                             float(need("seconds", (int, float))), str(data.get("note", "")), source,
                             _replicates(data, source))


def _replicates(data: dict, source: str) -> int | None:
    """The record's runs per particle and case; records of an earlier version say it only in their note."""
    value = data.get("replicates")
    if value is None:
        found = re.search(r"(\d+) runs per particle", str(data.get("note", "")))
        return int(found.group(1)) if found else None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise UsageError(f"{source}: key 'replicates': expected a positive integer")
    return value


@dataclass
class Member:
    """One structure's calibration: its record, particles (with weights) and per-case log-likelihoods."""

    folder: Path
    record: CalibrationRecord
    posterior: pd.DataFrame
    loglik: pd.DataFrame


def read_member(folder: str | Path, main: Scenario) -> Member:
    """A calibration folder written by ``calibrate --episodes``: record, posterior and log-likelihoods."""
    from .workflow import loglik_path_for

    folder = Path(folder)
    record = read_calibration_record(folder)
    calibrated = folder / f"{main.name}_calibrated.toml"
    if not calibrated.is_file():
        raise UsageError(f"{folder}: no {calibrated.name} in it (written by `escalation calibrate --episodes`)")
    scenario = load_scenario(calibrated)
    posterior = load_posterior(scenario)
    path = loglik_path_for(Path(scenario.posterior))
    try:
        loglik = pq.read_table(pa.BufferReader(read_limited(path, MAX_POSTERIOR_BYTES, "log-likelihood file")))
    except (OSError, ValueError, pa.ArrowException) as err:
        raise UsageError(f"{path}: not a readable Parquet file ({err.__class__.__name__})") from None
    loglik = loglik.to_pandas()
    if len(loglik) != len(posterior) or list(loglik.columns) != list(record.weights):
        raise UsageError(f"{path}: expected {len(posterior)} rows and one column per case of {record.source}")
    return Member(folder, record, posterior, loglik)


@dataclass
class Ensemble:
    """The calibrations, their structures' posterior probabilities and the mixed posterior
    (module docstring). Calibrations of one structure (other seeds) pool: the structure's
    evidence is the mean of their estimates of p(facts) (each is unbiased for it), and each
    calibration's particles get the share of its own estimate in their sum, as independent
    importance samplers of one posterior combine; the spread of their log evidences measures the
    Monte Carlo error of one calibration."""

    members: list[Member]
    structures: list[str]       # in order of first appearance
    log_evidence: np.ndarray    # (structures,) pooled log p(facts | structure)
    probability: np.ndarray     # (structures,) posterior probability of each structure
    posterior: pd.DataFrame     # every calibration's rows, parameters + weight
    loglik: pd.DataFrame        # the per-case log-likelihoods of the same rows
    structure: np.ndarray       # (rows,) the structure of each row
    priors: dict[str, Prior]    # the main scenario's and every structure's

    def of(self, name: str) -> list[Member]:
        return [m for m in self.members if m.record.structure == name]

    def spread(self, name: str) -> float | None:
        """Standard deviation of the log evidence over the structure's calibrations (None for one)."""
        values = [m.record.log_evidence for m in self.of(name)]
        return float(np.std(values, ddof=1)) if len(values) > 1 else None

    def table(self) -> str:
        lines = ["Structural ensemble: each structure's SMC log evidence (of the dependence-weighted synthetic "
                 "likelihood; pooled over its calibrations, whose spread is the Monte Carlo error) and its "
                 "posterior probability under equal prior probabilities.", ""]
        width = max(24, *(len(name) for name in self.structures))
        lines += [f"{'structure':{width}s} {'log evidence':>13s} {'calibrations':>30s} {'probability':>12s} "
                  f"{'particles':>10s}  what it adds"]
        for name, log_z, p in zip(self.structures, self.log_evidence, self.probability, strict=True):
            members = self.of(name)
            each = ", ".join(f"{m.record.log_evidence:.2f}" for m in members)
            adds = ", ".join(f"{k} ~ {v.distribution}[{v.low:g}, {v.high:g}]"
                             for k, v in members[0].record.priors.items()) or "nothing"
            lines.append(f"{name:{width}s} {log_z:13.2f} {each:>30s} {p:12.3f} "
                         f"{sum(len(m.posterior) for m in members):10d}  {adds}")
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {"structures": [{"structure": name, "log_evidence": float(log_z), "probability": float(p),
                                "log_evidence_sd": self.spread(name),
                                "description": self.of(name)[0].record.description,
                                "priors": {k: {"distribution": v.distribution, "low": v.low, "high": v.high}
                                           for k, v in self.of(name)[0].record.priors.items()},
                                "calibrations": [{"folder": str(m.folder), "log_evidence": m.record.log_evidence,
                                                  "particles": len(m.posterior), "runs": m.record.runs,
                                                  "note": m.record.note} for m in self.of(name)]}
                               for name, log_z, p in zip(self.structures, self.log_evidence, self.probability,
                                                         strict=True)],
                "prior_over_structures": "equal"}


def build_ensemble(folders: list[str | Path], main: Scenario) -> Ensemble:
    """Mix the calibrations of ``folders`` by their structures' evidence (module docstring)."""
    if len({Path(f).resolve() for f in folders}) != len(folders):
        raise UsageError("ensemble: a calibration folder given twice")
    members = [read_member(f, main) for f in folders]
    first = members[0].record
    for m in members[1:]:
        r = m.record
        if list(r.weights) != list(first.weights):
            raise UsageError(f"{r.source}: key 'dependence_weights': its cases ({', '.join(r.weights)}) are not "
                             f"those of {first.source}: calibrate every structure on the same cases")
        if not np.allclose(list(r.weights.values()), list(first.weights.values()), rtol=1e-9, atol=0):
            raise UsageError(f"{r.source}: key 'dependence_weights': not those of {first.source}, so the evidences "
                             f"are of different likelihoods; calibrate with --weights-from {members[0].folder}")
        if r.replicates != first.replicates:
            raise UsageError(f"{r.source}: key 'replicates': {r.replicates} runs per particle and case, not "
                             f"{first.replicates} as in {first.source}: the synthetic likelihoods differ")
    structures = list(dict.fromkeys(m.record.structure for m in members))
    if len(structures) < 2:
        raise UsageError("ensemble: give calibrations of at least two structures (calibrate --structure NAME)")
    for name in structures:
        priors = [m.record.priors for m in members if m.record.structure == name]
        if any(p != priors[0] for p in priors):
            raise UsageError(f"ensemble: the calibrations of structure {name!r} have different priors")
    log_z = np.array([logsumexp([m.record.log_evidence for m in members if m.record.structure == name])
                      - np.log(sum(m.record.structure == name for m in members)) for name in structures])
    probability = np.exp(log_z - logsumexp(log_z))
    priors = dict(main.priors)
    for m in members:
        priors.update(m.record.priors)
    keys = list(dict.fromkeys(k for m in members for k in m.posterior.columns if k != "weight"))
    parts, structure = [], []
    for m in members:
        s = structures.index(m.record.structure)
        own = [other.record.log_evidence for other in members if other.record.structure == m.record.structure]
        share = probability[s] * np.exp(m.record.log_evidence - logsumexp(own))
        frame = m.posterior.copy()
        for key in keys:
            if key not in frame:
                frame[key] = float(main.params[key])  # the value every run of this structure used
        w = frame["weight"].to_numpy(float) if "weight" in frame else np.ones(len(frame))
        frame["weight"] = share * w / w.sum()
        parts.append(frame[[*keys, "weight"]])
        structure += [m.record.structure] * len(frame)
    loglik = pd.concat([m.loglik for m in members], ignore_index=True)
    return Ensemble(members, structures, log_z, probability, pd.concat(parts, ignore_index=True), loglik,
                    np.array(structure), priors)


def _calibration_of(frame: pd.DataFrame, priors: dict[str, Prior], source: str) -> Calibration:
    """The weighted rows as the ``Calibration`` the scenario writer reads (medians, intervals)."""
    keys = [k for k in frame.columns if k != "weight"]
    space = PriorSpace.from_priors(priors, source, keys)
    weights = frame["weight"].to_numpy(float)
    return Calibration(space, frame[keys].to_numpy(float), weights / weights.sum(), np.zeros((len(frame), 1)))


def _write_parquet(frame: pd.DataFrame, path: Path) -> Path:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    return atomic_write(path, lambda tmp: pq.write_table(table, tmp))


def write_ensemble(ensemble: Ensemble, main: Scenario, folder: Path, note: str) -> list[Path]:
    """The mixed posterior as the calibrated scenario of ``folder`` (``posteriors/<name>.parquet``,
    its log-likelihoods, ``<name>_calibrated.toml``) and each member beside it under
    ``ensemble/`` (``<name>_<structure>_calibrated.toml``: the studies run each structure alone)."""
    from .workflow import loglik_path_for

    written = []
    evidence = "the facts of the earlier episodes and the October 2025 case"
    extra = {k: v for k, v in ensemble.priors.items() if k not in main.priors}
    path = folder / "posteriors" / f"{main.name}.parquet"
    written += [_write_parquet(ensemble.posterior, path), _write_parquet(ensemble.loglik, loglik_path_for(path))]
    mix = ", ".join(f"{name} {p:.3f}" for name, p in zip(ensemble.structures, ensemble.probability, strict=True))
    written.append(write_calibrated_scenario(
        main, _calibration_of(ensemble.posterior, ensemble.priors, main.source), path,
        folder / f"{main.name}_calibrated.toml", f"structural ensemble ({mix}); {note}", evidence,
        "the facts of the earlier episodes and of the seed article, over an ensemble of structures weighted by "
        "their evidence", priors=extra, writer="escalation ensemble"))
    for s in ensemble.structures:
        rows = np.flatnonzero(ensemble.structure == s)
        frame = ensemble.posterior.iloc[rows].reset_index(drop=True)
        frame["weight"] = frame["weight"] / frame["weight"].sum()
        mpath = folder / "ensemble" / "posteriors" / f"{s}.parquet"
        written += [_write_parquet(frame, mpath),
                    _write_parquet(ensemble.loglik.iloc[rows].reset_index(drop=True), loglik_path_for(mpath))]
        calibrations = "; ".join(m.record.note for m in ensemble.of(s))
        written.append(write_calibrated_scenario(
            main, _calibration_of(frame, ensemble.priors, main.source), mpath,
            folder / "ensemble" / f"{main.name}_{s}_calibrated.toml", f"structure {s} alone; {calibrations}",
            evidence, f"the facts of the earlier episodes and of the seed article, structure {s} alone",
            name=f"{main.name}_{s}_calibrated", priors=extra, writer="escalation ensemble"))
    return written


def ensemble_to_files(folders: list[str | Path], out: str | Path, install: bool = False) -> tuple[Ensemble, list[Path]]:
    """``escalation ensemble``: mix the calibrations, write them under ``out`` with ``ensemble.json``
    and ``report.md``; with ``install``, also beside the main scenario (what batches then draw)."""
    main = load_scenario(resolve_scenario_path(MAIN_CASE[0]))
    ensemble = build_ensemble(folders, main)
    note = f"members {', '.join(m.folder.name for m in ensemble.members)}, {dt.date.today().isoformat()}"
    with output_folder(out) as folder:
        refuse_batch_folder(folder)
        written = write_ensemble(ensemble, main, folder, note)
        written.append(atomic_write_text(folder / "ensemble.json", json.dumps(ensemble.to_json(), indent=2) + "\n"))
        written.append(atomic_write_text(folder / "report.md", "# Structural ensemble\n\n" + ensemble.table() + "\n"))
        if install:
            written += write_ensemble(ensemble, main, Path(main.source).parent, note)
    return ensemble, written
