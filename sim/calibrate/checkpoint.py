"""The ABC-SMC sampler's state after each generation, written atomically so a killed
calibration resumes where it stopped and ends with the same posterior as an uninterrupted one.

Every generation's random numbers depend only on (seed, generation), so the state below is
all a resumed run needs. A fingerprint of the settings, the scenario and the targets guards
against resuming a different calibration.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..errors import UsageError
from ..io import atomic_write


@dataclass
class SamplerState:
    """Everything generation ``generation + 1`` starts from."""

    generation: int
    theta: np.ndarray
    sequence: np.ndarray   # (N, M) sequence part of each run's distance (sim.calibrate.distance.distance_parts)
    rest: np.ndarray       # (N, M) the other facts' part
    weights: np.ndarray
    epsilon: float
    acceptance: float
    scale: float
    history: list[dict]
    seconds: float


def fingerprint(**settings: object) -> str:
    """A short hash of the settings that must match for a resume (arrays by their bytes)."""
    def plain(value: object) -> object:
        if isinstance(value, np.ndarray):
            return hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest()
        return repr(value)

    text = json.dumps({k: plain(v) for k, v in sorted(settings.items())})
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def save(path: Path, state: SamplerState, key: str) -> None:
    arrays = {"theta": state.theta, "sequence": state.sequence, "rest": state.rest,
              "weights": state.weights}
    meta = {k: v for k, v in asdict(state).items() if k not in arrays} | {"fingerprint": key}

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as handle:
            np.savez(handle, meta=np.array(json.dumps(meta)), **arrays)

    atomic_write(path, write)


def load(path: Path, key: str) -> SamplerState | None:
    """The saved state, None if there is none; a state from other settings is a one-line error."""
    if not path.exists():
        return None
    damaged = f"{path}: damaged calibration checkpoint (%s); delete it to start afresh"
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            arrays = {k: data[k] for k in ("theta", "sequence", "rest", "weights")}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
        what = "not an .npz archive" if isinstance(err, EOFError | ValueError) and "CRC" not in str(err) else (
            str(err).splitlines()[0] if str(err) else err.__class__.__name__)
        raise UsageError(damaged % what) from None
    if not isinstance(meta, dict) or meta.pop("fingerprint", None) != key:
        raise UsageError(f"{path}: the checkpoint is of a calibration with other settings, scenario or targets; "
                         "delete it or choose another --out to start afresh")
    try:
        state = SamplerState(**meta, **arrays)
    except TypeError:
        raise UsageError(damaged % "fields missing") from None
    n = len(state.weights)
    if (state.theta.ndim != 2 or state.theta.shape[0] != n or state.sequence.shape != state.rest.shape
            or state.sequence.shape[0] != n or not np.isfinite(state.weights).all()):
        raise UsageError(damaged % "arrays of inconsistent shapes")
    return state
