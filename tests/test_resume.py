"""Nothing lost, nothing counted twice: kill a real batch process mid-run, then --resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from conftest import DEFAULT, ROOT, escalation, like_a_terminal

from sim.batch.store import BatchStore

pytestmark = pytest.mark.slow  # real processes killed and resumed: minutes
RUNS, CHUNK = 40_000, 1000


def _start(out) -> subprocess.Popen:
    args = [sys.executable, "-m", "sim.cli", "batch", str(DEFAULT), "--runs", str(RUNS), "--chunk-size", str(CHUNK),
            "--workers", "2", "--seed", "11", "--out", str(out), "--json"]
    return subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=like_a_terminal)


def _chunks(out) -> int:
    return len(list((out / "runs" / "october_2025").glob("chunk-*.parquet")))


def _interrupt_midway(out, sig: int) -> int:
    proc = _start(out)
    deadline = time.monotonic() + 120
    while _chunks(out) < 3:
        assert proc.poll() is None, f"batch ended before it could be interrupted: {proc.stderr.read()}"
        assert time.monotonic() < deadline, "no chunk written in 120 s"
        time.sleep(0.02)
    os.killpg(proc.pid, sig)
    proc.wait(timeout=60)
    done = _chunks(out)
    assert done < RUNS // CHUNK, "the batch finished before the signal: nothing was tested"
    assert not (out / "summary.json").exists()
    return done


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("reference") / "b"
    proc = escalation("batch", str(DEFAULT), "--runs", str(RUNS), "--chunk-size", str(CHUNK), "--workers", "2",
                      "--seed", "11", "--out", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["kill-9", "ctrl-c"])
def test_interrupted_batch_resumes_to_the_same_result(tmp_path, reference, sig):
    out = tmp_path / "b"
    done = _interrupt_midway(out, sig)
    # a damaged chunk (as from a disk error) and a stray temporary file must not count
    victim = sorted((out / "runs" / "october_2025").glob("chunk-*.parquet"))[0]
    victim.write_bytes(b"not parquet")
    (out / "runs" / "october_2025" / ".chunk-stray.parquet.tmp").write_bytes(b"partial")

    again = escalation("batch", str(DEFAULT), "--runs", str(RUNS), "--chunk-size", str(CHUNK), "--workers", "2",
                       "--seed", "11", "--out", str(out), "--resume", "--json")
    assert again.returncode == 0, again.stderr
    frame = BatchStore(out).read_runs("october_2025")
    assert len(frame) == RUNS and frame["run"].is_unique and set(frame["run"]) == set(range(RUNS))
    expected = BatchStore(reference).read_runs("october_2025")
    pd.testing.assert_frame_equal(frame.sort_values("row").reset_index(drop=True),
                                  expected.sort_values("row").reset_index(drop=True))
    got = json.loads((out / "summary.json").read_text())["scenarios"]
    assert got == json.loads((reference / "summary.json").read_text())["scenarios"]
    assert json.loads(again.stdout) == got
    assert not list(out.rglob("*.tmp"))
    assert done >= 3


def _calibration_args(scenario, out, *extra: str, seed: int = 3) -> list[str]:
    return ["calibrate", "--scenario", str(scenario), "--sims", "240000", "--population", "500", "--replicates", "8",
            "--seed", str(seed), "--check-runs", "200", "--workers", "1", "--out", str(out), *extra]


def test_a_killed_calibration_resumes_to_the_same_posterior(tmp_path):
    """kill -9 a real `escalation calibrate` after some generations; --resume ends with the
    posterior an uninterrupted calibration writes, and takes up where the kill left it."""
    import numpy as np

    whole, killed = tmp_path / "whole", tmp_path / "killed"
    for d in (whole, killed):
        d.mkdir()
        (d / "october_2025.toml").write_text(DEFAULT.read_text())
    proc = escalation(*_calibration_args(whole / "october_2025.toml", whole / "report"))
    assert proc.returncode == 0, proc.stderr

    checkpoint = killed / "report" / "checkpoint.npz"
    args = [sys.executable, "-m", "sim.cli", *_calibration_args(killed / "october_2025.toml", killed / "report")]
    child = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 120
    while not checkpoint.exists() or json.loads(str(np.load(checkpoint)["meta"]))["generation"] < 10:
        assert child.poll() is None, f"calibration ended before it could be killed: {child.stderr.read()}"
        assert time.monotonic() < deadline, "no checkpoint after 120 s"
        time.sleep(0.05)
    os.killpg(child.pid, signal.SIGKILL)
    child.wait(timeout=60)
    stopped_at = json.loads(str(np.load(checkpoint)["meta"]))["generation"]
    assert 10 <= stopped_at < 59, "the kill must land mid-calibration"
    assert not (killed / "report" / "posteriors").exists()

    mismatch = escalation(*_calibration_args(killed / "october_2025.toml", killed / "report", "--resume", seed=4))
    assert mismatch.returncode == 2 and mismatch.stderr.count("\n") == 1 and "other settings" in mismatch.stderr
    assert json.loads(str(np.load(checkpoint)["meta"]))["generation"] == stopped_at  # left as it was

    resumed = escalation(*_calibration_args(killed / "october_2025.toml", killed / "report", "--resume"))
    assert resumed.returncode == 0, resumed.stderr
    assert f"after generation {stopped_at}" in resumed.stdout, resumed.stdout
    a = pd.read_parquet(whole / "report" / "posteriors" / "october_2025.parquet")
    b = pd.read_parquet(killed / "report" / "posteriors" / "october_2025.parquet")
    assert not (whole / "posteriors").exists() and not (killed / "october_2025_calibrated.toml").exists()
    pd.testing.assert_frame_equal(a, b)
    assert not checkpoint.exists()
