#!/usr/bin/env bash
# Set up (with the test tools and Chromium) and run the whole test suite. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/ruff check sim tests experiments scripts
exec .venv/bin/python -m pytest -q "$@"
