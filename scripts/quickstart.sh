#!/usr/bin/env bash
# The main job: set everything up, start the stack and the app, and show where things stand.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH:/usr/local/go/bin"
clipstream stack up --app
clipstream stack status
