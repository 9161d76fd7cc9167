"""Nothing a user types or a hostile file holds corrupts results, escapes the output folder, crashes
with a traceback or exhausts the machine (issue 12): one test per class of defect, through the real
command in a subprocess. The long lists of examples are marked slow; each class keeps a fast case.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import DEFAULT, ROOT, SCENARIOS, escalation

from sim.batch import run_batch
from sim.batch.replay import load_run
from sim.batch.store import BatchStore
from sim.io import LOCK_NAME
from sim.model import EscalationModel
from sim.outcomes import Outcome
from sim.results import RunResult
from sim.scenario import load_scenario, scenario_from_dict

CALIBRATED = SCENARIOS / "october_2025_calibrated.toml"
TARGETS = SCENARIOS / "targets" / "october_2025.toml"


def one_line_error(proc: subprocess.CompletedProcess, *fragments: str) -> str:
    """The process failed with exit status 2 and one line on stderr holding every fragment."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def what_if(tmp_path: Path, name: str, body: str, base: Path = DEFAULT, top: str = "") -> Path:
    """A scenario file on ``base``: ``top`` (top-level keys), then ``[scenario]`` and ``body`` (its keys, then tables)."""
    path = tmp_path / f"{name}.toml"
    path.write_text(f'{top}\n[scenario]\nbase = "{base}"\n{body}\n')
    return path


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")} if folder.exists() else set()


# ---- data loss: a name never becomes a path; every write stays inside --out -------------------------------

@pytest.mark.parametrize("name", ["../escaped", *(pytest.param(n, marks=pytest.mark.slow)
                                                  for n in ("/tmp/escaped-absolute", "a\\nb", 'a\\"b', "é"))])
def test_a_scenario_name_never_becomes_a_path(tmp_path, name):
    work = tmp_path / "work"
    work.mkdir()
    path = what_if(work, "named", f'name = "{name}"')
    out = work / "out"
    before = files_under(tmp_path)
    proc = escalation("batch", str(path), "--runs", "20", "--out", str(out), cwd=work)
    one_line_error(proc, "scenario.name", "file names")
    assert files_under(tmp_path) - before <= {"work/out", f"work/out/{LOCK_NAME}"}
    assert not Path("/tmp/escaped-absolute.json").exists()


