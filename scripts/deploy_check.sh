#!/usr/bin/env bash
# The deployment, run for real: builds the project's images with no registry and no package index
# inside the builds, brings up deploy/compose/compose.yaml (with compose.local.yaml swapping each
# registry image for a local build of the same software), runs `clipstream migrate`, processes a real
# talk through the API into clips, checks a signed webhook delivery and a search, reads the clip files
# back from MinIO, and takes it all down (volumes included).
#   bash scripts/deploy_check.sh          (after scripts/setup.sh; as root, like setup, to install podman)
#   bash scripts/deploy_check.sh --images-only   (the tools and images alone: scripts/test.sh builds
#                                                 them beside the tests, then runs the whole check)
# What it needs and makes, cached between runs on one machine:
#   - Debian's podman, runc, netavark, aardvark-dns and iptables, debootstrap (apt, when missing), and
#     podman-compose from PyPI in its own virtualenv;
#   - a containers.conf of its own (CONTAINERS_CONF; no system file is edited): runc (crun refuses
#     cgroup v1 hybrid hosts), netavark (service names resolve between containers), ulimits the
#     sandbox allows;
#   - the Debian 12 base image, made once with debootstrap from Debian's mirror;
#   - deploy/prepared/ (scripts/wheelhouse.sh): the wheels, npm cache and Go module proxy the
#     builds install from.
# Disk: the images share their 3 GB venv layers (deploy/images/app.Dockerfile says how); what a
# build leaves untagged (the stages the images copy from, the images a tag named before) is removed
# with `podman image prune` before and after the builds, so runs do not pile up layers. MinIO's Go
# build stage is tagged (clipstream-local/minio-build) and survives, so MinIO is compiled once.
# Environment: CLIPSTREAM_DEPLOY_CHECK_DIR (default ~/.cache/clipstream/deploy-check),
# CLIPSTREAM_DEPLOY_CHECK_KEEP=1 leaves the stack up for a look, CLIPSTREAM_DEPLOY_CHECK_VIDEO names
# the talk (default: tests/media_recipes.py's 222 s LJSpeech talking head from ../shared/media).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
images_only=0
case "${1:-}" in
  --images-only) images_only=1 ;;
  "") ;;
  *) echo "usage: bash scripts/deploy_check.sh [--images-only]" >&2; exit 2 ;;
esac
started=$(date +%s)
say() { echo "deploy-check [$(( $(date +%s) - started ))s]: $*"; }

work=${CLIPSTREAM_DEPLOY_CHECK_DIR:-$HOME/.cache/clipstream/deploy-check}
mkdir -p "$work"

# -- tools -------------------------------------------------------------------------------------
. scripts/debian.sh
pkgs=()
have podman || pkgs+=(podman)
have runc || pkgs+=(runc)
[ -x /usr/lib/podman/netavark ] || have netavark || pkgs+=(netavark)
[ -x /usr/lib/podman/aardvark-dns ] || have aardvark-dns || pkgs+=(aardvark-dns)
# netavark 1.4 sets up the containers' network with iptables and depends on no package that has
# it: without it, every container fails to start ("netavark: No such file or directory").
have iptables || [ -x /usr/sbin/iptables ] || pkgs+=(iptables)
have debootstrap || pkgs+=(debootstrap)
install_debian_packages deploy-check "${pkgs[@]}"
PODMAN_COMPOSE_VERSION=1.6.0
if [ ! -x "$work/venv/bin/podman-compose" ]; then
  say "installing podman-compose $PODMAN_COMPOSE_VERSION"
  /usr/bin/python3.11 -m venv "$work/venv"
  "$work/venv/bin/pip" install -q "podman-compose==$PODMAN_COMPOSE_VERSION"
fi
compose=("$work/venv/bin/podman-compose")

