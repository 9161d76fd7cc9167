"""Scenario files: TOML data, validated against ``sim.parameters`` with clear errors.

A scenario is data, never code: it is read with ``tomllib`` and every key is checked against
the declared parameters. Errors name the file, the key and what is allowed, and are raised as
``ScenarioError`` so that the CLI can print one line and exit with status 2.

The scenarios that ship with the package (``sim/scenarios/``, package data) can be named
instead of given as paths: ``resolve_scenario_path("october_2025")``. A path always wins.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import hashlib
import json
import math
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import UsageError
from .geography import PLACES
from .io import read_limited
from .ladder import SCHEDULABLE_BY, Action
from .parameters import (
    CAPABILITY_KEYS,
    CROSSING_SPECS,
    GLOBAL_SPECS,
    INDIA_SPECS,
    INITIAL_GLOBAL_SPECS,
    INITIAL_STATE_SPECS,
    MEDIATOR_SPECS,
    PARTIES,
    SCENARIO_SPECS,
    SITE_SPECS,
    STATE_SPECS,
    TTP_SPECS,
    Spec,
)

PRIOR_DISTRIBUTIONS = ("uniform", "loguniform")
PRIOR_FIELDS = ("distribution", "low", "high")
#: Input files are read with a limit: a scenario or targets file is a few kB, a posterior a few MB.
MAX_SCENARIO_BYTES = 4 << 20
MAX_POSTERIOR_BYTES = 256 << 20
#: A scenario's name becomes file names (runs/<name>/, scenarios/<name>.json, <name>_calibrated.toml).
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
NAME_RULE = "letters, digits, '_', '-' and '.', starting with a letter or a digit, at most 64 characters"
#: Mediator and crossing names become parameter keys and TOML table names.
ACTOR_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")
ACTOR_RULE = "lower-case letters, digits and '_', starting with a letter, at most 40 characters"
RESERVED_ACTORS = (*PARTIES, "ttp", "india", "both")
MAX_SHOCK_DEATHS = 1e6


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message is one line for the user."""

    def __init__(self, source: str, key: str, message: str) -> None:
        self.source, self.key = source, key
        where = f"key '{key}': " if key else ""
        super().__init__(f"{source}: {where}{message}")


def shipped_dir() -> Path:
    """The directory of the scenarios shipped inside the package (``sim/scenarios``).

    Found through ``importlib.resources``, so it is the same in a checkout, an editable
    install and an installed wheel: nothing depends on where the repository is.
    """
    return Path(str(resources.files("sim") / "scenarios"))


def shipped_scenarios() -> dict[str, Path]:
    """Name -> file of every shipped scenario (``october_2025``, ``no_mediators``, ...), sorted."""
    return {p.stem: p for p in sorted(shipped_dir().glob("*.toml"))}


def shipped_episode_bases() -> dict[str, Path]:
    """Name -> file of the shipped scenarios that episodes build on (``border_years``): a folder of
    new episodes elsewhere may name them as its base, as the shipped episodes do."""
    folder = shipped_dir() / "episodes"
    return {p.stem: p for p in sorted(folder.glob("*.toml"))
            if not p.name.endswith(".targets.toml") and not _is_episode_file(p)}


def _is_episode_file(path: Path) -> bool:
    """An episode's own scenario (``E05.toml``: it has a targets file beside it), not a base."""
    return path.with_name(f"{path.stem}.targets.toml").is_file()


def shipped_targets() -> dict[str, Path]:
    """Name -> file of every shipped calibration targets file (``october_2025``), sorted."""
    return {p.stem: p for p in sorted((shipped_dir() / "targets").glob("*.toml"))}


def _shipped_name(text: str) -> str | None:
    """The shipped name that ``text`` may mean: a bare name, with or without ``.toml``."""
    if not text or "/" in text or "\\" in text:
        return None
    return text.removesuffix(".toml")


