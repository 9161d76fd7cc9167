#!/usr/bin/env bash
# Set up everything the project needs on a fresh Debian machine (root, Python 3.11 or newer).
#   bash scripts/setup.sh          the simulator and its CLI, in .venv/
#   bash scripts/setup.sh --test   also the test tools and Debian's Chromium (browser tests)
# PYTHON=python3.13 chooses the interpreter (default: python3.11, else python3); VENV=DIR the
# virtual environment (default .venv). Python 3.11 gets Mesa 3.3, Python 3.12+ the newest Mesa.
# Safe to run again: it installs only what is missing (a venv of another Python is made anew).
set -euo pipefail
cd "$(dirname "$0")/.."

with_test=0
for arg in "$@"; do
  case "$arg" in
    --test) with_test=1 ;;
    *) echo "setup.sh: unknown option $arg (allowed: --test)" >&2; exit 2 ;;
  esac
done

python=${PYTHON:-}
if [ -z "$python" ]; then
  for candidate in python3.11 python3; do
    if "$candidate" -c '' >/dev/null 2>&1; then python=$candidate; break; fi
  done
fi
if [ -z "$python" ] || ! "$python" -c 'import sys; assert sys.version_info >= (3, 11)' >/dev/null 2>&1; then
  echo "setup.sh: Python 3.11 or newer is required (found: ${python:-no python3}" \
       "$( [ -n "$python" ] && "$python" --version 2>&1 )); set PYTHON=/path/to/python3.X" >&2
  exit 2
fi
venv=${VENV:-.venv}
version() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])'; }

if [ -x "$venv/bin/python" ] && [ "$(version "$venv/bin/python")" != "$(version "$python")" ]; then
  echo "setup.sh: $venv has Python $(version "$venv/bin/python"), $python is $(version "$python"): making it anew"
  rm -rf "$venv"
fi
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
extras=""
[ "$with_test" = 1 ] && extras="[test]"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e ".${extras}" 2>&1 \
  | grep -v "^WARNING: Location" || true
"$venv/bin/python" -c 'import sim, mesa' || { echo "setup.sh: installing the package failed" >&2; exit 1; }

# Solara fetches some browser assets from a CDN at run time; fill its cache from npm instead.
if [ -f scripts/install_viz_assets.py ] && command -v npm >/dev/null 2>&1; then
  "$venv/bin/python" scripts/install_viz_assets.py >/dev/null
fi

if [ "$with_test" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
echo "setup.sh: ready ($venv/bin/escalation, Python $(version "$venv/bin/python")," \
     "Mesa $("$venv/bin/python" -c 'import mesa; print(mesa.__version__)'))"