export CONTAINERS_CONF="$work/containers.conf"
cat > "$CONTAINERS_CONF" <<'EOF'
# scripts/deploy_check.sh's own podman settings (CONTAINERS_CONF), not the system's.
[containers]
# The defaults ask for more open files than a sandbox without CAP_SYS_RESOURCE may grant.
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
# crun refuses hosts with cgroup v1 and v2 side by side ("hybrid mode"); runc runs there.
runtime = "runc"
[network]
# CNI without the dnsname plugin gives containers no names for each other; netavark's
# aardvark-dns does.
network_backend = "netavark"
EOF
say "$(podman --version), $(runc --version | head -1), $("${compose[@]}" --version 2>/dev/null | head -1)"
store=$(podman info --format '{{.Store.GraphRoot}}')
disk() { say "disk: $(df -Pk "$store" | awk 'NR == 2 {printf "%.1f GB free", $4 / 1048576}') where podman keeps images ($store)"; }
prune() {  # what earlier builds left untagged (podman keeps the layers a tagged image still uses)
  local freed
  freed=$(podman image prune -f 2>/dev/null | grep -c . || true)
  say "pruned $freed untagged images"
}
disk
prune

# -- base images -------------------------------------------------------------------------------
debian=localhost/clipstream-local/debian:bookworm
if ! podman image exists "$debian"; then
  # The mirror this machine's apt is configured with (its sources), for bookworm itself.
  mirror=$(apt-get indextargets --format '$(RELEASE) $(REPO_URI)' 'Created-By: Packages' | awk '$1 == "bookworm" {print $2; exit}')
  [ -n "$mirror" ] || { echo "deploy_check: apt's sources name no bookworm mirror (apt-get update first)" >&2; exit 1; }
  say "making $debian with debootstrap (minbase, from $mirror)"
  rootfs=$(mktemp -d)
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/dev/null
  tar -C "$rootfs" -c . | podman import -q - "$debian" >/dev/null
  rm -rf "$rootfs"
fi
node=localhost/clipstream-local/node:bookworm
build() {  # build IMAGE DOCKERFILE CONTEXT [ARGS...]
  local image=$1 file=$2 context=$3 t0 before after
  shift 3
  t0=$(date +%s)
  before=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
  # Host networking for apt in the builds: on podman's default network, DNS does not resolve in
  # this sandbox. pip and npm inside reach no index whatever the network (PIP_NO_INDEX, --offline).
  # Docker's image format, as `docker build` makes: the OCI format drops SHELL (pipefail). The
  # builds' own chatter (apt's debconf, Go naming each module it unpacks) stays out of the log.
  podman build -q --layers --format docker --network=host -f "$file" --build-arg "DEBIAN_IMAGE=$debian" "$@" \
    -t "$image" "$context" 2> >(grep -v -e '^debconf: ' -e '^go: downloading ' >&2) >/dev/null
  say "built $image in $(( $(date +%s) - t0 ))s ($(podman image inspect --format '{{.Size}}' "$image" | awk '{printf "%.2f GB", $1/1e9}'))"
  # The image this tag named before is dangling now: 3-4 GB a run for each of the app's and
  # Triton's images. Removed with the parents only it used; the layers the new image shares with it
  # stay, so the next build's cache is whole. In use by a container of a kept stack: left alone.
  after=$(podman image inspect --format '{{.Id}}' "$image")
  if [ -n "$before" ] && [ "$before" != "$after" ]; then
    podman rmi "$before" >/dev/null 2>&1 && say "removed the image $image named before (${before:0:12})" || true
  fi
}
build "$node" deploy/compose/local/node.Dockerfile deploy/compose/local

