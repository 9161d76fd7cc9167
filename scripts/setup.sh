#!/usr/bin/env bash
# Set up everything the project needs on a fresh Debian machine (root, Python 3.11).
#   bash scripts/setup.sh          the simulator and its CLI, in .venv/
#   bash scripts/setup.sh --test   also the test tools and Debian's Chromium (browser tests)
# Safe to run again: it installs only what is missing.
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
    if command -v "$candidate" >/dev/null 2>&1; then python=$candidate; break; fi
  done
fi
"$python" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' \
  || { echo "setup.sh: Python 3.11 is required (found $("$python" --version 2>&1))" >&2; exit 2; }

if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
extras=""
[ "$with_test" = 1 ] && extras="[test]"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras}" 2>&1 \
  | grep -v "^WARNING: Location" || true
.venv/bin/python -c 'import sim, mesa' || { echo "setup.sh: installing the package failed" >&2; exit 1; }

# Solara fetches some browser assets from a CDN at run time; fill its cache from npm instead.
if [ -f scripts/install_viz_assets.py ] && command -v npm >/dev/null 2>&1; then
  .venv/bin/python scripts/install_viz_assets.py >/dev/null
fi

if [ "$with_test" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
echo "setup.sh: ready (.venv/bin/escalation)"
