"""The ``event_model`` baseline of ``escalation validate``: a self-exciting count model of the
cases' daily event sequences, fitted to the other cases only.

Data. Each case has a ``<id>.sequence.csv`` beside its targets file: the events of its record
day by day (``day,actor,action,source``; the vocabulary is ``ACTIONS``; lines starting with
``#`` are comments, and ``# unrecorded: a, b`` names the kinds of event the record does not
report either way, e.g. a reopening whose date no source gives). ``load_sequence`` checks
every row and refuses a bad one with one line naming the file, the row and what is allowed.

Model. A multi-type discrete-time self-exciting (Hawkes-like) model: for each kind of event r
in ``RESPONSES`` and each day d of a case (day 0, the trigger's day, included: the trigger
itself is given, the rest of day 0 is not), the intensity mu_r(d) has

    log mu_r(d) = b_r0 + b_r,group[trigger group] + b_r,day0 [d = 0] + b_r,closed [crossing closed]
                  + sum_k b_rk S_k(d),
    S_k(d) = sum_{s < d} n_k(s) 2^{-(d - s) / HALF_LIFE} + trigger_k 2^{-d / HALF_LIFE}

(S_k: the exponentially decayed count of earlier events of kind k, the trigger counting from
day 0 itself), and kind r happens on day d with probability 1 - exp(-mu_r(d)) (``FAMILY``
"cloglog": a binomial GLM with the complementary log-log link, the daily view of a point process
of that intensity; "negative_binomial": the day's count is NB2 with mean mu_r(d)). A crossing
has a state: a closure can only happen while it is open, a reopening only while it is closed
(their regressions run on those days only); a closure of a closed crossing or a reopening of an
open one changes nothing and is not counted. One ``statsmodels`` GLM per kind, fitted by
``fit_regularized`` with an L2 penalty (a Gaussian prior of sd ``PRIOR_SD`` on every
coefficient but the intercept: a MAP fit), on the other cases' days only. A case whose record
leaves a kind ``unrecorded`` is left out of that kind's regression.

Forecast. For a held-out case, ``SIMULATIONS`` sequences are drawn forward day by day from its
trigger (the day-0 acts its scenario schedules: the same information the simulator gets, never
its own sequence), with a seeded numpy Generator. Each fact of its targets that is a function
of a sequence (``expressible``) is computed from every simulated sequence by the same code
that scores a simulator run (``distance.facts``); its probability is (k + 1/2) / (N + 1). A
fact that is not (deaths, statements, third states, who closed a crossing, ...) falls back to
the beta-binomial by kind of trigger (``validate``'s ``trigger_rates``), and the output says so.
"""

from __future__ import annotations

import csv
import io
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..errors import UsageError
from ..io import read_limited
from ..ladder import Action
from .distance import Observation, facts
from .episodes import Episode, scope_targets
from .targets import Target, Targets

# ---- the vocabulary of the sequence files ---------------------------------------------------

ACTORS = ("pakistan", "afghanistan", "ttp", "bilateral")
#: action -> (the actors that may take it, what it means)
ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "fire": (("pakistan", "afghanistan"), "cross-border fire, shelling or a raid by that state's forces "
             "(a clash between the two is coded as fire by each)"),
    "airstrike": (("pakistan", "afghanistan"), "an air, drone or missile strike in a border province"),
    "airstrike_capital": (("pakistan", "afghanistan"), "a strike on the other state's capital"),
    "threat": (("pakistan", "afghanistan"), "a threat of force without fire (e.g. stopping the other's construction)"),
    "ttp_attack": (("ttp",), "an attack by the TTP or an affiliate on Pakistani forces"),
    "closure": (("pakistan", "afghanistan", "bilateral"), "a crossing closed (bilateral: by both sides or "
                "not attributed)"),
    "reopening": (("pakistan", "afghanistan", "bilateral"), "the crossing reopened (bilateral: as for closure)"),
    "talks": (("bilateral",), "officials, envoys, a flag meeting or a jirga of the two sides meet"),
}
COLUMNS = ("day", "actor", "action", "source")
#: what ``# unrecorded:`` may name: kinds the model counts (``SERIES``) whose absence the record does not vouch for
UNRECORDED = ("pakistan_fire", "afghanistan_fire", "pakistan_airstrike", "closure", "reopening", "talks")
MAX_DAY = 365
MAX_SEQUENCE_BYTES = 1 << 20
SEQUENCE_SUFFIX = ".sequence.csv"

