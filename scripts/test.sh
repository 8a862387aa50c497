#!/usr/bin/env bash
# Runs the test suite against a real local stack (started on free ports, removed afterwards).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH:/usr/local/go/bin"
exec .venv/bin/python -m pytest "$@"