@pytest.mark.slow
def test_calibrate_writes_only_under_out_unless_asked_to_install(tmp_path):
    shipped = {p: p.read_bytes() for p in (CALIBRATED, SCENARIOS / "posteriors" / "october_2025.parquet")}
    scenario = tmp_path / "october_2025.toml"
    scenario.write_text(DEFAULT.read_text())
    args = ["calibrate", "--scenario", str(scenario), "--sims", "4000", "--population", "100", "--replicates", "4",
            "--check-runs", "100", "--workers", "1"]
    proc = escalation(*args, "--out", str(tmp_path / "trial"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert {f for f in files_under(tmp_path) if not f.startswith("trial")} == {"october_2025.toml"}
    written = tmp_path / "trial" / "october_2025_calibrated.toml"
    assert load_scenario(written).posterior == str(tmp_path / "trial" / "posteriors" / "october_2025.parquet")
    assert all(p.read_bytes() == data for p, data in shipped.items())  # the default scenario's outputs untouched
    installed = escalation(*args, "--out", str(tmp_path / "final"), "--install", cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr
    assert (tmp_path / "october_2025_calibrated.toml").is_file() and "installed" in installed.stdout
    assert load_scenario(tmp_path / "october_2025_calibrated.toml").posterior_digest


def test_outputs_honour_the_umask(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-m", "sim.cli", "run", str(DEFAULT), "--days", "5", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, preexec_fn=lambda: os.umask(0o027))
    assert proc.returncode == 0, proc.stderr
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()}
    assert modes == {name: 0o640 for name in (LOCK_NAME, "events.csv", "series.csv", "run.json", "ladder.png")}


# ---- data loss: one writer per output folder --------------------------------------------------------------

@pytest.mark.slow
def test_two_batches_started_together_on_one_folder_one_refuses(tmp_path):
    """20 trials: two batches on one pre-created empty folder; exactly one runs, the other refuses, and the
    folder holds one consistent batch."""
    for trial in range(20):
        out = tmp_path / f"race{trial}"
        out.mkdir()
        try:
            args = [[sys.executable, "-m", "sim.cli", "batch", str(DEFAULT), "--runs", str(runs), "--chunk-size",
                     str(chunk), "--seed", str(seed), "--workers", "1", "--out", str(out), "--json"]
                    for runs, chunk, seed in ((400, 100, 1), (300, 100, 2))]
            procs = [subprocess.Popen(a, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                     for a in args]
            results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
            codes = sorted(code for code, _ in results)
            assert codes == [0, 2], (trial, results)
            refusal = next(err for code, err in results if code == 2)
            assert "another escalation command" in refusal or "already holds a batch" in refusal, refusal
            manifest = json.loads((out / "manifest.json").read_text())
            frame = BatchStore(out).read_runs("october_2025")
            assert len(frame) == manifest["runs"] and frame["run"].is_unique
            summary = json.loads((out / "summary.json").read_text())["metadata"]
            assert (summary["seed"], summary["runs"]) == (manifest["seed"], manifest["runs"])
        finally:
            shutil.rmtree(out, ignore_errors=True)


# ---- data loss: resume trusts only chunks the log vouches for ------------------------------------------

def _chunks(out: Path, name: str = "october_2025") -> list[Path]:
    return sorted((out / "runs" / name).glob("chunk-*.parquet"))


@pytest.mark.slow
def test_resume_reruns_every_damaged_unrecorded_or_foreign_chunk_and_refuses_strays(tmp_path):
    batch = ["batch", str(DEFAULT), "--runs", "1200", "--chunk-size", "300", "--seed", "7", "--workers", "1",
             "--json"]
    reference = tmp_path / "reference"
    assert escalation(*batch, "--out", str(reference)).returncode == 0
    expected = BatchStore(reference).read_runs("october_2025")
    foreign = tmp_path / "foreign"
    assert escalation("batch", str(SCENARIOS / "no_mediators.toml"), "--runs", "1200", "--chunk-size", "300",
                      "--seed", "7", "--workers", "1", "--json", "--out", str(foreign)).returncode == 0

    def flip(path: Path, at: float) -> None:
        data = bytearray(path.read_bytes())
        data[int(at * (len(data) - 1))] ^= 0x01
        path.write_bytes(bytes(data))

    damages = {
        "flipped byte early": lambda out: flip(_chunks(out)[0], 0.1),
        "flipped byte late": lambda out: flip(_chunks(out)[3], 0.95),
        "truncated": lambda out: _chunks(out)[1].write_bytes(_chunks(out)[1].read_bytes()[:-100]),
        "foreign chunk": lambda out: shutil.copy(_chunks(foreign, "no_mediators")[2], _chunks(out)[2]),
        "unrecorded chunk": lambda out: (out / "chunks.jsonl").write_text(
            "".join(line + "\n" for line in (out / "chunks.jsonl").read_text().splitlines() if '"start": 600' not in line)),
        "swapped chunks": lambda out: (shutil.copy(_chunks(out)[0], out / "a"), shutil.copy(_chunks(out)[1], _chunks(out)[0]),
                                       shutil.move(out / "a", _chunks(out)[1])),
    }
    for label, damage in damages.items():
        out = tmp_path / label.replace(" ", "_")
        shutil.copytree(reference, out)
        (out / "summary.json").unlink()
        damage(out)
        proc = escalation(*batch, "--out", str(out), "--resume")
        assert proc.returncode == 0, (label, proc.stderr)
        pd.testing.assert_frame_equal(BatchStore(out).read_runs("october_2025"), expected, obj=label)
        assert json.loads(proc.stdout) == json.loads((reference / "summary.json").read_text())["scenarios"], label
    stray = tmp_path / "stray"
    shutil.copytree(reference, stray)
    shutil.copy(_chunks(stray)[0], stray / "runs" / "october_2025" / "chunk-000000000-000000150.parquet")
    one_line_error(escalation(*batch, "--out", str(stray), "--resume"), "chunk-000000000-000000150.parquet", "stray")


@pytest.mark.slow
def test_resume_accepts_the_same_content_under_another_path(tmp_path):
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    shutil.copy(DEFAULT, moved / "october_2025.toml")
    out = tmp_path / "b"
    batch = ["--runs", "600", "--chunk-size", "300", "--workers", "1", "--out", str(out), "--json"]
    assert escalation("batch", str(DEFAULT), *batch).returncode == 0
    again = escalation("batch", str(moved / "october_2025.toml"), *batch, "--resume")
    assert again.returncode == 0, again.stderr
    (moved / "october_2025.toml").write_text(DEFAULT.read_text().replace("horizon_days = 90", "horizon_days = 91"))
    one_line_error(escalation("batch", str(moved / "october_2025.toml"), *batch, "--resume"), "content hash")


# ---- tracebacks instead of one line -----------------------------------------------------------------------

def _damaged_batches(root: Path) -> dict[str, Path]:
    """A good batch folder and copies damaged in every way issue 12 lists."""
    good = root / "good"
    run_batch(load_scenario(DEFAULT), 200, seed=1, workers=1, out=good, chunk_size=100)
    out = {}
    for label, damage in {
        "a file": None,
        "manifest []": lambda d: (d / "manifest.json").write_text("[]"),
        "manifest {}": lambda d: (d / "manifest.json").write_text("{}"),
        "manifest cut": lambda d: (d / "manifest.json").write_text((d / "manifest.json").read_text()[:50]),
        "scenario json cut": lambda d: (d / "scenarios" / "october_2025.json").write_text('{"pakistan": '),
        "scenario json edited": lambda d: (d / "scenarios" / "october_2025.json").write_text(
            (d / "scenarios" / "october_2025.json").read_text().replace('"horizon_days": 90', '"horizon_days": 80')),
        "chunk garbage": lambda d: _chunks(d)[0].write_bytes(b"not parquet"),
        "chunk log gone": lambda d: (d / "chunks.jsonl").unlink(),
    }.items():
        target = root / label.replace(" ", "_")
        if damage is None:
            target.write_text("not a folder")
        else:
            shutil.copytree(good, target)
            damage(target)
        out[label] = target
    return out


@pytest.mark.slow
def test_damaged_batch_folders_are_one_line_for_replay_and_viz(tmp_path):
    for folder in _damaged_batches(tmp_path).values():
        for command in (["replay", str(folder), "--run", "5"], ["viz", "--replay", str(folder), "--run", "5"]):
            one_line_error(escalation(*command, timeout=120), str(folder))


def _bad_files(tmp: Path) -> dict[str, Path]:
    """Input files of the kinds that once ended in a traceback."""
    post = tmp / "post"
    post.mkdir()
    shutil.copy(DEFAULT, post / "october_2025.toml")
    pd.DataFrame({"pakistan.resolve": ["high", "low"]}).to_parquet(post / "strings.parquet")
    (post / "strings.toml").write_text('posterior = "strings.parquet"\n[scenario]\nbase = "october_2025.toml"\n'
                                       'name = "strings"\n')
    (tmp / "string_scenario.toml").write_text('scenario = "not a table"\n')
    return {"date": what_if(tmp, "date", 'start_date = "tomorrow"'),
            "capabilities": what_if(tmp, "caps", "[pakistan]\ncapabilities = []"),
            "base is a string": what_if(tmp, "on_string", "", base=tmp / "string_scenario.toml"),
            "posterior strings": post / "strings.toml",
            "label": what_if(tmp, "label", '[mediators.qatar]\nlabel = "Qatâr"')}


@pytest.mark.slow
def test_every_listed_input_that_crashed_is_now_one_line(tmp_path):
    bad = _bad_files(tmp_path)
    checkpoint = tmp_path / "ck"
    checkpoint.mkdir()
    (checkpoint / "checkpoint.npz").write_bytes(b"PK\x03\x04 cut short")
    (tmp_path / "afile").write_text("x")
    cases = [
        (["run", str(bad["date"])], "scenario.start_date"),
        (["batch", str(bad["date"]), "--runs", "10"], "YYYY-MM-DD"),
        (["run", str(bad["capabilities"])], "pakistan.capabilities"),
        (["run", str(bad["base is a string"])], "string_scenario.toml: key 'scenario': expected a table"),
        (["run", str(DEFAULT), "--seed", str(2**64)], "--seed"),
        (["run", str(DEFAULT), "--run", str(2**64)], "--run"),
        (["batch", str(DEFAULT), "--backend", "dask", "--scheduler", "not a url"], "not a scheduler address"),
        (["run", str(DEFAULT), "--out", str(tmp_path / "afile")], "not a folder"),
        (["batch", str(DEFAULT), "--runs", "10", "--out", "/dev/null"], "not a folder"),
        (["sweep", str(DEFAULT), "--param", "pakistan.resolve=0:1:2", "--out", "/proc/no-such-dir"], "--out"),
        (["sensitivity", str(DEFAULT), "--out", "/dev/null"], "not a folder"),
        (["discover", str(DEFAULT), "--out", str(tmp_path / "afile")], "not a folder"),
        (["calibrate", "--out", str(checkpoint), "--resume", "--sims", "4000", "--population", "100",
          "--replicates", "4"], "damaged calibration checkpoint"),
        (["batch", str(bad["posterior strings"]), "--runs", "10"], "expected numbers"),
        (["sweep", str(DEFAULT), "--param", "outcome.quiet_days=1:20:3"], "whole numbers"),
        (["check", str(DEFAULT), "--targets", str(tmp_path), "--runs", "10"], "targets file"),
    ]
    for args, fragment in cases:
        one_line_error(escalation(*args, timeout=120), fragment)
    integer_sweep = escalation("sweep", str(DEFAULT), "--param", "outcome.quiet_days=1:21:3", "--runs", "50", "--json")
    assert integer_sweep.returncode == 0 and [p["outcome.quiet_days"] for p in json.loads(integer_sweep.stdout)] == [
        1.0, 11.0, 21.0]


def test_a_pure_c_locale_cannot_crash_the_output(tmp_path):
    label = what_if(tmp_path, "label", '[mediators.qatar]\nlabel = "Qatâr"')
    env = {**os.environ, "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
    proc = subprocess.run([sys.executable, "-m", "sim.cli", "run", str(label), "--days", "3"], cwd=ROOT, env=env,
                          capture_output=True)
    assert proc.returncode == 0 and b"Traceback" not in proc.stderr, proc.stderr
    assert b"Qat\\xe2r" in proc.stdout


@pytest.mark.slow
def test_the_output_folder_is_checked_before_any_work(tmp_path):
    """--samples 100000 would run for hours: the unusable --out must stop it at once."""
    start = time.monotonic()
    proc = escalation("sensitivity", str(DEFAULT), "--samples", "100000", "--out", "/dev/null", timeout=60)
    one_line_error(proc, "--out /dev/null", "not a folder")
    assert time.monotonic() - start < 30


@pytest.mark.slow
def test_a_damaged_checkpoint_is_one_line_before_any_work(tmp_path):
    out = tmp_path / "cal"
    out.mkdir()
    buffer = tmp_path / "valid.npz"
    np.savez(buffer, meta=np.array("{}"), theta=np.zeros((4, 2)))
    (out / "checkpoint.npz").write_bytes(buffer.read_bytes()[:-40])
    proc = escalation("calibrate", "--out", str(out), "--resume", "--sims", "100000000", timeout=60)
    one_line_error(proc, "checkpoint.npz", "damaged calibration checkpoint")


@pytest.mark.slow
def test_a_full_disk_is_one_line_and_resume_finishes_the_batch(tmp_path):
    if shutil.which("unshare") is None or os.geteuid() != 0:
        pytest.skip("needs root and unshare to mount a small tmpfs")
    disk = tmp_path / "disk"
    disk.mkdir()
    cli = f"{sys.executable} -m sim.cli batch {DEFAULT} --runs 3000 --chunk-size 500 --workers 1 --out {disk}/b --json"
    script = (f"mount -t tmpfs -o size=200k tmpfs {disk} || exit 99; cd {ROOT}; {cli} >/dev/null 2>{tmp_path}/full.err;"
              f" echo $? > {tmp_path}/full.rc; mount -o remount,size=20m {disk};"
              f" {cli} --resume >{tmp_path}/resumed.out 2>&1; echo $? > {tmp_path}/resumed.rc")
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=600)
    if done.returncode == 99:
        pytest.skip("cannot mount a tmpfs here")
    full = subprocess.CompletedProcess([], int((tmp_path / "full.rc").read_text()), "",
                                       (tmp_path / "full.err").read_text())
    one_line_error(full, "No space left on device", "--resume")
    assert (tmp_path / "resumed.rc").read_text().strip() == "0", (tmp_path / "resumed.out").read_text()
    assert json.loads((tmp_path / "resumed.out").read_text())["october_2025"]["runs"] == 3000


@pytest.mark.slow
def test_a_read_only_folder_is_one_line_before_any_work(tmp_path):
    if shutil.which("unshare") is None or os.geteuid() != 0:
        pytest.skip("needs root and unshare to mount a folder read-only")
    ro = tmp_path / "ro"
    (ro / "existing").mkdir(parents=True)
    commands = [f"{sys.executable} -m sim.cli batch {DEFAULT} --runs 1000000 --out {ro}/new",
                f"{sys.executable} -m sim.cli discover {DEFAULT} --runs 1000000 --out {ro}/existing"]
    script = f"mount --bind {ro} {ro} && mount -o remount,ro,bind {ro} || exit 99; " + "; ".join(
        f"{c} 2>{tmp_path}/{i}.err; echo $? >{tmp_path}/{i}.rc" for i, c in enumerate(commands))
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    if done.returncode == 99:
        pytest.skip("cannot mount read-only here")
    for i, fragment in enumerate(("Read-only file system", "not writable")):
        proc = subprocess.CompletedProcess([], int((tmp_path / f"{i}.rc").read_text()), "",
                                           (tmp_path / f"{i}.err").read_text())
        one_line_error(proc, fragment)


def _children(pid: int) -> list[int]:
    kids = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        kids += [int(k) for k in (task / "children").read_text().split()]
    return kids


@pytest.mark.slow
def test_a_worker_killed_by_the_system_is_one_line(tmp_path):
    out = tmp_path / "b"
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "batch", str(DEFAULT), "--runs", "400000", "--chunk-size",
                             "2000", "--workers", "2", "--out", str(out)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        workers: list[int] = []
        while len(workers) < 2:
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.poll() else ""
            workers = [k for k in _children(proc.pid)
                       if b"resource_tracker" not in Path(f"/proc/{k}/cmdline").read_bytes()]
            time.sleep(0.1)
        time.sleep(1.0)
        os.kill(workers[-1], signal.SIGKILL)  # what the kernel's out-of-memory killer does
        proc.wait(timeout=120)
        one_line_error(subprocess.CompletedProcess([], proc.returncode, "", proc.stderr.read()),
                       "a worker process died", "--workers")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


# ---- unbounded work ----------------------------------------------------------------------------------------

@pytest.mark.slow
def test_work_that_cannot_fit_is_refused_at_once(tmp_path):
    (tmp_path / "zero_posterior.toml").write_text(f'posterior = "/dev/zero"\n[scenario]\nbase = "{DEFAULT}"\n')
    cases = [
        (["run", str(DEFAULT), "--days", "10000000"], "--days"),
        (["run", str(DEFAULT), "--days", str(10**12)], "--days"),
        (["batch", str(DEFAULT), "--runs", "1000000000"], "memory"),
        (["sweep", str(DEFAULT), "--param", "pakistan.resolve=0:1:10000", "--param",
          "afghanistan.resolve=0:1:10000"], "at most 200 per axis"),
        (["sweep", str(DEFAULT), "--param", "pakistan.resolve=0:1:200", "--param", "afghanistan.resolve=0:1:200"],
         "at most 10,000"),
        (["run", "/dev/zero"], "too large"),
        (["batch", str(tmp_path / "zero_posterior.toml"), "--runs", "10"], "too large for a posterior"),
        (["check", str(DEFAULT), "--targets", "/dev/zero"], "too large for a targets file"),
        (["batch", str(DEFAULT), "--chunk-size", "10000000"], "--chunk-size"),
    ]
    for args, fragment in cases:
        start = time.monotonic()
        one_line_error(escalation(*args, timeout=60), fragment)
        assert time.monotonic() - start < 30, args


@pytest.mark.slow
def test_workers_are_capped_by_the_cores(tmp_path):
    proc = escalation("batch", str(DEFAULT), "--runs", "50", "--workers", "512", "--json")
    assert proc.returncode == 0, proc.stderr
    assert "--workers 512 is more than the" in proc.stderr and json.loads(proc.stdout)["october_2025"]["runs"] == 50


# ---- silent acceptance and misleading messages ----------------------------------------------------------

@pytest.mark.slow
def test_what_was_silently_accepted_or_misreported_is_now_one_true_line(tmp_path):
    post = tmp_path / "post"
    post.mkdir()
    for label, weights in (("negative", [-1.0, 2.0]), ("nan", [np.nan, 1.0]), ("zero", [0.0, 0.0])):
        pd.DataFrame({"pakistan.resolve": [1.0, 2.0], "weight": weights}).to_parquet(post / f"{label}.parquet")
        (post / f"{label}.toml").write_text(f'posterior = "{label}.parquet"\n[scenario]\nbase = "{DEFAULT}"\n')
    (tmp_path / "empty.toml").write_text("# nothing but a comment\n")
    (tmp_path / "bad_base.toml").write_text(DEFAULT.read_text().replace("[pakistan]", "[pakistan]\nresolv = 1", 1))
    batch = tmp_path / "two"
    run_batch([load_scenario(DEFAULT), load_scenario(SCENARIOS / "no_mediators.toml")], 50, workers=1, out=batch)
    pending = tmp_path / "pending"
    pending.mkdir()
    (pending / "checkpoint.npz").write_bytes(b"a calibration was killed here")
    targets = tmp_path / "targets.toml"
    text = TARGETS.read_text().replace('scenario = "../october_2025.toml"', f'scenario = "{DEFAULT}"')
    (tmp_path / "inf_value.toml").write_text(text.replace("value = 23", "value = inf", 1))
    (tmp_path / "inf_weight.toml").write_text(text.replace('actor = "united_states"', 'actor = "united_states"\n'
                                                           "weight = inf", 1))
    targets.write_text(text.replace(f'scenario = "{DEFAULT}"', 'scenario = "missing.toml"'))
    cases = [
        (["run", str(what_if(tmp_path, "prior", '[priors]\n"pakistan.resolve" = {low = 0.5, high = 2, '
                                              'distrbution = "uniform"}'))], "did you mean 'distribution'"),
        (["run", str(tmp_path / "empty.toml")], "sets nothing"),
        (["run", "/dev/null"], "sets nothing"),
        *[(["run", str(what_if(tmp_path, f"deaths{i}", f'name = "d{i}"\n[[shocks]]\nday = 1\nactor = "pakistan"\n'
                                                      f'action = "airstrike_capital"\ntarget = "afghanistan"\n'
                                                      f"deaths = {value}"))], "shocks[0].deaths")
           for i, value in enumerate(("nan", "inf", "1e308"))],
        (["run", str(what_if(tmp_path, "mars", '[ttp]\ntarget = "mars"'))], "ttp.target"),
        (["run", str(what_if(tmp_path, "mediator", "[mediators.pakistan]\nstyle = 'statement'"))], "not a mediator"),
        *[(["batch", str(post / f"{label}.toml"), "--runs", "10"], "weight") for label in ("negative", "nan", "zero")],
        (["sweep", str(DEFAULT), "--param", "mediators.qatar.trigger_rung=1:6:3"], "whole numbers"),
        (["sweep", str(DEFAULT), "--param", "pakistan.resolve=nan:1:3"], "--param"),
        (["run", str(what_if(tmp_path, "on_bad_base", "", base=tmp_path / "bad_base.toml"))], "bad_base.toml: key"),
        (["calibrate", "--population", "1", "--out", str(tmp_path / "p1")], "--population 1"),
        # viz --replay of a two-scenario batch is no longer refused: the app lets one choose the scenario
        # (tests/test_browser.py replays such a batch)
        (["calibrate", "--out", str(pending), "--sims", "4000"], "add --resume"),
        (["run", str(DEFAULT), "--out", str(batch)], "holds other files"),
        (["check", str(DEFAULT), "--targets", str(tmp_path / "inf_value.toml")], "finite"),
        (["check", str(DEFAULT), "--targets", str(tmp_path / "inf_weight.toml")], "finite"),
        (["check", str(DEFAULT), "--targets", str(targets)], "targets.scenario"),
        (["sensitivity", str(DEFAULT), "--params", "pakistan.resolv"], "no prior for 'pakistan.resolv'"),
        (["batch", str(DEFAULT), "--runs", "-3"], "at least 1"),
    ]
    for args, fragment in cases:
        line = one_line_error(escalation(*args, timeout=120), fragment)
        assert "non-negative" not in line
    assert not (tmp_path / "p1" / "posteriors").exists() and (pending / "checkpoint.npz").exists()


def test_json_output_is_strict_json(tmp_path):
    """No ceasefire in either scenario: the paired difference of days is undefined, and says null, not NaN."""
    short = what_if(tmp_path, "short", 'name = "short"\nhorizon_days = 1', top="shocks = []")
    shorter = what_if(tmp_path, "shorter", 'name = "shorter"\nhorizon_days = 1\n[pakistan]\nresolve = 2.0',
                      top="shocks = []")
    proc = escalation("compare", str(short), str(shorter), "--runs", "30", "--workers", "1", "--json")
    assert proc.returncode == 0, proc.stderr

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} is not JSON")

    data = json.loads(proc.stdout, parse_constant=refuse)
    assert data["days_to_first_ceasefire"]["diff"] is None


def test_viz_warns_when_it_is_reachable_from_other_machines():
    with socket.create_server(("0.0.0.0", 0)) as busy:
        proc = escalation("viz", "--host", "0.0.0.0", "--port", str(busy.getsockname()[1]))
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 2 and "Traceback" not in proc.stderr
    assert "reachable from other machines" in lines[0] and "choose another --port" in lines[1]


def test_the_statistics_page_answers_this_machine_only_and_assets_never_come_from_the_internet():
    import asyncio
    from urllib.parse import urlparse

    from sim.viz.server import SERVER_ENV, LoopbackOnly

    answered = []

    async def app(scope, receive, send):
        answered.append(scope["path"])

    async def ask(path: str, client: str) -> list:
        sent = []

        async def send(message):
            sent.append(message)

        await LoopbackOnly(app)({"type": "http", "path": path, "client": (client, 5000)}, None, send)
        return sent

    assert asyncio.run(ask("/resourcez", "192.0.2.7"))[0]["status"] == 404
    assert asyncio.run(ask("/resourcez", "127.0.0.1")) == [] and answered == ["/resourcez"]
    assert asyncio.run(ask("/", "192.0.2.7")) == [] and answered == ["/resourcez", "/"]
    assert urlparse(SERVER_ENV["SOLARA_ASSETS_CDN"]).hostname == "127.0.0.1"


# ---- replay is exact ----------------------------------------------------------------------------------------

def test_the_stored_scenario_keeps_the_files_order_and_its_hash_follows_it(tmp_path):
    table = load_scenario(DEFAULT).table
    mediators = table["mediators"]
    reordered = {**table, "mediators": dict(reversed(list(mediators.items())))}
    a, b = scenario_from_dict(table, "a.toml"), scenario_from_dict(reordered, "b.toml")
    assert a.mediators == list(mediators) and b.mediators == list(reversed(list(mediators)))
    assert a.content_hash != b.content_hash  # the order changes the draws, so it is content
    run_batch(b, 20, workers=1, out=tmp_path / "b")
    assert BatchStore(tmp_path / "b").load_scenario(b.name).mediators == b.mediators


def test_with_params_makes_a_new_scenario_stored_and_hashed_as_itself(tmp_path):
    base = load_scenario(DEFAULT)
    derived = base.with_params(**{"mediators.qatar.leverage.afghanistan": 0.05, "outcome.quiet_days": 7})
    assert base.params["mediators.qatar.leverage.afghanistan"] != 0.05  # the base is unchanged
    assert derived.content_hash != base.content_hash
    stored = scenario_from_dict(json.loads(derived.stored_json()), "stored")
    assert stored.params == derived.params and stored.content_hash == derived.content_hash
    with pytest.raises(AttributeError):
        derived.name = "other"  # an immutable value


def _replay_every_run(out: Path, name: str) -> int:
    """Read every run back as replay does (``load_run``), simulate them, compare with the stored rows exactly.

    Every run's stored inputs go through ``load_run``; they are simulated as the lanes of one model (a lane
    unfolds exactly as the run alone: ``sim.streams``), and a spread of 40 of them alone (R = 1) as well.
    Returns the number of runs replayed; any mismatch fails.
    """
    stored = BatchStore(out).read_runs(name).sort_values("row").reset_index(drop=True)
    loaded = [load_run(out, int(k)) for k in stored["row"]]
    scenario, seed = loaded[0][0], loaded[0][1]
    assert all(s.content_hash == scenario.content_hash and sd == seed for s, sd, _, _ in loaded)
    run_index = np.concatenate([r for _, _, r, _ in loaded])
    params = {k: np.array([p[k] for _, _, _, p in loaded]) for k in loaded[0][3]}
    model = EscalationModel(scenario, seed=seed, run_indices=run_index, lane_params=params, record_events=False,
                            collect_series=False).run()
    for key, values in model.summary().items():
        expected = stored[key].to_numpy()
        if key == "outcome":
            values = np.array([Outcome.from_code(c).key for c in values])
        np.testing.assert_array_equal(values, expected, err_msg=key)
    np.testing.assert_array_equal(model.rung_history.T, np.vstack([np.frombuffer(b, np.int8) for b in stored["rungs"]]))
    for k in range(0, len(stored), len(stored) // 40):
        alone = RunResult.simulate(*loaded[k][:2], int(loaded[k][2][0]), lane_params=loaded[k][3]).summary
        for key in ("outcome", "peak_rung", "first_ceasefire_day", "deaths_true", "deaths_claimed", "closed_days"):
            assert alone[key] == stored[key][k], (k, key)
    return len(stored)


@pytest.mark.slow
def test_every_run_of_a_calibrated_batch_replays_exactly(tmp_path):
    out = tmp_path / "calibrated"
    proc = escalation("batch", str(CALIBRATED), "--runs", "4000", "--seed", "3", "--workers", "2", "--chunk-size",
                      "700", "--out", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    assert _replay_every_run(out, "october_2025_calibrated") == 4000


@pytest.mark.slow
def test_every_run_of_a_derived_scenario_replays_exactly(tmp_path):
    derived = load_scenario(DEFAULT).with_params(**{"mediators.qatar.leverage.afghanistan": 0.9,
                                                    "pakistan.retaliation_propensity": 1.5})
    run_batch(derived, 4000, seed=4, workers=2, chunk_size=900, out=tmp_path / "derived")
    assert _replay_every_run(tmp_path / "derived", "october_2025") == 4000


@pytest.mark.slow
def test_a_sweep_of_a_calibrated_scenario_draws_the_rest_from_its_posterior(tmp_path):
    out = tmp_path / "s"
    proc = escalation("sweep", str(CALIBRATED), "--param", "mediation.mediation_weight=0:2:3", "--runs", "200",
                      "--workers", "1", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "drawn run by run" in proc.stdout
    frame = BatchStore(out).read_runs("october_2025_calibrated")
    drawn = frame.pivot(index="run", columns="point", values="param:pakistan.resolve")
    from sim.batch.posterior import RUNS_PER_DRAW

    # the same draw at every point, varied across blocks of RUNS_PER_DRAW runs (10 draws for 200 runs)
    assert drawn.nunique(axis=1).eq(1).all() and drawn[0].nunique() >= 200 // RUNS_PER_DRAW - 2
    assert sorted(frame["param:mediation.mediation_weight"].unique()) == [0.0, 1.0, 2.0]
    for row in (5, 205, 599):
        scenario, seed, run, params = load_run(out, row)
        replayed = RunResult.simulate(scenario, seed, int(run[0]), lane_params=params).summary
        assert replayed["first_ceasefire_day"] == frame.set_index("row").loc[row, "first_ceasefire_day"]