# -- the project's images, offline -------------------------------------------------------------
bash scripts/wheelhouse.sh >/dev/null
say "wheelhouse ready ($(du -sh deploy/prepared | cut -f1))"
build localhost/clipstream/app:dev deploy/images/app.Dockerfile . --build-arg "NODE_IMAGE=$node"
# Triton's build stage (the models' weights joined, checked and converted) under a tag of its own,
# as MinIO's below: untagged, the prune removed it and every build ran the weights' steps again
# (about 55 s, even with nothing changed).
build localhost/clipstream-local/triton-build:dev-cpu deploy/images/triton.Dockerfile . --build-arg CUDA=false --target build
build localhost/clipstream/triton:dev-cpu deploy/images/triton.Dockerfile . --build-arg CUDA=false
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
# MinIO from its Dockerfile, offline: Go from the toolchain setup.sh installed (the stand-in for
# golang:1.26-bookworm), the modules from the prepared proxy.
golang=localhost/clipstream-local/golang:bookworm
# Copied and built only when the toolchain's release or the Debian base changed: copying Go's
# 270 MB tree and hashing it took about 20 s a run for an image that came out the same.
go_version=$(PATH="$PATH:/usr/local/go/bin" go env GOVERSION)
stamp="$go_version $(podman image inspect --format '{{.Id}}' "$debian")"
if [ "$(podman image inspect --format '{{index .Labels "org.clipstream.go-version"}} {{index .Labels "org.clipstream.base"}}' "$golang" 2>/dev/null)" = "$stamp" ]; then
  say "kept $golang ($go_version)"
else
  mkdir -p "$stage/golang"
  cp -a "$(PATH="$PATH:/usr/local/go/bin" go env GOROOT)" "$stage/golang/go"
  build "$golang" deploy/compose/local/golang.Dockerfile "$stage/golang" --build-arg "GO_VERSION=$go_version" \
    --label "org.clipstream.base=${stamp#* }"
  rm -rf "$stage/golang"
fi
# The Go build stage under a tag of its own: the prune below keeps it, so MinIO compiles only when
# its pin changes.
build localhost/clipstream-local/minio-build:dev deploy/images/minio.Dockerfile . --build-arg "GO_IMAGE=$golang" --target build
build localhost/clipstream/minio:dev deploy/images/minio.Dockerfile . --build-arg "GO_IMAGE=$golang"

# -- the swapped services (deploy/compose/compose.local.yaml says which and why) -----------------
cache=${CLIPSTREAM_CACHE_DIR:-$HOME/.cache/clipstream}
mkdir -p "$stage/kafka" "$stage/postgres" "$stage/meilisearch"
kafka_version=$(.venv/bin/python -c "from streams.stack.kafka import pinned_version; print(pinned_version())")
cp -r "$cache/kafka-$kafka_version/libs" "$stage/kafka/libs"
cp deploy/local/kafka/log4j.properties deploy/compose/local/kafka-entrypoint.sh "$stage/kafka/"
cp deploy/compose/local/postgres-entrypoint.sh "$stage/postgres/"
meili=${CLIPSTREAM_MEILISEARCH_BIN:-$repo/../shared/tools/meilisearch/meilisearch}
[ -x "$meili" ] || { echo "deploy-check: no Meilisearch binary at $meili; set CLIPSTREAM_MEILISEARCH_BIN" >&2; exit 1; }
cp "$meili" "$stage/meilisearch/meilisearch"
build "localhost/clipstream-local/kafka:$kafka_version" deploy/compose/local/kafka.Dockerfile "$stage/kafka"
build localhost/clipstream-local/postgres:15 deploy/compose/local/postgres.Dockerfile "$stage/postgres"
build localhost/clipstream-local/meilisearch:dev deploy/compose/local/meilisearch.Dockerfile "$stage/meilisearch"
prune
disk
if [ "$images_only" = 1 ]; then
  say "images built in $(( $(date +%s) - started ))s"
  exit 0
fi

