#!/usr/bin/env bash
# Prepares, outside any image build, everything the images' builds would otherwise fetch, into
# deploy/prepared/ (git-ignored, inside the build context), so `docker build`/`podman build` of
# deploy/images/*.Dockerfile needs no network and the same lock gives the same packages:
#   wheels/  the wheels of deploy/python/requirements.lock (and, with --cuda, requirements-cuda.lock),
#            each checked against the lock's sha256; the builds install them with --no-index.
#   npm/     an npm cache holding api/docs_assets/package-lock.json's packages; the docs stage
#            runs `npm ci --offline` against it.
# Run after scripts/setup.sh (it uses .venv's pip). A second run only checks.
#   bash scripts/wheelhouse.sh [--cuda]
set -euo pipefail
cd "$(dirname "$0")/.."
out=deploy/prepared
locks=(-r deploy/python/requirements.lock)
[ "${1:-}" = "--cuda" ] && locks+=(-r deploy/python/requirements-cuda.lock)
mkdir -p "$out/wheels" "$out/npm"
echo "wheelhouse: wheels of ${locks[*]//-r /} into $out/wheels"
.venv/bin/python -m pip download -q --no-deps --require-hashes --only-binary=:all: \
  --dest "$out/wheels" "${locks[@]}"
echo "wheelhouse: npm cache for api/docs_assets into $out/npm"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp api/docs_assets/package.json api/docs_assets/package-lock.json "$tmp/"
(cd "$tmp" && npm ci --cache "$OLDPWD/$out/npm" --prefer-offline --ignore-scripts --no-audit --no-fund --loglevel=error)
# What an offline `npm ci` will need is in the cache: prove it before a build finds out.
rm -rf "$tmp/node_modules"
(cd "$tmp" && npm ci --cache "$OLDPWD/$out/npm" --offline --ignore-scripts --no-audit --no-fund --loglevel=error)
echo "wheelhouse: $(ls "$out/wheels" | wc -l) wheels, $(du -sh "$out" | cut -f1) in $out"
