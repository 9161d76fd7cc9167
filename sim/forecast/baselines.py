"""The baselines a forecast is judged beside, from the episodes: climatology and persistence.

Both come from the facts of the shipped episodes (``sim.calibrate.episodes``), as in
``escalation validate``, and are fixed when the forecast is made (they go into forecast.json),
so that ``escalation score`` compares forecasts that were all made before the answers were known.

* **climatology**: the rate at which a fact of the same name held over the episodes that report
  it, (k + 1/2) / (n + 1); a question no episode reports (the October questions) gets the rate of
  all the episodes' facts, and its ``climatology_basis`` says so;
* **persistence**: nothing changes after the origin (no new act, a closed crossing stays closed);
  the answer that gives (``persistence_answer``, computed on the matched runs' state at the
  origin) is right with the probability persistence was right over the episodes' facts.

``exclude`` leaves one episode out of both (a backtest on that episode).
"""

from __future__ import annotations

import functools

import numpy as np

from ..calibrate.episodes import load_episodes, persistence_facts


@functools.lru_cache(maxsize=1)
def _episode_facts() -> tuple[tuple[str, str, bool, bool], ...]:
    """(episode, fact, observed, persistent) for every fact of every shipped case."""
    rows = []
    for episode in load_episodes():
        persistent = persistence_facts(episode)
        for f, name in enumerate(episode.fact_names):
            rows.append((episode.id, name, bool(episode.observed[f]), bool(persistent[f])))
    return tuple(rows)


def episode_baselines(names: list[str], persistence_answers: dict[str, bool | None],
                      exclude: str | None = None) -> dict[str, dict]:
    """Per question: climatology and persistence probabilities (module docstring)."""
    rows = [r for r in _episode_facts() if r[0] != exclude]
    observed = np.array([r[2] for r in rows])
    right = float(sum(r[2] == r[3] for r in rows))
    p_right = (right + 0.5) / (len(rows) + 1)
    out = {}
    for name in names:
        same = [r[2] for r in rows if r[1] == name]
        if same:
            clim, basis = (sum(same) + 0.5) / (len(same) + 1), f"fact {name!r} in {len(same)} episodes"
        else:
            clim, basis = (observed.sum() + 0.5) / (len(rows) + 1), f"all {len(rows)} episode facts (none named {name!r})"
        answer = persistence_answers.get(name)
        entry = {"climatology": float(clim), "climatology_basis": basis}
        if answer is not None:
            entry.update(persistence=float(p_right if answer else 1 - p_right), persistence_answer=bool(answer),
                         persistence_basis=f"nothing changes after the origin; right in {right:.0f} of {len(rows)} "
                                           "episode facts")
        out[name] = entry
    return out
