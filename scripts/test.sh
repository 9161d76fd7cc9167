#!/usr/bin/env bash
# Set up (with the test tools and Chromium) and run the whole test suite. CI runs exactly this.
#   1. setup and ruff;
#   2. every test on the default Python (3.11, Mesa 3.3), the slow ones included: among them the
#      wheel, built and installed into fresh virtual environments outside the checkout (on this
#      Python and on the newest one) and run from another directory;
#   3. the fast tier (pytest -m "not slow") on the newest Python (3.13) with the newest Mesa, in
#      its own virtual environment (.venv-newest). Without a Python 3.13 this step is skipped with a
#      message, except under CI (CI=true), where it fails.
# Arguments go to the pytest of step 2 (e.g. bash scripts/test.sh -x tests/test_scenario.py).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\ntest.sh: %s\n' "$*"; }
timed() { local name=$1 start=$SECONDS; shift; "$@"; echo "test.sh: ${name} took $((SECONDS - start)) s"; }

newest_python() {
  # PYTHON_NEWEST, else python3.13 on the PATH, else pyenv's 3.13.
  local c
  for c in "${PYTHON_NEWEST:-}" python3.13; do
    if [ -n "$c" ] && "$c" -c 'import sys; assert sys.version_info >= (3, 13)' >/dev/null 2>&1; then
      "$c" -c 'import sys; print(sys.executable)'; return 0
    fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    for c in "$(pyenv root)"/versions/3.13*/bin/python3.13; do
      if [ -x "$c" ]; then echo "$c"; return 0; fi
    done
  fi
  return 1
}

timed "setup (Python 3.11)" bash scripts/setup.sh --test
timed "ruff" .venv/bin/ruff check sim tests experiments scripts

newest=$(newest_python || true)
if [ -n "$newest" ]; then
  export ESCALATION_NEWEST_PYTHON=$newest  # the wheel test installs the wheel on it too
fi
step "pytest, every test, on $(.venv/bin/python --version)"
timed "pytest (Python 3.11, all tests)" .venv/bin/python -m pytest -q --durations=10 "$@"

if [ -z "$newest" ]; then
  if [ "${CI:-}" = true ]; then
    echo "test.sh: no Python 3.13 found (set PYTHON_NEWEST=/path/to/python3.13)" >&2; exit 1
  fi
  echo "test.sh: SKIPPED the fast tier on Python 3.13: no Python 3.13 found (set PYTHON_NEWEST)"
  exit 0
fi
timed "setup (Python 3.13, newest Mesa)" env PYTHON="$newest" VENV=.venv-newest bash scripts/setup.sh --test
step "pytest -m 'not slow' on $(.venv-newest/bin/python --version)"
timed "pytest (Python 3.13, fast tier)" .venv-newest/bin/python -m pytest -q -m "not slow" -p no:cacheprovider --durations=10
