"""Questions as data, and their resolutions: a question is a calibration target without its answer.

A questions file (TOML) holds ``[questions]`` (``name``, ``horizon_days``: the days after the
last observed one that the questions look at, ``source``) and one ``[[question]]`` per question,
written exactly as a ``[[target]]`` of ``sim.calibrate.targets`` (``kind`` event, absent, count,
rate, threshold or level; ``actor`` or ``actors``, ``actions``, ``quantity``, ``value``, ...)
with two differences: its ``window`` counts days from the *origin* (day 0 = the first day not
observed), and it carries ``text`` (the question in words) instead of ``source`` and ``observed``
(its answer is not known yet; it goes in a resolutions file for ``escalation score``). Every
mistake is the targets' one line, naming the file and ``question.NAME.key``.

A resolutions file holds ``[resolutions]`` (``source``: where the answers come from) and
``[answers]``: ``NAME = true`` or ``false`` per resolved question.
"""

from __future__ import annotations

import dataclasses
import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..calibrate.targets import Target, Targets, _target
from ..errors import UsageError
from ..scenario import MAX_SCENARIO_BYTES, Scenario, ScenarioError
from .observed import _read_text, resolve_forecast_file

#: Keys of forecast.json beside the questions: no question may take these names.
RESERVED = ("conditioning", "metadata", "first_ceasefire_host_shares", "intervals", "warning")


@dataclass(frozen=True)
class Questions:
    """A validated questions file; windows count days from the origin."""

    name: str
    horizon: int
    questions: tuple[Target, ...]
    source: str
    sha256: str

    def names(self) -> list[str]:
        return [q.name for q in self.questions]

    def text(self, name: str) -> str:
        return next(q.source for q in self.questions if q.name == name)

    def absolute(self, origin: int, days: int) -> Targets:
        """The questions as targets on the run's own days (day 0 = the scenario's start)."""
        last = max(q.window[1] for q in self.questions)
        if last >= days:
            worst = next(q.name for q in self.questions if q.window[1] == last)
            raise UsageError(f"--days {days}: question {worst!r} of {self.source} looks {last + 1} days ahead; "
                             f"give --days {last + 1} or more")
        shifted = tuple(dataclasses.replace(q, window=(q.window[0] + origin, q.window[1] + origin),
                                            since=q.since + origin) for q in self.questions)
        return Targets(self.name, origin + days, shifted, (), self.source)


def _sections(source: str, text: str, allowed: dict[str, str]) -> dict:
    """The TOML table of a file whose top-level keys must be among ``allowed`` (key -> how it is written)."""
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(source, "", f"not valid TOML ({err})") from None
    for key in table:
        if key not in allowed:
            raise ScenarioError(source, key, f"unknown section; allowed: {', '.join(allowed.values())}")
    return table


def load_questions(path: str | Path, scenario: Scenario) -> Questions:
    """Read and check a questions file (module docstring); actors are checked against ``scenario``."""
    path = resolve_forecast_file(path, "questions file")
    source = str(path)
    text, data = _read_text(path, "questions file")
    if len(data) > MAX_SCENARIO_BYTES:
        raise ScenarioError(source, "", "too large for a questions file")
    table = _sections(source, text, {"questions": "[questions]", "question": "[[question]]"})
    meta = table.get("questions", {})
    if not isinstance(meta, dict):
        raise ScenarioError(source, "questions", "expected a table")
    for key in meta:
        if key not in ("name", "horizon_days", "source"):
            raise ScenarioError(source, f"questions.{key}", "unknown key; allowed: name, horizon_days, source")
    horizon = meta.get("horizon_days")
    if isinstance(horizon, bool) or not isinstance(horizon, int) or not 1 <= horizon <= 3650:
        raise ScenarioError(source, "questions.horizon_days", f"got {horizon!r}, expected an integer in [1, 3650] "
                            "(days after the last observed day)")
    entries = table.get("question", [])
    if not isinstance(entries, list) or not entries:
        raise ScenarioError(source, "question", "expected at least one [[question]] table")
    questions = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise ScenarioError(source, f"question[{i}]", "expected a table")
        where = f"question.{entry.get('name', i)}"
        for key in ("observed", "source", "sequence", "weight"):
            if key in entry:
                why = ("its answer is not known yet: resolutions go in a file for `escalation score`"
                       if key == "observed" else "the question's wording goes in text" if key == "source"
                       else "it only means something for calibration")
                raise ScenarioError(source, f"{where}.{key}", f"not a key of a question ({why})")
        wording = entry.get("text")
        if not isinstance(wording, str) or not wording.strip():
            raise ScenarioError(source, f"{where}.text", "every question needs its wording (text = \"...\")")
        rest = {k: v for k, v in entry.items() if k != "text"}
        question = _target({**rest, "source": wording}, i, horizon, list(scenario.actors), source, section="question")
        if question.name in RESERVED:
            raise ScenarioError(source, f"{where}.name", f"{question.name!r} is reserved in forecast.json; "
                                f"not one of {', '.join(RESERVED)}")
        if question.name in [q.name for q in questions]:
            raise ScenarioError(source, f"{where}.name", f"duplicate question name {question.name!r}")
        questions.append(question)
    return Questions(str(meta.get("name", path.stem)), horizon, tuple(questions), source,
                     hashlib.sha256(data).hexdigest())


def load_resolutions(path: str | Path, names: list[str]) -> dict[str, bool]:
    """The answers of a resolutions file, for questions among ``names`` (module docstring)."""
    path = Path(path)
    source = str(path)
    text, _ = _read_text(path, "resolutions file")
    table = _sections(source, text, {"resolutions": "[resolutions]", "answers": "[answers]"})
    meta = table.get("resolutions", {})
    if not isinstance(meta, dict) or any(k != "source" for k in meta):
        raise ScenarioError(source, "resolutions", "expected a table with only source = \"where the answers come from\"")
    answers = table.get("answers")
    if not isinstance(answers, dict) or not answers:
        raise ScenarioError(source, "answers", "expected a table of NAME = true / false, one per resolved question")
    for name, value in answers.items():
        if name not in names:
            raise ScenarioError(source, f"answers.{name}", f"not a question of the forecast; its questions: "
                                f"{', '.join(names)}")
        if not isinstance(value, bool):
            raise ScenarioError(source, f"answers.{name}", f"got {value!r}, expected true or false")
    return dict(answers)
