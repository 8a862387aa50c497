#!/usr/bin/env bash
# The main job: set everything up, start the stack and the app, then process a video end to end
# and print its clips. With no argument it builds a short demo talk (speech over a portrait).
#   bash scripts/quickstart.sh [VIDEO] [clipstream process options, e.g. --json]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH:/usr/local/go/bin"
clipstream stack up --app
clipstream process --wait "$@"
# Last, how a person gets in: the web page's sign-in for the local stack's owner (made with the stack).
python -m streams.stack.credentials sign-in