# ---- named assumptions of the model ---------------------------------------------------------

HALF_LIFE = 2.0        # days: the half-life of excitation (fixed before any score was seen, not fitted)
#: The response family. "cloglog" (default): whether the kind happens on day d is Bernoulli with
#: P = 1 - exp(-mu_d), the daily view of a point process of intensity mu_d (a binomial GLM with the
#: complementary log-log link). "negative_binomial": the day's count is NB2 with mean mu_d, as the
#: issue proposed; the records' daily counts are 0 or 1 (a row is "fire that day"), which a count
#: family cannot fit: fitted to every case, it gave the same-day answer to fire a probability of
#: 0.38-0.54 where all 10 cases answered (a check in sample, before any score). Kept for comparison.
FAMILY = "cloglog"
NB_ALPHA = 1.0         # NB2 dispersion, variance = mu + NB_ALPHA mu^2 (FAMILY "negative_binomial" only; fixed)
PRIOR_SD = 2.0         # sd of the Gaussian prior (L2 penalty) on every coefficient but the intercept
SIMULATIONS = 2000     # sequences drawn per held-out case
MAX_DAILY = 3          # "negative_binomial": cap on a simulated day's count (the records never have more than 2)

#: The trigger kinds of ``validate.trigger_kind``, collapsed to three groups: with 2 cases of a TTP
#: attack (E03, E11) and 3 of a strike (E12, E18, October), leave-one-out would fit a kind on 1-2
#: cases; both are lethal attacks from one side's territory on the other, followed by strikes or
#: answers, so they share a group. The fire group (9 cases) is the reference level.
TRIGGER_GROUPS = {"fire_across_the_border": "fire", "air_strike": "strike_or_attack",
                  "ttp_attack": "strike_or_attack", "closure_or_threat": "closure_or_threat"}
KIND_COLUMNS = ("strike_or_attack", "closure_or_threat")

#: The kinds of event the model counts: name -> the (actor, action) pairs of the files it sums.
SERIES: dict[str, tuple[tuple[str, str], ...]] = {
    "pakistan_fire": (("pakistan", "fire"),),
    "afghanistan_fire": (("afghanistan", "fire"),),
    "pakistan_airstrike": (("pakistan", "airstrike"),),
    "pakistan_airstrike_capital": (("pakistan", "airstrike_capital"),),
    "afghanistan_airstrike": (("afghanistan", "airstrike"),),
    "afghanistan_airstrike_capital": (("afghanistan", "airstrike_capital"),),
    "ttp_attack": (("ttp", "ttp_attack"),),
    "threat": (("pakistan", "threat"), ("afghanistan", "threat")),
    "closure": tuple((a, "closure") for a in ACTIONS["closure"][0]),
    "reopening": tuple((a, "reopening") for a in ACTIONS["reopening"][0]),
    "talks": (("bilateral", "talks"),),
}
SERIES_NAMES = tuple(SERIES)
#: One regression each. Kinds not listed (a strike on a capital, an Afghan strike, a TTP attack
#: after day 0, a threat) never happen after the trigger in any record and are simulated as none.
RESPONSES = ("pakistan_fire", "afghanistan_fire", "pakistan_airstrike", "closure", "reopening", "talks")
#: The decayed sums that excite: name -> series summed (a strike on the capital excites as a strike).
EXCITERS: dict[str, tuple[str, ...]] = {
    "pakistan_fire": ("pakistan_fire",),
    "afghanistan_fire": ("afghanistan_fire", "afghanistan_airstrike", "afghanistan_airstrike_capital"),
    "pakistan_airstrike": ("pakistan_airstrike", "pakistan_airstrike_capital"),
    "ttp_attack": ("ttp_attack",),
    "closure": ("closure",),
    "talks": ("talks",),
}
COEFFICIENTS = ("intercept", *KIND_COLUMNS, "day0", "closed", *(f"excite_{k}" for k in EXCITERS))
KINETIC_SERIES = ("pakistan_fire", "afghanistan_fire", "pakistan_airstrike", "pakistan_airstrike_capital",
                  "afghanistan_airstrike", "afghanistan_airstrike_capital")