# -- the stack ---------------------------------------------------------------------------------
free_port() { .venv/bin/python -c "from streams.stack.process import free_port; print(free_port())"; }
secret() { .venv/bin/python -c "import secrets; print(secrets.token_urlsafe(24))"; }
api_port=$(free_port)
minio_port=$(free_port)
receiver_port=$(free_port)
env_file="$stage/.env"
cat > "$env_file" <<EOF
COMPOSE_PROFILES=cpu
APP_IMAGE=localhost/clipstream/app:dev
TRITON_CPU_IMAGE=localhost/clipstream/triton:dev-cpu
MINIO_IMAGE=localhost/clipstream/minio:dev
POSTGRES_PASSWORD=$(secret)
POSTGRES_APP_PASSWORD=$(secret)
MINIO_ROOT_USER=clipstream
MINIO_ROOT_PASSWORD=$(secret)
CLICKHOUSE_PASSWORD=$(secret)
MEILI_MASTER_KEY=$(secret)
CLIPSTREAM_URL_SIGNING_SECRET=$(secret)
CLIPSTREAM_KAFKA_PARTITIONS=2
CLIPSTREAM_WEBHOOK_ALLOWED_HOSTS=host.containers.internal
API_PUBLISH=127.0.0.1:$api_port
MINIO_PUBLISH=127.0.0.1:$minio_port
EOF
project=clipstream-check
stack=("${compose[@]}" --project-name "$project" --env-file "$env_file"
       -f deploy/compose/compose.yaml -f deploy/compose/compose.local.yaml)
purge() {  # every container, volume and network of the project, whatever state a run left them in
  local label="label=io.podman.compose.project=$project"
  podman ps -aq --filter "$label" | xargs -r podman rm -f -t 10 >/dev/null 2>&1 || true
  podman volume ls -q --filter "$label" | xargs -r podman volume rm -f >/dev/null 2>&1 || true
  podman network ls -q --filter "$label" | xargs -r podman network rm -f >/dev/null 2>&1 || true
}
down() {
  if [ "${CLIPSTREAM_DEPLOY_CHECK_KEEP:-}" = 1 ]; then
    say "leaving the stack up: ${stack[*]} down -v"
    return
  fi
  "${stack[@]}" down -v -t 20 >"$work/down.log" 2>&1 || true
  purge
  say "stack down, volumes removed"
}
trap 'down; rm -rf "$stage"' EXIT
purge  # what a killed run left
# --no-deps: podman 4.3 cannot start a container created with --requires on a chain of others
# ("generating dependency graph ... not found in input list"), so every service starts at once
# and the order comes from each app's `clipstream wait` alone, as it must wherever depends_on
# conditions are not honoured.
say "compose up (project $project)"
"${stack[@]}" up -d --no-deps >"$work/up.log" 2>&1 || { tail -30 "$work/up.log" >&2; exit 1; }

# -- the talk, through the containers ----------------------------------------------------------
video=()
[ -n "${CLIPSTREAM_DEPLOY_CHECK_VIDEO:-}" ] && video=(--video "$CLIPSTREAM_DEPLOY_CHECK_VIDEO")
status=0
.venv/bin/python -m tests.deploy.stack_check \
  --project "$project" --api "http://127.0.0.1:$api_port" --s3 "http://127.0.0.1:$minio_port" \
  --env-file "$env_file" --receiver-port "$receiver_port" "${video[@]}" || status=$?
# The compose file's health checks, run once by hand (podman without systemd never schedules them):
# each running service's own check must pass, as Docker would find it.
if [ "$status" -eq 0 ]; then
  unhealthy=()
  checked=0
  for container in $(podman ps --filter "label=io.podman.compose.project=$project" --format '{{.Names}}'); do
    checked=$((checked + 1))
    podman healthcheck run "$container" >/dev/null 2>&1 || unhealthy+=("$container")
  done
  if [ "${#unhealthy[@]}" -gt 0 ] || [ "$checked" -eq 0 ]; then
    say "health checks failed: ${unhealthy[*]:-no container running}"
    status=1
  else
    say "health checks: all $checked running services healthy"
  fi
fi
if [ "$status" -ne 0 ]; then
  for service in migrate api ingest transcribe moments render webhooks search triton-cpu; do
    echo "--- $service (last lines)" >&2
    podman logs --tail 15 "${project}_${service}_1" >&2 2>&1 || true
  done
fi
disk
say "$([ "$status" -eq 0 ] && echo passed || echo FAILED) in $(( $(date +%s) - started ))s"
exit "$status"
