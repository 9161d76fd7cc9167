"""Packaged and portable: shipped scenarios by name, no dependence on the checkout, and the wheel.

The fast tests check name resolution and that a scenario is the same wherever it lies. The
slow one builds the wheel from a clean copy of the tree, checks what it holds, installs it into
fresh virtual environments outside the checkout (this Python, and the newest Python when
``ESCALATION_NEWEST_PYTHON`` names one, as ``scripts/test.sh`` does) and runs a small batch and
a short run from another directory.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, SCENARIOS, escalation

from sim.calibrate.targets import load_targets
from sim.scenario import (
    ScenarioError,
    load_scenario,
    resolve_scenario_path,
    shipped_dir,
    shipped_scenarios,
    shipped_targets,
)

EXPECTED = {"october_2025", "october_2025_calibrated", "no_mediators", "saudi_pact_invoked", "taliban_crackdown",
            "no_india_factor", "paktika_only", "after_13_october", "calm_2024"}


def test_every_shipped_scenario_is_listed_and_loads_by_name():
    names = shipped_scenarios()
    assert set(names) == EXPECTED
    for name, path in names.items():
        assert path.parent == shipped_dir() and path.name == f"{name}.toml"
        assert load_scenario(name).content_hash == load_scenario(path).content_hash
    assert set(shipped_targets()) == {"october_2025"}


def test_the_checkout_path_is_the_package_data():
    """``scenarios/`` is a symlink into the package, so old paths read the very same files."""
    assert (ROOT / "scenarios").is_symlink()
    assert SCENARIOS.resolve() == shipped_dir().resolve()
    assert shipped_dir().resolve().parent == Path(__import__("sim").__file__).resolve().parent


@pytest.mark.parametrize("text", ["october_2025", "october_2025.toml"])
def test_a_name_resolves_from_any_directory(text, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert resolve_scenario_path(text) == shipped_scenarios()["october_2025"]


@pytest.mark.parametrize("text", ["october_2025", "october_2025.toml"])
def test_a_path_wins_over_a_name(text, tmp_path, monkeypatch):
    shipped = shipped_scenarios()["october_2025"]
    (tmp_path / text).write_text(f'[scenario]\nbase = "{shipped}"\nname = "mine"\n')
    monkeypatch.chdir(tmp_path)
    assert resolve_scenario_path(text) == Path(text)
    assert load_scenario(text).name == "mine"


def test_a_users_what_if_may_name_a_shipped_base(tmp_path):
    path = tmp_path / "iran.toml"
    path.write_text('[scenario]\nbase = "october_2025_calibrated"\nname = "iran"\n[india]\nthreat_factor = 0.1\n')
    scenario = load_scenario(path)
    assert scenario.posterior and scenario.params["india.threat_factor"] == 0.1
    assert "india.threat_factor" in scenario.pinned


def test_an_unknown_name_lists_the_shipped_ones():
    with pytest.raises(ScenarioError) as err:
        resolve_scenario_path("octobr_2025")
    message = str(err.value)
    assert message.startswith("octobr_2025: no such scenario file, nor a shipped scenario of that name")
    assert "did you mean 'october_2025'?" in message and "shipped: after_13_october, " in message
    assert "\n" not in message
    with pytest.raises(ScenarioError, match="no such scenario file$"):
        resolve_scenario_path("no/such/dir/x.toml")
    with pytest.raises(ScenarioError, match="nor shipped targets of that name; shipped: october_2025$"):
        resolve_scenario_path("nope", kind="targets")


def test_the_content_hash_does_not_depend_on_where_the_files_lie(tmp_path):
    """A copy of the calibrated scenario elsewhere (as in an installed wheel) has the same hash."""
    copy = tmp_path / "elsewhere"
    shutil.copytree(shipped_dir(), copy)
    assert (load_scenario(copy / "october_2025_calibrated.toml").content_hash
            == load_scenario("october_2025_calibrated").content_hash)


def test_targets_can_be_named():
    assert load_targets("october_2025").source == str(shipped_targets()["october_2025"])


def test_the_command_takes_names_from_another_directory(tmp_path):
    done = escalation("run", "no_mediators", "--days", "3", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["scenario"] == "no_mediators"
    done = escalation("batch", "octobr_2025", "--runs", "10", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "did you mean 'october_2025'?" in done.stderr and "shipped: " in done.stderr


def test_no_library_code_points_into_the_checkout():
    """Run-time code finds its data through the package, never through the repository's layout."""
    offenders = []
    for path in (ROOT / "sim").rglob("*.py"):
        if path.name == "docs.py":  # a developer tool that rewrites docs/ODD.md in a checkout
            continue
        text = path.read_text()
        if "parents[" in text or "ROOT" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, offenders


# ---- the wheel ----------------------------------------------------------------------------------

COPY_IGNORE = shutil.ignore_patterns(".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__", ".*_cache",
                                     ".hypothesis", "results", "calibration", "test-artifacts", "out")


def build_wheel(dest: Path) -> Path:
    """Build the wheel from a clean copy of the tree (setuptools' build/ of the checkout may be stale)."""
    source = dest / "src"
    shutil.copytree(ROOT, source, symlinks=True, ignore=COPY_IGNORE)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--disable-pip-version-check",
                    "-w", str(dest), str(source)], check=True, capture_output=True, text=True, timeout=600)
    (wheel,) = dest.glob("escalation_sim-*.whl")
    return wheel


