#!/usr/bin/env bash
# Runs the test suite against a real local stack (started on free ports, removed afterwards), then,
# when no arguments pick a part of it, the deploy check (scripts/deploy_check.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH:/usr/local/go/bin"
# The Meilisearch server beside the project (no registry ships one): the test stack runs it, so the
# API and the worker search with it, and the contract tests start their own from it.
shipped_meilisearch="$PWD/../shared/tools/meilisearch/meilisearch"
if [ -z "${CLIPSTREAM_MEILISEARCH_BIN:-}" ] && [ -x "$shipped_meilisearch" ]; then
  export CLIPSTREAM_MEILISEARCH_BIN="$shipped_meilisearch"
fi
if [ $# -gt 0 ]; then
  exec .venv/bin/python -m pytest "$@"  # a chosen part of the suite
fi
# The whole run ends with the deployment itself: images built offline, the compose stack up under
# podman, a talk processed into clips through the containers (scripts/deploy_check.sh). Its images
# build while the tests run, at the lowest CPU priority, on the quarter or so of the two cores the
# tests leave idle while they wait on the stack. Measured once, that saved little: the tests ran
# 8 minutes longer beside the builds (DEVELOPERS.md).
# nice alone is not enough: with the kernel's autogrouping on (Debian's default), nice ranks
# processes only within their session, and the builds' container steps each run in a session of
# their own, so they would take as much of the machine as the tests. Autogrouping is turned off for
# the run where this may (as root, like setup) and put back as it was at the end.
autogroup=/proc/sys/kernel/sched_autogroup_enabled
was_grouped=
if [ -w "$autogroup" ] && [ "$(cat "$autogroup")" != 0 ]; then
  was_grouped=$(cat "$autogroup")
  echo 0 > "$autogroup"
elif [ "$(cat "$autogroup" 2>/dev/null || echo 0)" != 0 ]; then
  echo "test: cannot turn the kernel's autogrouping off ($autogroup): the deploy check's images build at the tests' priority" >&2
fi
mkdir -p .local
images_log=.local/deploy-images.log
setsid -w nice -n 19 bash scripts/deploy_check.sh --images-only >"$images_log" 2>&1 &
images=$!
finish() {
  if [ -n "$images" ]; then kill -- "-$images" 2>/dev/null || true; fi
  if [ -n "$was_grouped" ]; then echo "$was_grouped" > "$autogroup"; fi
}
trap finish EXIT
# The stack's data lives under .local/; MinIO refuses every write (507) once a write would leave
# less than 1 % of the disk free. Said before and after, so a run that fails for want of disk says so.
.venv/bin/python -m streams.stack.disk .local
.venv/bin/python -m pytest || { status=$?; .venv/bin/python -m streams.stack.disk .local; exit "$status"; }
.venv/bin/python -m streams.stack.disk .local
if ! wait "$images"; then
  images=
  echo "deploy-check: building the images failed ($images_log):" >&2
  tail -40 "$images_log" >&2
  exit 1
fi
images=
cat "$images_log"
bash scripts/deploy_check.sh