def resolve_scenario_path(text: str | Path, kind: str = "scenario") -> Path:
    """The file meant by ``text``: an existing path, else the shipped scenario of that name.

    A path always wins over a name, so a user's ``october_2025.toml`` in the current
    directory is read rather than the shipped one; a bare name (``october_2025``, with or
    without ``.toml``) finds the shipped file from any directory. ``kind="targets"``
    resolves names of shipped calibration targets instead. Anything else raises
    ``ScenarioError`` with one line that lists the shipped names.
    """
    path = Path(text)
    if path.exists():
        return path
    shipped = shipped_targets() if kind == "targets" else shipped_scenarios()
    name = _shipped_name(str(text))
    if name is not None and name in shipped:
        return shipped[name]
    what = "targets" if kind == "targets" else "scenario"
    if name is None:
        raise ScenarioError(str(text), "", f"no such {what} file")
    shipped_what = "shipped targets" if kind == "targets" else "a shipped scenario"
    raise ScenarioError(str(text), "", f"no such {what} file, nor {shipped_what} of that name"
                        f"{_suggest(name, list(shipped))}; shipped: {', '.join(shipped) or 'none'}")


@dataclass(frozen=True)
class Shock:
    """An action forced on a given day (e.g. day 0: Pakistani airstrikes on Kabul)."""

    day: int
    actor: str
    action: Action
    target: str
    location: str
    deaths: float | None = None
    note: str = ""


@dataclass(frozen=True)
class ParameterShock:
    """A parameter changed from a given day on (e.g. India reopens its embassy in Kabul)."""

    day: int
    values: dict[str, float]
    note: str = ""


@dataclass(frozen=True)
class Prior:
    """A prior over one numeric parameter, for calibration and sensitivity analysis."""

    key: str
    distribution: str
    low: float
    high: float


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: metadata, flat parameters, actors, initial state and shocks.

    One immutable value: ``table`` is the validated content (bases merged, in the file's order,
    which matters: mediators act in it), and the stored form (``stored_json``) and the content
    hash derive from it, so a derived scenario (``with_params``) is stored and hashed as what it is.
    """

    name: str
    description: str
    start_date: str
    horizon_days: int
    params: dict[str, Any]
    mediators: list[str]
    crossings: dict[str, dict[str, Any]]
    sites: dict[str, dict[str, Any]]
    initial: dict[str, Any]
    shocks: list[Shock] = field(default_factory=list)
    parameter_shocks: list[ParameterShock] = field(default_factory=list)
    priors: dict[str, Prior] = field(default_factory=dict)
    posterior: str = ""
    source: str = "<memory>"
    table: dict[str, Any] = field(default_factory=dict, repr=False)  # the validated TOML data, bases merged
    pinned: frozenset[str] = frozenset()  # keys a posterior must not override (set by a what-if itself)
    posterior_digest: str = ""  # SHA-256 of the posterior file's bytes (part of the content)

    @property
    def actors(self) -> list[str]:
        """Every actor name an event may carry."""
        return [*PARTIES, "ttp", "india", *self.mediators]

    def numeric_keys(self) -> list[str]:
        """Keys of the numeric parameters: the ones sweeps, calibration and sensitivity may vary."""
        return [k for k, v in self.params.items() if isinstance(v, int | float) and not isinstance(v, bool)]

    def stored_json(self) -> str:
        """The validated content as JSON, in the file's order: ``scenario_from_dict`` rebuilds this scenario."""
        return json.dumps(self.table, indent=1, default=str)

    @cached_property
    def content_hash(self) -> str:
        """A hash of the content (bases merged, plus the posterior's bytes), blind to formatting and to
        where the files are (the posterior's path is not part of it, its bytes are)."""
        content = {k: v for k, v in self.table.items() if k != "posterior"}
        canonical = json.dumps(content, separators=(",", ":"), default=str) + self.posterior_digest
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def with_params(self, **changes: Any) -> Scenario:
        """A new scenario with some flat parameters changed (validated by key and range).

        The change is made in the content itself, so the new scenario's stored form and hash are its
        own. With a posterior, run-by-run draws still override the keys it holds unless they are pinned.
        """
        table = copy.deepcopy(self.table)
        specs = parameter_specs(self.mediators, self.sites)
        for key, value in changes.items():
            value = value.item() if hasattr(value, "item") else value  # a numpy scalar: its Python value
            value = _check_value(_lookup(specs, key, self.source), value, key, self.source)
            node = table
            *path, last = key.split(".")
            for part in path:
                node = node.setdefault(part, {})
            node[last] = value
        return scenario_from_dict(table, self.source, self.posterior_digest)


