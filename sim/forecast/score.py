"""``escalation score``: a forecast judged once its answers are known, beside the baselines it carried.

Brier score and log score (natural log, negative log-likelihood; lower is better for both, from
the ``scoringrules`` library as in ``escalation validate``) of every resolved question and their
mean, for the model and for the climatology and persistence baselines that forecast.json holds
(``sim.forecast.baselines``: fixed when the forecast was made). A probability of exactly 0 or 1
would make a wrong answer's log score infinite; the model's is kept within 1 / (2 (n + 1)) of
them, n the matched runs (what a Jeffreys prior on n runs allows).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scoringrules as sr

from ..errors import UsageError
from ..io import read_limited
from .questions import RESERVED, load_resolutions

FORECASTERS = ("model", "climatology", "persistence")


@dataclass
class Scores:
    """Per resolved question: the outcome, each forecaster's probability and scores."""

    rows: pd.DataFrame       # question, outcome, model, climatology, persistence
    unresolved: list[str]
    source: str

    def scored(self) -> pd.DataFrame:
        out = self.rows.copy()
        obs = out["outcome"].to_numpy(float)
        for name in FORECASTERS:
            p = out[name].to_numpy(float)
            ok = ~np.isnan(p)
            out[f"{name}_brier"] = np.where(ok, sr.brier_score(obs, np.nan_to_num(p)), np.nan)
            out[f"{name}_log"] = np.where(ok, sr.log_score(obs, np.clip(np.nan_to_num(p, nan=0.5), 1e-12, 1 - 1e-12)),
                                          np.nan)
        return out

    def means(self) -> dict[str, dict[str, float | None]]:
        scored = self.scored()
        return {name: {"brier": _mean(scored[f"{name}_brier"]), "log_score": _mean(scored[f"{name}_log"])}
                for name in FORECASTERS}

    def reliability(self, bins: int = 5) -> pd.DataFrame:
        return reliability_table(self.rows["model"].to_numpy(float), self.rows["outcome"].to_numpy(bool), bins)

    def to_json(self) -> dict:
        scored = self.scored()
        questions = {}
        for row in scored.to_dict("records"):
            questions[row["question"]] = {
                "outcome": bool(row["outcome"]),
                **{name: {"p": _plain(row[name]), "brier": _plain(row[f"{name}_brier"]),
                          "log_score": _plain(row[f"{name}_log"])} for name in FORECASTERS}}
        return {"forecast": self.source, "questions": questions, "mean": self.means(), "unresolved": self.unresolved,
                "reliability": self.reliability().to_dict("records")}

    def table(self) -> str:
        scored = self.scored()
        width = max([len(q) for q in scored["question"]] + [8])
        lines = [f"Scores of {self.source}: Brier / log score, lower is better", "",
                 f"{'question':{width}s} outcome " + " ".join(f"{n:>24s}" for n in FORECASTERS)]
        for row in scored.to_dict("records"):
            cells = " ".join(_cell(row[n], row[f"{n}_brier"], row[f"{n}_log"]) for n in FORECASTERS)
            lines.append(f"{row['question']:{width}s} {('yes' if row['outcome'] else 'no'):>7s} {cells}")
        means = self.means()
        lines.append(f"{'mean':{width}s} {len(scored):7d} " + " ".join(
            f"{'':6s}{_num(means[n]['brier'])} / {_num(means[n]['log_score'])}" for n in FORECASTERS))
        lines += ["", "cells: probability  Brier / log score", "reliability of the model (bins of the forecast):"]
        for row in self.reliability().to_dict("records"):
            if row["questions"]:
                lines.append(f"  {row['bin']}: {row['questions']} questions, mean forecast "
                             f"{row['mean_forecast']:.2f}, share yes {row['observed_frequency']:.2f}")
        if self.unresolved:
            lines.append(f"not resolved (not scored): {', '.join(self.unresolved)}")
        return "\n".join(lines)


def _mean(values: pd.Series) -> float | None:
    values = values.dropna()
    return float(values.mean()) if len(values) else None