#: The simulator's actions that a sequence can answer for: (actor, action) -> series. A target is
#: expressible only if, for each of its actors, its actions are whole classes (e.g. fire means both
#: cross_border_fire and raid_border_posts), so that no part of a class is counted for another.
_CLASSES: dict[str, tuple[tuple[Action, ...], ...]] = {
    "pakistan": ((Action.CROSS_BORDER_FIRE, Action.RAID_BORDER_POSTS), (Action.AIRSTRIKE_BORDER_PROVINCE,),
                 (Action.AIRSTRIKE_CAPITAL,)),
    "afghanistan": ((Action.CROSS_BORDER_FIRE, Action.RAID_BORDER_POSTS), (Action.AIRSTRIKE_BORDER_PROVINCE,),
                    (Action.AIRSTRIKE_CAPITAL,)),
    "bilateral": ((Action.BILATERAL_TALKS,),),
}
_PAIR_SERIES: dict[tuple[str, Action], str] = {
    ("pakistan", Action.CROSS_BORDER_FIRE): "pakistan_fire",
    ("pakistan", Action.AIRSTRIKE_BORDER_PROVINCE): "pakistan_airstrike",
    ("pakistan", Action.AIRSTRIKE_CAPITAL): "pakistan_airstrike_capital",
    ("afghanistan", Action.CROSS_BORDER_FIRE): "afghanistan_fire",
    ("afghanistan", Action.AIRSTRIKE_BORDER_PROVINCE): "afghanistan_airstrike",
    ("afghanistan", Action.AIRSTRIKE_CAPITAL): "afghanistan_airstrike_capital",
    ("bilateral", Action.BILATERAL_TALKS): "talks",
}
QUANTITIES = ("kinetic_days", "closed_days")
#: A scheduled act of a scenario -> (actor, action) of the vocabulary (acts not listed are not events of it).
_SHOCK_ACTIONS = {Action.CROSS_BORDER_FIRE: "fire", Action.RAID_BORDER_POSTS: "fire",
                  Action.AIRSTRIKE_BORDER_PROVINCE: "airstrike", Action.AIRSTRIKE_CAPITAL: "airstrike_capital",
                  Action.THREAT_OF_FORCE: "threat", Action.TTP_ATTACK: "ttp_attack",
                  Action.CLOSE_CROSSING: "closure", Action.REOPEN_CROSSING: "reopening",
                  Action.BILATERAL_TALKS: "talks"}


@dataclass(frozen=True)
class Sequence:
    """A case's record day by day: rows (day, actor, action, source) and the kinds it leaves unrecorded."""

    path: str
    rows: tuple[tuple[int, str, str, str], ...]
    unrecorded: frozenset[str] = frozenset()

    def counts(self, horizon: int) -> np.ndarray:
        """(days, series) counts of the rows on days 0..horizon-1."""
        out = np.zeros((horizon, len(SERIES_NAMES)))
        for day, actor, action, _ in self.rows:
            if day < horizon:
                out[day, _SERIES_OF[(actor, action)]] += 1
        return out


_SERIES_OF = {pair: SERIES_NAMES.index(name) for name, pairs in SERIES.items() for pair in pairs}


def sequence_path(episode: Episode) -> Path:
    """``<id>.sequence.csv`` beside the case's targets file (``E03.targets.toml``, ``october_2025.toml``)."""
    targets = Path(episode.targets.source)
    stem = targets.name.removesuffix(".toml").removesuffix(".targets")
    return targets.with_name(stem + SEQUENCE_SUFFIX)