def parameter_specs(mediators: list[str], sites: Iterable[str] = ()) -> dict[str, Spec]:
    """The flat key -> Spec table for a scenario with these mediators and disputed sites."""
    specs: dict[str, Spec] = {}
    for party in PARTIES:
        specs.update({f"{party}.{k}": s for k, s in STATE_SPECS.items()})
    specs.update({f"ttp.{k}": s for k, s in TTP_SPECS.items()})
    specs.update({f"india.{k}": s for k, s in INDIA_SPECS.items()})
    for name in mediators:
        specs.update({f"mediators.{name}.{k}": s for k, s in MEDIATOR_SPECS.items()})
    for name in sites:
        specs.update({f"sites.{name}.{k}": s for k, s in SITE_SPECS.items() if s.numeric})
    specs.update(GLOBAL_SPECS)
    return specs


def _suggest(key: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(key, candidates, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _lookup(specs: dict[str, Spec], key: str, source: str) -> Spec:
    spec = specs.get(key)
    if spec is None:
        raise ScenarioError(source, key, "unknown key" + _suggest(key, list(specs)))
    return spec


def _check_value(spec: Spec, value: Any, key: str, source: str) -> Any:
    allowed = spec.allowed()
    if spec.kind is bool:
        if not isinstance(value, bool):
            raise ScenarioError(source, key, f"got {value!r}, expected {allowed}")
        return value
    if spec.kind is str:
        if not isinstance(value, str):
            raise ScenarioError(source, key, f"got {value!r}, expected {allowed}")
        if spec.choices is not None and value not in spec.choices:
            raise ScenarioError(source, key, f"got {value!r}, expected {allowed}{_suggest(value, list(spec.choices))}")
        return value
    if spec.kind is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ScenarioError(source, key, f"got {value!r}, expected a list of names")
        return list(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(source, key, f"got {value!r}, expected {allowed}")
    if spec.kind is int and not float(value).is_integer():
        raise ScenarioError(source, key, f"got {value!r}, expected {allowed}")
    if not math.isfinite(value) or (spec.low is not None and value < spec.low) or (
            spec.high is not None and value > spec.high):
        raise ScenarioError(source, key, f"got {value!r}, expected {allowed}")
    return int(value) if spec.kind is int else float(value)


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, path + "."))
        else:
            flat[path] = value
    return flat


TOP_LEVEL = ("scenario", "pakistan", "afghanistan", "ttp", "india", "mediators", "crossings", "sites", "lethality",
             "mediation", "crisis", "outcome", "initial", "shocks", "priors", "posterior", "pinned")
PARAMETER_SECTIONS = ("pakistan", "afghanistan", "ttp", "india", "mediators", "crossings", "sites", "lethality",
                      "mediation", "crisis", "outcome")


def _read_table(path: Path, source: str) -> dict[str, Any]:
    try:
        raw_bytes = read_limited(path, MAX_SCENARIO_BYTES, "scenario file")
    except UsageError as err:
        raise ScenarioError(source, "", str(err).removeprefix(f"{path}: ")) from None
    try:
        return tomllib.loads(raw_bytes.decode("utf-8"))
    except UnicodeDecodeError:
        raise ScenarioError(source, "", "not a UTF-8 text file") from None
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(source, "", f"not valid TOML ({err})") from None


def _read_scenario_file(path: Path, source: str) -> dict[str, Any]:
    """Read one TOML file; a relative ``posterior`` path is taken relative to that file."""
    data = _read_table(path, source)
    if not data:
        raise ScenarioError(source, "", "the file sets nothing; a scenario file needs at least a [scenario] table")
    posterior = data.get("posterior")
    if isinstance(posterior, str) and posterior and not Path(posterior).is_absolute():
        data["posterior"] = str((path.parent / posterior).resolve())
    return data


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; any other value (arrays of shocks included) replaces the base's."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _resolve_base(data: dict[str, Any], path: Path, source: str, seen: tuple[Path, ...]) -> dict[str, Any]:
    """Follow ``[scenario] base = "other.toml"``: a what-if lists only what differs from its base."""
    meta = data.get("scenario", {})
    base_name = meta.get("base") if isinstance(meta, dict) else None
    if base_name is None:
        return data
    if not isinstance(base_name, str) or not base_name:
        raise ScenarioError(source, "scenario.base", "expected the path of another scenario file")
    base_path = (path.parent / base_name).resolve()
    shipped = shipped_episode_bases() | shipped_scenarios()  # a shipped scenario's name wins
    if not base_path.exists() and _shipped_name(base_name) in shipped:
        # a user's what-if on a shipped scenario, or a new episode on the episodes' base (border_years)
        base_path = shipped[_shipped_name(base_name)].resolve()
    if base_path in seen:
        raise ScenarioError(source, "scenario.base", f"circular base: {base_name}")
    if not base_path.is_file():
        raise ScenarioError(source, "scenario.base", f"no such scenario file {base_name!r} (relative to this file), "
                            f"nor a shipped scenario of that name; shipped: {', '.join(shipped)}")
    base_source = str(base_path)
    base_data = _resolve_base(_read_scenario_file(base_path, base_source), base_path, base_source, (*seen, base_path))
    # A mistake in the base is the base's: validate it alone first, so the message names it.
    alone = copy.deepcopy(base_data)
    meta = alone.setdefault("scenario", {})
    if isinstance(meta, dict):
        meta.setdefault("name", "base")  # its own name, if any, is the what-if's to replace
    scenario_from_dict(alone, base_source)
    base_data["scenario"] = dict(_section(base_data, "scenario", base_source))
    for key in ("name", "description"):
        base_data["scenario"].pop(key, None)
    merged = _merge(base_data, data)
    merged["scenario"] = {k: v for k, v in _section(merged, "scenario", source).items() if k != "base"}
    if base_data.get("posterior") and "posterior" not in data:
        # What this file sets itself is the point of the what-if: posterior draws must not undo it.
        own = {key for section in PARAMETER_SECTIONS if isinstance(data.get(section), dict)
               for key, value in _flatten(data[section], section + ".").items()
               if isinstance(value, int | float) and not isinstance(value, bool)}
        merged["pinned"] = sorted(set(base_data.get("pinned", [])) | own)
    return merged


def load_scenario(path: str | Path, base: str | Path | None = None) -> Scenario:
    """Read and validate a scenario file, or a shipped scenario by name (``"october_2025"``);
    raise ``ScenarioError`` with a one-line message.

    ``base`` (a path or a shipped name) replaces the file's own ``[scenario] base`` (e.g. to
    apply a what-if to the calibrated scenario instead of the one it was written against).
    """
    path = resolve_scenario_path(path)
    source = str(path)
    data = _read_scenario_file(path, source)
    if base is not None:
        _section(data, "scenario", source)["base"] = str(resolve_scenario_path(base).resolve())
    data = _resolve_base(data, path, source, (path.resolve(),))
    digest = ""
    posterior = data.get("posterior")
    if isinstance(posterior, str) and posterior:
        try:
            digest = hashlib.sha256(read_limited(posterior, MAX_POSTERIOR_BYTES, "posterior file")).hexdigest()
        except UsageError as err:
            raise ScenarioError(source, "posterior", str(err)) from None
    return scenario_from_dict(data, source, digest)


def scenario_from_dict(data: dict[str, Any], source: str = "<memory>", posterior_digest: str = "") -> Scenario:
    """Validate a parsed scenario table (as from TOML) and build a ``Scenario``.

    ``posterior_digest`` is the SHA-256 of the posterior file, if the table names one
    (``load_scenario`` reads it); it is part of the content hash.
    """
    data = copy.deepcopy(data)
    for key in data:
        if key not in TOP_LEVEL:
            raise ScenarioError(source, key, "unknown section" + _suggest(key, list(TOP_LEVEL)))
    meta = _section(data, "scenario", source)
    data["scenario"] = meta
    if isinstance(meta.get("start_date"), dt.date) and not isinstance(meta["start_date"], dt.datetime):
        meta["start_date"] = meta["start_date"].isoformat()  # a TOML date, unquoted
    meta_values = {k: s.default for k, s in SCENARIO_SPECS.items()}
    for key, value in meta.items():
        spec = _lookup({f"scenario.{k}": s for k, s in SCENARIO_SPECS.items()}, f"scenario.{key}", source)
        meta_values[key] = _check_value(spec, value, f"scenario.{key}", source)
    if "name" in meta and not meta_values["name"]:
        raise ScenarioError(source, "scenario.name", f"empty; a name becomes file names, so it may hold only "
                            f"{NAME_RULE} (or leave the key out to take the file's name)")
    if not meta_values["name"]:
        meta_values["name"] = Path(source).stem
        if not NAME_PATTERN.fullmatch(meta_values["name"]):
            raise ScenarioError(source, "scenario.name", f"the file's name {meta_values['name']!r} cannot serve as "
                                f"the scenario's name (it names output files: {NAME_RULE}); set [scenario] name")
    elif not NAME_PATTERN.fullmatch(meta_values["name"]):
        raise ScenarioError(source, "scenario.name", f"got {meta_values['name']!r}; a name becomes file names, "
                            f"so it may hold only {NAME_RULE}")
    meta["name"] = meta_values["name"]
    try:
        dt.date.fromisoformat(meta_values["start_date"])
    except ValueError:
        raise ScenarioError(source, "scenario.start_date", f"got {meta_values['start_date']!r}, expected a date "
                            "as YYYY-MM-DD (e.g. 2025-10-09)") from None

    mediator_tables = _section(data, "mediators", source)
    for name, table in mediator_tables.items():
        _check_actor_name(name, "mediators", source)
        if not isinstance(table, dict):
            raise ScenarioError(source, f"mediators.{name}", "expected a table of mediator parameters")
    crossing_section = _section(data, "crossings", source)
    crossing_tables = {k: v for k, v in crossing_section.items() if isinstance(v, dict)}
    for name in crossing_tables:
        _check_actor_name(name, "crossings", source)
    mediators = list(mediator_tables)
    site_tables = _section(data, "sites", source)
    for name, table in site_tables.items():
        _check_actor_name(name, "sites", source)
        if not isinstance(table, dict):
            raise ScenarioError(source, f"sites.{name}", "expected a table (label, location, crossing, clash_rate, "
                                "afghan_share)")

    specs = parameter_specs(mediators, site_tables)
    params = {key: spec.default for key, spec in specs.items()}
    for name in mediators:
        params[f"mediators.{name}.label"] = name.replace("_", " ").title()
    for section in ("pakistan", "afghanistan", "ttp", "india", "lethality", "mediation", "crisis", "outcome"):
        for key, value in _flatten(_section(data, section, source), section + ".").items():
            params[key] = _check_value(_lookup(specs, key, source), value, key, source)
    for name, table in mediator_tables.items():
        for key, value in _flatten(table, f"mediators.{name}.").items():
            params[key] = _check_value(_lookup(specs, key, source), value, key, source)
    for key, value in crossing_section.items():
        if not isinstance(value, dict):
            full = f"crossings.{key}"
            params[full] = _check_value(_lookup(specs, full, source), value, full, source)

    for party in PARTIES:
        for cap in params[f"{party}.capabilities"]:
            if cap not in CAPABILITY_KEYS:
                raise ScenarioError(source, f"{party}.capabilities",
                                    f"unknown action {cap!r}; allowed: {', '.join(CAPABILITY_KEYS)}")
        if not params[f"{party}.capabilities"]:
            raise ScenarioError(source, f"{party}.capabilities", "expected at least one kinetic action (for a party "
                                "that never strikes, set its retaliation and counter-strike propensities to 0)")
    if params["ttp.target"] not in PARTIES:
        raise ScenarioError(source, "ttp.target", f"got {params['ttp.target']!r}, expected one of "
                            f"{', '.join(PARTIES)}{_suggest(str(params['ttp.target']), list(PARTIES))}")
    for name in mediators:
        capital = params[f"mediators.{name}.capital"]
        if capital and capital not in PLACES:
            raise ScenarioError(source, f"mediators.{name}.capital",
                                f"unknown place {capital!r}; known places: {', '.join(PLACES)}")

    crossings = {name: _place_table(table, f"crossings.{name}", CROSSING_SPECS, source)
                 for name, table in crossing_tables.items()}
    for name, values in crossings.items():
        if not values["open"] and not values["closed_by"]:
            raise ScenarioError(source, f"crossings.{name}.closed_by", "a crossing closed at the start needs the "
                                "party that closed it (who decides on reopening it): 'pakistan' or 'afghanistan'")
    sites: dict[str, dict[str, Any]] = {}
    for name, table in site_tables.items():
        label_and_place = {k: v for k, v in table.items() if not SITE_SPECS.get(k, Spec(str, "", "")).numeric}
        sites[name] = _place_table(label_and_place, f"sites.{name}", SITE_SPECS, source)
        for key, value in table.items():
            if key not in label_and_place:
                full = f"sites.{name}.{key}"
                params[full] = _check_value(_lookup(specs, full, source), value, full, source)
        crossing = sites[name]["crossing"]
        if crossing and crossing not in crossings:
            raise ScenarioError(source, f"sites.{name}.crossing", f"no crossing {crossing!r} in [crossings]; "
                                f"crossings: {', '.join(crossings) or 'none'}")

    present = [m for m in mediators if params[f"mediators.{m}.present"]]
    initial = _initial_state(_section(data, "initial", source), present, source)
    actors = [*PARTIES, "ttp", "india", *present]
    shocks, parameter_shocks = _shocks(data.get("shocks", []), actors, specs, meta_values["horizon_days"],
                                       params["ttp.target"], source)
    priors = _priors(_section(data, "priors", source), specs, source)
    posterior = data.get("posterior", "")
    if not isinstance(posterior, str):
        raise ScenarioError(source, "posterior", "expected the path of a posterior Parquet file")
    pinned = data.get("pinned", [])
    if not isinstance(pinned, list) or not all(isinstance(k, str) for k in pinned):
        raise ScenarioError(source, "pinned", "expected a list of parameter keys that posterior draws must not change")
    for key in pinned:
        _lookup(specs, key, source)
    return Scenario(
        name=meta_values["name"], description=meta_values["description"], start_date=meta_values["start_date"],
        horizon_days=meta_values["horizon_days"], params=params, mediators=present, crossings=crossings, sites=sites,
        initial=initial, shocks=shocks, parameter_shocks=parameter_shocks, priors=priors, posterior=posterior,
        source=source, table=data, pinned=frozenset(pinned), posterior_digest=posterior_digest,
    )


def _place_table(table: dict[str, Any], where: str, specs: dict[str, Spec], source: str) -> dict[str, Any]:
    """A crossing's or a site's non-numeric settings, checked, with a known place and a label."""
    values = {k: s.default for k, s in specs.items() if not s.numeric}
    for key, value in table.items():
        full = f"{where}.{key}"
        values[key] = _check_value(_lookup({f"{where}.{k}": s for k, s in specs.items()}, full, source), value,
                                   full, source)
    if values["location"] not in PLACES:
        raise ScenarioError(source, f"{where}.location",
                            f"unknown place {values['location']!r}; known places: {', '.join(PLACES)}")
    values["label"] = values["label"] or PLACES[values["location"]].label
    return values


def _check_actor_name(name: str, section: str, source: str) -> None:
    """Mediator and crossing names become parameter keys and table names; a mediator is not a party."""
    if not ACTOR_PATTERN.fullmatch(name):
        raise ScenarioError(source, f"{section}.{name}", f"the name may hold only {ACTOR_RULE}")
    if section == "mediators" and name in RESERVED_ACTORS:
        raise ScenarioError(source, f"mediators.{name}", f"{name!r} is a party to the crisis, not a mediator; "
                            f"choose another name (not {', '.join(RESERVED_ACTORS)})")


def _section(data: dict[str, Any], name: str, source: str) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise ScenarioError(source, name, "expected a table")
    return value


def _initial_state(table: dict[str, Any], mediators: list[str], source: str) -> dict[str, Any]:
    initial: dict[str, Any] = {k: s.default for k, s in INITIAL_GLOBAL_SPECS.items()}
    for party in PARTIES:
        initial[party] = {k: s.default for k, s in INITIAL_STATE_SPECS.items()}
    for key, value in table.items():
        if key in PARTIES:
            if not isinstance(value, dict):
                raise ScenarioError(source, f"initial.{key}", "expected a table")
            for sub, sub_value in value.items():
                full = f"initial.{key}.{sub}"
                specs = {f"initial.{key}.{k}": s for k, s in INITIAL_STATE_SPECS.items()}
                initial[key][sub] = _check_value(_lookup(specs, full, source), sub_value, full, source)
            continue
        full = f"initial.{key}"
        specs = {f"initial.{k}": s for k, s in INITIAL_GLOBAL_SPECS.items()}
        specs.update({f"initial.{p}": Spec(dict, None, "table") for p in PARTIES})
        initial[key] = _check_value(_lookup(specs, full, source), value, full, source)
    for name in initial["mediators_engaged"]:
        if name not in mediators:
            raise ScenarioError(source, "initial.mediators_engaged",
                                f"unknown mediator {name!r}; present mediators: {', '.join(mediators) or 'none'}")
    return initial


def _shocks(entries: Any, actors: list[str], specs: dict[str, Spec], horizon: int, ttp_target: str, source: str
            ) -> tuple[list[Shock], list[ParameterShock]]:
    if not isinstance(entries, list):
        raise ScenarioError(source, "shocks", "expected an array of tables ([[shocks]])")
    shocks: list[Shock] = []
    parameter_shocks: list[ParameterShock] = []
    allowed_keys = {"day", "actor", "action", "target", "location", "deaths", "note", "set"}
    for i, entry in enumerate(entries):
        where = f"shocks[{i}]"
        if not isinstance(entry, dict):
            raise ScenarioError(source, where, "expected a table")
        for key in entry:
            if key not in allowed_keys:
                raise ScenarioError(source, f"{where}.{key}", "unknown key" + _suggest(key, sorted(allowed_keys)))
        day = entry.get("day")
        if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day < horizon:
            raise ScenarioError(source, f"{where}.day", f"got {day!r}, expected an integer in [0, {horizon - 1}]")
        note = entry.get("note", "")
        if not isinstance(note, str):
            raise ScenarioError(source, f"{where}.note", f"got {note!r}, expected a string")
        if "set" in entry:
            values = entry["set"]
            if not isinstance(values, dict) or not values:
                raise ScenarioError(source, f"{where}.set", "expected a table of parameter = value")
            checked = {}
            for key, value in _flatten(values).items():
                spec = _lookup(specs, key, source)
                if not spec.numeric:
                    raise ScenarioError(source, f"{where}.set.{key}", "only numeric parameters can change mid-run")
                checked[key] = _check_value(spec, value, key, source)
            parameter_shocks.append(ParameterShock(day, checked, note))
            continue
        actor = entry.get("actor")
        if actor not in actors:
            raise ScenarioError(source, f"{where}.actor",
                                f"unknown actor {actor!r}{_suggest(str(actor), actors)}; allowed: {', '.join(actors)}")
        action_key = entry.get("action")
        kind = "party" if actor in PARTIES else actor if actor in ("ttp", "india") else "mediator"
        schedulable = [a.key for a in SCHEDULABLE_BY[kind]]
        if action_key not in schedulable:
            raise ScenarioError(source, f"{where}.action", f"{action_key!r} cannot be scheduled for {actor!r}"
                                f"{_suggest(str(action_key), schedulable)}; allowed: {', '.join(schedulable)}")
        action = Action.from_key(action_key)
        target = entry.get("target", "")
        targets = [*PARTIES, "ttp", "both", ""]
        if target not in targets:
            raise ScenarioError(source, f"{where}.target", f"unknown target {target!r}; allowed: {', '.join(targets[:-1])}")
        if action.kinetic and actor in PARTIES and target not in ("", *(p for p in PARTIES if p != actor)):
            raise ScenarioError(source, f"{where}.target", f"{actor} can only strike the other state (got {target!r})")
        if action is Action.TTP_ATTACK and target not in ("", ttp_target):
            raise ScenarioError(source, f"{where}.target", f"the TTP attacks {ttp_target!r} (ttp.target), "
                                f"got {target!r}")
        location = entry.get("location", "")
        if location and location not in PLACES:
            raise ScenarioError(source, f"{where}.location",
                                f"unknown place {location!r}{_suggest(location, list(PLACES))}")
        deaths = entry.get("deaths")
        if deaths is not None and (isinstance(deaths, bool) or not isinstance(deaths, int | float)
                                   or not 0 <= deaths <= MAX_SHOCK_DEATHS):
            raise ScenarioError(source, f"{where}.deaths", f"got {deaths!r}, expected a number in "
                                f"[0, {MAX_SHOCK_DEATHS:,.0f}]")
        shocks.append(Shock(day, actor, action, target, location, None if deaths is None else float(deaths), note))
    return shocks, parameter_shocks


def priors_for(scenario: Scenario, table: dict[str, Any], source: str) -> dict[str, Prior]:
    """A ``[priors]`` table checked against ``scenario``'s parameters, as its own would be."""
    return _priors(table, parameter_specs(scenario.mediators, scenario.sites), source)


def _priors(table: dict[str, Any], specs: dict[str, Spec], source: str) -> dict[str, Prior]:
    priors: dict[str, Prior] = {}
    for key, entry in _flatten_priors(table).items():
        full = f"priors.{key}"
        spec = specs.get(key)
        if spec is None:
            raise ScenarioError(source, full, "unknown parameter" + _suggest(key, list(specs)))
        if spec.kind is not float:
            what = "an integer" if spec.kind is int else "not a number"
            raise ScenarioError(source, full, f"priors are only allowed on real-valued parameters (this one is {what})")
        if not isinstance(entry, dict):
            raise ScenarioError(source, full, "expected {distribution = ..., low = ..., high = ...}")
        for name in entry:
            if name not in PRIOR_FIELDS:
                raise ScenarioError(source, f"{full}.{name}", f"unknown field (allowed: {', '.join(PRIOR_FIELDS)})"
                                    + _suggest(name, list(PRIOR_FIELDS)))
        dist = entry.get("distribution", "uniform")
        if dist not in PRIOR_DISTRIBUTIONS:
            raise ScenarioError(source, f"{full}.distribution", f"got {dist!r}, expected one of {PRIOR_DISTRIBUTIONS}")
        low, high = entry.get("low"), entry.get("high")
        for name, bound in (("low", low), ("high", high)):
            _check_value(spec, bound, f"{full}.{name}", source)
        if not low < high:
            raise ScenarioError(source, full, f"empty range: low ({low}) must be below high ({high})")
        if dist == "loguniform" and low <= 0:
            raise ScenarioError(source, f"{full}.low", "a loguniform prior needs low > 0")
        priors[key] = Prior(key, dist, float(low), float(high))
    return priors


def _flatten_priors(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Priors are tables keyed by parameter path; nested TOML tables are joined with dots."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and not ({"low", "high", "distribution"} & set(value)):
            flat.update(_flatten_priors(value, path + "."))
        else:
            flat[path] = value
    return flat