def _plain(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else float(value)


def _num(value: float | None) -> str:
    return "   n/a" if value is None else f"{value:6.3f}"


def _cell(p: float, brier: float, log: float) -> str:
    if p is None or np.isnan(p):
        return f"{'n/a':>24s}"
    return f"{p:6.3f}  {brier:6.3f} / {log:6.3f}"


def reliability_table(p: np.ndarray, outcome: np.ndarray, bins: int = 5) -> pd.DataFrame:
    """Share of yes answers against the forecast probability, in equal-width bins (questions the
    forecast could not answer, p NaN, are left out)."""
    known = ~np.isnan(p)
    p, outcome = p[known], outcome[known]
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges) - 1, 0, bins - 1)
    rows = []
    for b in range(bins):
        sel = which == b
        rows.append({"bin": f"{edges[b]:.1f}-{edges[b + 1]:.1f}", "questions": int(sel.sum()),
                     "mean_forecast": float(p[sel].mean()) if sel.any() else None,
                     "observed_frequency": float(outcome[sel].mean()) if sel.any() else None})
    return pd.DataFrame(rows)


def read_forecast(path: str | Path) -> dict:
    """A forecast.json written by ``escalation forecast``, checked enough to be scored."""
    path = Path(path)
    data = read_limited(path, 64 << 20, "forecast file")
    try:
        forecast = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise UsageError(f"{path}: not a JSON file ({err.__class__.__name__}); expected the forecast.json "
                         "that `escalation forecast` writes") from None
    if not isinstance(forecast, dict) or "conditioning" not in forecast:
        raise UsageError(f"{path}: not a forecast.json of `escalation forecast` (no \"conditioning\" entry)")
    conditioning = forecast["conditioning"]
    matched = conditioning.get("matched", 0) if isinstance(conditioning, dict) else None
    if isinstance(matched, bool) or not isinstance(matched, int) or matched < 0:
        raise UsageError(f"{path}: key 'conditioning.matched': got {matched!r}, expected the number of matched runs "
                         "(a whole number, 0 or more)")
    for name, entry in forecast.items():
        if name in RESERVED:
            continue
        if not isinstance(entry, dict) or "p" not in entry:
            raise UsageError(f"{path}: key '{name}': expected a question's entry with \"p\"")
        _probability(path, f"{name}.p", entry["p"])
        baselines = entry.get("baselines", {})
        if not isinstance(baselines, dict):
            raise UsageError(f"{path}: key '{name}.baselines': expected a table of baseline probabilities")
        for baseline in ("climatology", "persistence"):
            _probability(path, f"{name}.baselines.{baseline}", baselines.get(baseline))
    return forecast


def _probability(path: Path, key: str, p: object) -> None:
    if p is not None and (isinstance(p, bool) or not isinstance(p, int | float) or not 0 <= p <= 1):
        raise UsageError(f"{path}: key '{key}': got {p!r}, expected a probability in [0, 1] or null")


def score(forecast_path: str | Path, resolved_path: str | Path) -> Scores:
    """Score a forecast.json against a resolutions file (module docstring)."""
    forecast = read_forecast(forecast_path)
    names = [k for k in forecast if k not in RESERVED]
    answers = load_resolutions(resolved_path, names)
    n = int(forecast["conditioning"].get("matched", 0))
    floor = 1 / (2 * (n + 1))
    rows = []
    for name in names:
        if name not in answers:
            continue
        entry = forecast[name]
        base = entry.get("baselines", {})
        p = entry["p"]
        rows.append({"question": name, "outcome": answers[name],
                     "model": np.nan if p is None else float(np.clip(p, floor, 1 - floor)),
                     **{b: np.nan if base.get(b) is None else float(base[b]) for b in ("climatology", "persistence")}})
    return Scores(pd.DataFrame(rows, columns=["question", "outcome", *FORECASTERS]),
                  [n for n in names if n not in answers], str(forecast_path))