def load_sequence(path: str | Path, horizon: int | None = None) -> Sequence:
    """Read and check a sequence file (module docstring); any bad row is one ``UsageError`` line
    naming the file and the row (its line in the file, comments counted)."""
    path = Path(path)
    try:
        text = read_limited(path, MAX_SEQUENCE_BYTES, "sequence file").decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not a UTF-8 text file") from None
    last_day = (horizon - 1) if horizon is not None else MAX_DAY
    unrecorded: set[str] = set()
    data_lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("#"):
            body = stripped.lstrip("#").strip()
            if body.lower().startswith("unrecorded:"):
                for name in (n.strip() for n in body.split(":", 1)[1].split(",")):
                    if name not in UNRECORDED:
                        raise UsageError(f"{path}: row {number}: unknown kind {name!r} after 'unrecorded:'; "
                                         f"allowed: {', '.join(UNRECORDED)}")
                    unrecorded.add(name)
            continue
        if stripped:
            data_lines.append((number, line))
    if not data_lines:
        raise UsageError(f"{path}: empty; expected the header {','.join(COLUMNS)} and one row per event")
    try:
        parsed = [(number, next(csv.reader(io.StringIO(line)))) for number, line in data_lines]
    except csv.Error as err:
        raise UsageError(f"{path}: not CSV ({err})") from None
    number, header = parsed[0]
    if tuple(h.strip() for h in header) != COLUMNS:
        raise UsageError(f"{path}: row {number}: header {','.join(header)!s}; expected {','.join(COLUMNS)}")
    rows = []
    for number, cells in parsed[1:]:
        where = f"{path}: row {number}"
        if len(cells) != len(COLUMNS):
            raise UsageError(f"{where}: {len(cells)} cells for the {len(COLUMNS)} columns {','.join(COLUMNS)}")
        day_text, actor, action, source = (c.strip() for c in cells)
        try:
            day = int(day_text)
        except ValueError:
            day = None
        if day is None or not 0 <= day <= last_day:
            raise UsageError(f"{where}, column day: got {day_text!r}, expected an integer in [0, {last_day}] "
                             "(days from the scenario's day 0; rows without a pinned day are left out)")
        if actor not in ACTORS:
            raise UsageError(f"{where}, column actor: unknown actor {actor!r}; allowed: {', '.join(ACTORS)}")
        if action not in ACTIONS:
            raise UsageError(f"{where}, column action: unknown action {action!r}; allowed: {', '.join(ACTIONS)}")
        if actor not in ACTIONS[action][0]:
            raise UsageError(f"{where}: {actor} cannot take the action {action!r}; allowed actors for it: "
                             f"{', '.join(ACTIONS[action][0])}")
        if not source:
            raise UsageError(f"{where}, column source: empty; every row names the source of its event")
        rows.append((day, actor, action, source))
    return Sequence(str(path), tuple(rows), frozenset(unrecorded))


# ---- the trigger, the states of the crossing, the design ------------------------------------

def trigger_counts(episode: Episode) -> np.ndarray:
    """(series,) counts of the acts the case's scenario schedules on day 0: the given trigger."""
    out = np.zeros(len(SERIES_NAMES))
    for shock in episode.scenario.shocks:
        action = _SHOCK_ACTIONS.get(getattr(shock, "action", None))
        if shock.day != 0 or action is None:
            continue
        actor = "bilateral" if shock.actor not in ("pakistan", "afghanistan", "ttp") else shock.actor
        if (actor, action) in _SERIES_OF:
            out[_SERIES_OF[(actor, action)]] += 1
    return out


def trigger_group(episode: Episode) -> str:
    from .validate import trigger_kind

    return TRIGGER_GROUPS[trigger_kind(episode)]


_CLOSURE, _REOPENING = SERIES_NAMES.index("closure"), SERIES_NAMES.index("reopening")
_EXCITER_INDEX = [[SERIES_NAMES.index(s) for s in series] for series in EXCITERS.values()]
_DECAY = 2.0 ** (-1.0 / HALF_LIFE)


