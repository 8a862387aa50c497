#!/usr/bin/env bash
# Prepares, outside any image build, everything the images' builds would otherwise fetch, into
# deploy/prepared/ (git-ignored, inside the build context), so `docker build`/`podman build` of
# deploy/images/*.Dockerfile needs no network and the same lock gives the same packages:
#   wheels/  the wheels of deploy/python/requirements.lock (and, with --cuda, requirements-cuda.lock),
#            each checked against the lock's sha256; the builds install them with --no-index.
#   npm/     an npm cache holding api/docs_assets/package-lock.json's packages; the docs stage
#            runs `npm ci --offline` against it.
#   goproxy/ a Go module proxy (a file tree, GOPROXY=file://) holding the modules MinIO's build
#            needs at the version streams/stack/minio.py pins, fetched and checked against the
#            checksum database here; minio.Dockerfile builds from it with GOPROXY=file:///goproxy.
# Run after scripts/setup.sh (it uses .venv's pip). A second run with the same locks and pins does
# nothing (deploy/prepared/.prepared holds their digest; remove it to check every file again: the
# builds check each wheel against the lock's hash anyway).
#   bash scripts/wheelhouse.sh [--cuda]
set -euo pipefail
cd "$(dirname "$0")/.."
out=deploy/prepared
lockfiles=(deploy/python/requirements.lock)
[ "${1:-}" = "--cuda" ] && lockfiles+=(deploy/python/requirements-cuda.lock)
locks=()
for lock in "${lockfiles[@]}"; do locks+=(-r "$lock"); done
# What the folder is prepared from: the locks, the npm lock and MinIO's pin.
digest=$({ cat "${lockfiles[@]}" api/docs_assets/package-lock.json; grep -E '^(MODULE|VERSION|SUM) =' streams/stack/minio.py; } \
  | sha256sum | cut -d' ' -f1)
if [ "$(cat "$out/.prepared" 2>/dev/null)" = "$digest" ]; then
  echo "wheelhouse: $out is prepared from these locks already"
  exit 0
fi
rm -f "$out/.prepared"
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

read -r module version sum stack_mods < <(.venv/bin/python -c "from streams.settings import Settings
from streams.stack import minio
print(minio.MODULE, minio.VERSION, minio.SUM, minio.MinIO(Settings.from_env()).module_cache / 'cache' / 'download')")
ziphash="$out/goproxy/$module/@v/$version.ziphash"
if [ "$(cat "$ziphash" 2>/dev/null)" != "$sum" ]; then
  echo "wheelhouse: Go modules for $module@$version into $out/goproxy"
  export PATH="$PATH:/usr/local/go/bin"
  gotmp="$tmp/go"
  # The modules a build needs are exactly those `go install` loads packages from: `-n` loads them
  # (fetching each module into a scratch module cache) and prints the build instead of running
  # it, so nothing is compiled. Its download tree is a module proxy's layout. The local stack's
  # module cache, when there, serves first; the rest comes from $(go env GOPROXY), checked
  # against $(go env GOSUMDB).
  proxy=$(go env GOPROXY)
  [ -d "$stack_mods" ] && proxy="file://$stack_mods,$proxy"
  GOPROXY="$proxy" GOMODCACHE="$gotmp/mod" GOCACHE="$gotmp/build" GOFLAGS=-modcacherw GOBIN="$gotmp/bin" \
    CGO_ENABLED=0 GOTOOLCHAIN=local go install -n -trimpath -ldflags "-s -w" "$module@$version" \
    >/dev/null 2>"$tmp/go.log" \
    || { tail -5 "$tmp/go.log" >&2; echo "wheelhouse: go install $module@$version failed" >&2; exit 1; }
  rm -rf "$out/goproxy" && mv "$gotmp/mod/cache/download" "$out/goproxy"
  rm -rf "$out/goproxy/sumdb" && find "$out/goproxy" -name '*.lock' -delete
  got=$(cat "$ziphash" 2>/dev/null || true)
  [ "$got" = "$sum" ] || { echo "wheelhouse: $module@$version hashes to '$got', streams/stack/minio.py pins $sum" >&2; exit 1; }
fi

echo "$digest" > "$out/.prepared"
echo "wheelhouse: $(ls "$out/wheels" | wc -l) wheels, $(du -sh "$out" | cut -f1) in $out"