def interpreters() -> list[str]:
    found = [sys.executable]
    newest = os.environ.get("ESCALATION_NEWEST_PYTHON")
    if newest:
        found.append(newest)
    return found


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_the_wheel_holds_the_package_and_runs_outside_the_checkout(tmp_path_factory):
    work = tmp_path_factory.mktemp("wheel")
    started = time.perf_counter()
    wheel = build_wheel(work)
    print(f"\nwheel {wheel.name}: {wheel.stat().st_size / 1024:.0f} KiB, built in "
          f"{time.perf_counter() - started:.1f} s")
    names = zipfile.ZipFile(wheel).namelist()
    for package in ("sim", "sim/batch", "sim/calibrate", "sim/forecast", "sim/viz"):
        assert f"{package}/__init__.py" in names, package
    assert "sim/viz/app.py" in names and "sim/cli.py" in names
    for name in EXPECTED:
        assert f"sim/scenarios/{name}.toml" in names, name
    assert "sim/scenarios/targets/october_2025.toml" in names
    assert "sim/scenarios/posteriors/october_2025.parquet" in names
    assert "sim/scenarios/posteriors/october_2025.loglik.parquet" in names
    assert {"sim/scenarios/episodes/E03.toml", "sim/scenarios/episodes/E03.targets.toml",
            "sim/scenarios/episodes/border_years.toml", "sim/scenarios/attacks/A01.toml",
            "sim/scenarios/attacks/A01.targets.toml"} <= set(names)
    assert {f"sim/scenarios/forecast/{f}" for f in ("acled_mapping.toml", "october_2025.acled.csv",
                                                     "october_2025.events.csv", "after_13_october.questions.toml")
            } <= set(names)
    top = {n.split("/")[0] for n in names}
    assert top == {"sim", wheel.name.split("-")[0] + "-" + wheel.name.split("-")[1] + ".dist-info"}, top

    if len(interpreters()) == 1:
        print("ESCALATION_NEWEST_PYTHON is not set: the wheel is installed on this Python only")
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    summaries = {}
    for python in interpreters():
        venv = work / f"venv-{Path(python).name}-{len(list(work.glob('venv-*')))}"
        started = time.perf_counter()
        subprocess.run([python, "-m", "venv", str(venv)], check=True, timeout=300)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        str(wheel)], check=True, capture_output=True, text=True, timeout=1200)
        install = time.perf_counter() - started
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        probe = subprocess.run([str(venv / "bin" / "python"), "-c",
                                "import sys, mesa, sim; print(sys.version.split()[0], mesa.__version__, sim.__file__)"],
                               capture_output=True, text=True, cwd=elsewhere, env=env, check=True)
        version, mesa_version, location = probe.stdout.split()
        assert Path(location).is_relative_to(venv), f"sim imported from {location}, not from the installed wheel"
        started = time.perf_counter()
        batch = subprocess.run([str(venv / "bin" / "escalation"), "batch", "october_2025", "--runs", "2000", "--json"],
                               capture_output=True, text=True, cwd=elsewhere, env=env, timeout=600)
        assert batch.returncode == 0, batch.stderr[-3000:]
        summary = json.loads(batch.stdout)["october_2025"]
        assert summary["runs"] == 2000 and 0 <= summary["p_deescalated"] <= 1
        batch_seconds = time.perf_counter() - started
        run = subprocess.run([str(venv / "bin" / "escalation"), "run", "october_2025", "--days", "5"],
                             capture_output=True, text=True, cwd=elsewhere, env=env, timeout=300)
        assert run.returncode == 0, run.stderr[-3000:]
        assert "Scenario october_2025" in run.stdout and "airstrike capital" in run.stdout
        assert not run.stderr.strip(), run.stderr  # no warnings either (e.g. Mesa deprecations)
        forecast = subprocess.run([str(venv / "bin" / "escalation"), "forecast", "october_2025_calibrated",
                                   "--observed", "october_2025.acled.csv", "--questions",
                                   "after_13_october.questions.toml", "--runs", "500", "--json"],
                                  capture_output=True, text=True, cwd=elsewhere, env=env, timeout=600)
        assert forecast.returncode == 0, forecast.stderr[-3000:]
        assert json.loads(forecast.stdout)["conditioning"]["runs_simulated"] == 500
        scored = subprocess.run([str(venv / "bin" / "escalation"), "validate", "--leave-one-out", "--json",
                                 "--particles", "20", "--replicates", "1"],
                                capture_output=True, text=True, cwd=elsewhere, env=env, timeout=600)
        assert scored.returncode == 0, scored.stderr[-3000:]
        assert "E03" in json.loads(scored.stdout)["episodes"]  # the episodes and stored likelihoods ship
        print(f"Python {version}, Mesa {mesa_version}: install {install:.1f} s, batch of 2,000 "
              f"{batch_seconds:.1f} s, P(de-escalated) {summary['p_deescalated']:.3f}")
        summaries[f"Python {version}, Mesa {mesa_version}"] = summary
    first, *others = summaries.values()
    assert all(other == first for other in others), "the same seed must give the same batch on every Mesa"