def _state_changes(counts: np.ndarray, trigger: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The counts with closures and reopenings reduced to changes of the crossing's state, and the
    state at the start of each day (True: closed). A closure and a reopening on one day (a gate
    shut for half an hour) leave the crossing open the next day."""
    days = len(counts)
    changes = counts.copy()
    closed_at_start = np.zeros(days, dtype=bool)
    closed = trigger[_CLOSURE] > 0
    for d in range(days):
        closed_at_start[d] = closed
        closes = not closed and counts[d, _CLOSURE] > 0
        reopens = counts[d, _REOPENING] > 0 and (closed or closes)
        changes[d, _CLOSURE] = float(closes)
        changes[d, _REOPENING] = float(reopens and closed)  # a same-day reopening is not a response
        closed = (closed or closes) and not reopens
    return changes, closed_at_start


def _excitation(history: np.ndarray, trigger: np.ndarray) -> np.ndarray:
    """(days, exciters) decayed sums S_k(d) of the events before day d (the trigger from day 0 on)."""
    days = len(history)
    out = np.zeros((days, len(EXCITERS)))
    s = np.array([trigger[idx].sum() for idx in _EXCITER_INDEX])
    for d in range(days):
        out[d] = s
        s = (s + np.array([history[d, idx].sum() for idx in _EXCITER_INDEX])) * _DECAY
    return out


def _design(group: str, days: int, closed: np.ndarray, excitation: np.ndarray) -> np.ndarray:
    kind = np.array([group == k for k in KIND_COLUMNS], dtype=float)
    x = np.empty((days, len(COEFFICIENTS)))
    x[:, 0] = 1.0
    x[:, 1:1 + len(KIND_COLUMNS)] = kind
    x[:, 1 + len(KIND_COLUMNS)] = np.arange(days) == 0
    x[:, 2 + len(KIND_COLUMNS)] = closed
    x[:, 3 + len(KIND_COLUMNS):] = excitation
    return x


@dataclass(frozen=True)
class Case:
    """One case as the fit sees it: its trigger, its trigger group and, for a training case, its record."""

    id: str
    group: str
    trigger: np.ndarray           # (series,)
    horizon: int
    counts: np.ndarray | None     # (days, series), closures and reopenings as state changes; None: no record
    unrecorded: frozenset[str] = frozenset()


def make_case(episode: Episode, sequence: Sequence | None) -> Case:
    trigger = trigger_counts(episode)
    horizon = episode.targets.horizon
    counts = None
    if sequence is not None:
        raw = sequence.counts(horizon)
        raw[0] = np.maximum(raw[0] - trigger, 0.0)  # the trigger is given; the rest of day 0 is a response
        counts, _ = _state_changes(raw, trigger)
    return Case(episode.id, trigger_group(episode), trigger, horizon, counts,
                sequence.unrecorded if sequence is not None else frozenset())


# ---- the fit ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class EventModel:
    """Fitted coefficients: (responses, coefficients); a row of NaN is a kind never seen (simulated as none)."""

    params: np.ndarray
    cases: tuple[str, ...]   # the cases it was fitted on
    family: str = FAMILY

    def coefficient(self, response: str, name: str) -> float:
        return float(self.params[RESPONSES.index(response), COEFFICIENTS.index(name)])


def _family(family: str):
    from statsmodels.genmod import families

    if family == "cloglog":
        return families.Binomial(link=families.links.CLogLog())
    if family == "negative_binomial":
        return families.NegativeBinomial(alpha=NB_ALPHA)
    raise ValueError(f"unknown family {family!r}; allowed: cloglog, negative_binomial")


def fit(cases: list[Case], family: str = FAMILY) -> EventModel:
    """One penalised GLM per kind of ``RESPONSES`` (``FAMILY``) on the days of ``cases`` that have a record;
    statsmodels' ridge path (BFGS by default) is run with Newton-CG, which converges in a third of the time."""
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    rows: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {r: [] for r in RESPONSES}
    used = []
    for case in cases:
        if case.counts is None:
            continue
        used.append(case.id)
        _, closed = _state_changes(case.counts, case.trigger)
        x = _design(case.group, case.horizon, closed, _excitation(case.counts, case.trigger))
        skip = set(case.unrecorded) | ({"reopening"} if "closure" in case.unrecorded else set())
        for r in RESPONSES:
            if r in skip:
                continue
            keep = ~closed if r == "closure" else closed if r == "reopening" else np.ones(case.horizon, dtype=bool)
            y = case.counts[:, SERIES_NAMES.index(r)]
            rows[r].append((x[keep], y[keep]))
    params = np.full((len(RESPONSES), len(COEFFICIENTS)), np.nan)
    for i, r in enumerate(RESPONSES):
        if not rows[r]:
            continue
        x = np.vstack([a for a, _ in rows[r]])
        y = np.concatenate([b for _, b in rows[r]])
        if y.sum() == 0:
            continue  # never seen: simulated as none
        varying = x.std(axis=0) > 0
        varying[0] = True
        penalty = np.where(np.arange(x.shape[1]) == 0, 0.0, 1.0 / (len(y) * PRIOR_SD ** 2))[varying]
        start = np.zeros(int(varying.sum()))
        start[0] = np.log(np.minimum(y, 1.0).mean())
        model = GLM(np.minimum(y, 1.0) if family == "cloglog" else y, x[:, varying], family=_family(family))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            result = model.fit_regularized(alpha=penalty, L1_wt=0.0, start_params=start, opt_method="newton-cg")
        beta = np.zeros(x.shape[1])
        beta[varying] = result.params
        params[i] = beta
    return EventModel(params, tuple(used), family)


# ---- simulation and facts --------------------------------------------------------------------

def simulate(model: EventModel, case: Case, n: int, rng: np.random.Generator) -> np.ndarray:
    """(days, series, n) counts of ``n`` sequences drawn forward from the case's trigger (day 0's
    trigger acts included in day 0's counts); closures and reopenings are changes of state."""
    days = case.horizon
    out = np.zeros((days, len(SERIES_NAMES), n))
    out[0] += case.trigger[:, None]
    closed = np.full(n, case.trigger[_CLOSURE] > 0)
    s = np.repeat(np.array([case.trigger[idx].sum() for idx in _EXCITER_INDEX])[:, None], n, axis=1)
    kind = np.array([case.group == k for k in KIND_COLUMNS], dtype=float)
    fitted = [(RESPONSES.index(r), SERIES_NAMES.index(r)) for r in RESPONSES
              if not np.isnan(model.params[RESPONSES.index(r), 0])]
    shape = 1.0 / NB_ALPHA
    for d in range(days):
        x = np.empty((len(COEFFICIENTS), n))
        x[0] = 1.0
        x[1:1 + len(KIND_COLUMNS)] = kind[:, None]
        x[1 + len(KIND_COLUMNS)] = float(d == 0)
        x[2 + len(KIND_COLUMNS)] = closed
        x[3 + len(KIND_COLUMNS):] = s
        today = np.zeros((len(SERIES_NAMES), n))
        for i, k in fitted:
            mu = np.exp(np.clip(model.params[i] @ x, -30.0, 5.0))
            if model.family == "cloglog":
                today[k] = rng.random(n) < -np.expm1(-mu)
            else:
                today[k] = np.minimum(rng.poisson(rng.gamma(shape, NB_ALPHA * mu)), MAX_DAILY)  # gamma-Poisson
        today[_CLOSURE] = (today[_CLOSURE] > 0) & ~closed
        today[_REOPENING] = (today[_REOPENING] > 0) & closed
        closed = (closed | (today[_CLOSURE] > 0)) & ~(today[_REOPENING] > 0)
        out[d] += today
        s = (s + np.array([today[idx].sum(axis=0) for idx in _EXCITER_INDEX])) * _DECAY
    return out


def expressible(target: Target) -> bool:
    """Whether the fact is a function of a sequence of the vocabulary (module docstring)."""
    if target.kind in ("event", "absent"):
        acts = set(target.actions)
        for actor in target.actors:
            classes = _CLASSES.get(actor)
            if classes is None:
                return False
            covered = set().union(*(set(c) for c in classes if acts & set(c)))
            if covered != acts:
                return False
        return True
    return target.quantity in QUANTITIES and target.kind in ("threshold", "count", "level")


def observation(counts: np.ndarray, targets: Targets) -> Observation:
    """What ``distance.facts`` reads, from (days, series, lanes) counts of sequences."""
    days, _, lanes = counts.shape
    pairs = targets.pairs()
    daily = np.zeros((len(pairs), days, lanes), dtype=np.int32)
    for p, pair in enumerate(pairs):
        series = _PAIR_SERIES.get(pair)
        if series is not None:
            daily[p] = counts[:, SERIES_NAMES.index(series)].astype(np.int32)
    kinetic = (counts[:, [SERIES_NAMES.index(s) for s in KINETIC_SERIES]].sum(axis=1) > 0)
    closed = np.zeros((days, lanes), dtype=bool)
    state = np.zeros(lanes, dtype=bool)
    for d in range(days):
        state = (state | (counts[d, _CLOSURE] > 0)) & ~(counts[d, _REOPENING] > 0)
        closed[d] = state
    series = {"kinetic_days": np.cumsum(kinetic, axis=0), "closed_days": np.cumsum(closed, axis=0)}
    levels = {q: np.vstack([np.zeros((1, lanes)), series[q] if q in series else np.zeros((days, lanes))]).astype(float)
              for q in targets.quantities()}
    return Observation(daily, levels, {pair: i for i, pair in enumerate(pairs)})


def sequence_facts(counts: np.ndarray, targets: Targets) -> np.ndarray:
    """(targets, lanes) booleans: each fact of ``targets`` in each sequence (meaningful where expressible)."""
    return facts(observation(counts, targets), targets)


def observed_counts(episode: Episode, sequence: Sequence) -> np.ndarray:
    """(days, series, 1) counts of the case's own record, as a simulated sequence would have them."""
    case = make_case(episode, sequence)
    counts = case.counts.copy()
    counts[0] += case.trigger
    return counts[:, :, None]


@dataclass
class Forecast:
    """Per case: the count model's probability of each fact (NaN where it falls back)."""

    probabilities: dict[str, np.ndarray]
    fitted_on: dict[str, tuple[str, ...]]


def leave_one_out(episodes: list[Episode], seed: int, n: int = SIMULATIONS,
                  sequences: dict[str, Sequence | None] | None = None, family: str = FAMILY,
                  given_episode: bool = True, held_out: set[str] | None = None) -> Forecast:
    """Fit on every other case, simulate the held-out one from its trigger, read its facts; with
    ``given_episode``, from the sequences in scope only (``episodes.scoped_fact_matrix``), as the
    simulator's runs are read (none in scope: from all of them). With ``held_out``, only those
    cases are forecast (the others are data only)."""
    if sequences is None:
        sequences = {}
        for e in episodes:
            path = sequence_path(e)
            sequences[e.id] = load_sequence(path, e.targets.horizon) if path.is_file() else None
    cases = [make_case(e, sequences.get(e.id)) for e in episodes]
    out, fitted_on = {}, {}
    for i, episode in enumerate(episodes):
        if held_out is not None and episode.id not in held_out:
            continue
        model = fit([c for j, c in enumerate(cases) if j != i], family)
        fitted_on[episode.id] = model.cases
        targets = episode.targets
        ok = np.array([expressible(t) for t in targets.targets])
        p = np.full(len(ok), np.nan)
        if ok.any() and model.cases:
            held = cases[i]
            blind = Case(held.id, held.group, held.trigger, held.horizon, None)  # never its own record
            sims = simulate(model, blind, n, np.random.default_rng([seed, 29, i]))
            held_facts = sequence_facts(sims, targets)
            scope = replace(targets, targets=scope_targets(targets.horizon), orders=())
            in_scope = sequence_facts(sims, scope).any(axis=0) if given_episode else np.ones(n, dtype=bool)
            if not in_scope.any():
                in_scope = np.ones(n, dtype=bool)
            k = (held_facts & in_scope).sum(axis=1)
            p = np.where(ok, (k + 0.5) / (in_scope.sum() + 1), np.nan)
        out[episode.id] = p
    return Forecast(out, fitted_on)


def settings() -> dict:
    """The event model's named assumptions, as ``validate --json`` reports them."""
    return {"family": FAMILY, "half_life_days": HALF_LIFE, "prior_sd": PRIOR_SD, "simulations": SIMULATIONS,
            "trigger_groups": sorted(set(TRIGGER_GROUPS.values())), "responses": list(RESPONSES)}
