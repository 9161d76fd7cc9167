"""The regression baseline: per-run summaries of every shipped scenario at fixed seeds.

A restructuring of the model must leave these rows unchanged; a deliberate change of a rule
refreshes them on purpose, in the commit that changes the rule, with the measured effect in
its message:

    python tests/regression/baseline.py --write     rewrite the stored rows
    python tests/regression/baseline.py             say which scenarios and columns differ

The rows are stored as gzipped CSV, readable with any tool.
"""

from __future__ import annotations

import sys
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SEED = 20251009
RUNS = 2000


def scenario_paths() -> list[Path]:
    return sorted((ROOT / "scenarios").glob("*.toml"))


def current_rows(path: Path) -> pd.DataFrame:
    """This scenario's per-run summaries as the code makes them now (the daily rungs as a CRC)."""
    from sim.batch import run_batch
    from sim.scenario import load_scenario

    frame = run_batch(load_scenario(path), RUNS, SEED, workers=1).frames
    frame = next(iter(frame.values()))
    frame = frame.assign(rungs=[zlib.crc32(bytes(b)) for b in frame["rungs"]])
    return frame.drop(columns=["scenario", "row"]).sort_values("run").reset_index(drop=True)


def stored_path(path: Path) -> Path:
    return HERE / f"{path.stem}.csv.gz"


def stored_rows(path: Path) -> pd.DataFrame:
    return pd.read_csv(stored_path(path))


def differences(path: Path) -> dict[str, int]:
    """Column -> number of runs whose value differs from the stored baseline (empty: identical)."""
    now, then = current_rows(path), stored_rows(path)
    out: dict[str, int] = {}
    for column in sorted(set(now.columns) | set(then.columns)):
        if column not in now or column not in then:
            out[column] = -1  # a column added or removed
            continue
        a, b = now[column].to_numpy(), then[column].to_numpy()
        if a.dtype.kind in "fc" or b.dtype.kind in "fc":
            differ = ~np.isclose(a.astype(float), b.astype(float), rtol=1e-12, atol=0, equal_nan=True)
        else:
            differ = a.astype(str) != b.astype(str)
        if differ.any():
            out[column] = int(differ.sum())
    return out


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    if "--write" in argv:
        for path in scenario_paths():
            current_rows(path).to_csv(stored_path(path), index=False)
            print(f"wrote {stored_path(path).relative_to(ROOT)}")
        return 0
    changed = 0
    for path in scenario_paths():
        diff = differences(path)
        changed += bool(diff)
        print(f"{path.stem}: " + (", ".join(f"{k} ({v} runs)" if v >= 0 else f"{k} (column added or removed)"
                                             for k, v in diff.items()) or "identical"))
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
