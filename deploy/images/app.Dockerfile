# syntax=docker/dockerfile:1
# The API and every agent group: one image, the role picked by the command and CLIPSTREAM_AGENTS.
#   bash scripts/wheelhouse.sh                                              (once per lock: the wheels
#                                                                            and npm cache it installs)
#   docker build -f deploy/images/app.Dockerfile -t clipstream/app .       (context: the repository root)
#   API:    python -m api                 (port 8080, GET /healthz, /metrics)
#   agents: python -m streams.worker      (CLIPSTREAM_AGENTS=ingest,... ; port 6066, GET /healthz, /metrics)
#   jobs:   clipstream migrate, clipstream wait
# The build reaches no package index: Python packages come from deploy/prepared/wheels (the exact
# files of deploy/python/requirements.lock, sha256-checked), the docs page's from deploy/prepared/npm.

# Every base image is a build argument, so an offline build can name local ones.
ARG DEBIAN_IMAGE=debian:bookworm-slim
ARG NODE_IMAGE=node:22-bookworm-slim

# -- the /docs page's Swagger UI files, pinned by the npm lock file, from the prepared cache ------
FROM ${NODE_IMAGE} AS docs
WORKDIR /docs
COPY api/docs_assets/package.json api/docs_assets/package-lock.json ./
RUN --mount=type=bind,source=deploy/prepared/npm,target=/npm-cache,rw \
    npm ci --offline --cache /npm-cache --ignore-scripts --no-audit --no-fund --loglevel=error

# -- runtime: the locked virtual environment, FFmpeg for the renders, fonts for every caption script -
# The venv is installed in place, not built in a stage and copied: a copy would store its 3 GB twice,
# and these first four steps are deploy/images/triton.Dockerfile's too, word for word, so one
# builder stores them once for both images. Debian's /usr/bin/python3.11, as on a developer's machine
# (and as Triton's backend stub needs).
FROM ${DEBIAN_IMAGE} AS runtime
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3.11 python3.11-venv \
    && rm -rf /var/lib/apt/lists/*
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INDEX=1 PIP_FIND_LINKS=/wheels
COPY deploy/python/requirements.lock /tmp/requirements.lock
RUN --mount=type=bind,source=deploy/prepared/wheels,target=/wheels \
    /usr/bin/python3.11 -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-deps --require-hashes -r /tmp/requirements.lock
# The caption fonts are streams.media.captions.SCRIPT_FONTS': Latin, then Arabic, Hebrew, Devanagari,
# Thai... (Noto core), then Chinese, Japanese, Korean (Noto CJK).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg fonts-dejavu-core fonts-noto-core fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 clipstream \
    && useradd --uid 10001 --gid 10001 --home-dir /var/lib/clipstream --create-home --shell /usr/sbin/nologin clipstream
WORKDIR /app
COPY pyproject.toml README.md ./
COPY streams ./streams
COPY api ./api
COPY schemas ./schemas
# The labelled talks the editorial head is trained on, at build time as at setup (no network).
COPY bench/highlights ./bench/highlights
RUN /opt/venv/bin/pip install --no-deps --no-build-isolation -e . \
    && /opt/venv/bin/python -m compileall -q streams api \
    && /opt/venv/bin/python -m streams.moments.train_head
COPY --from=docs /docs/node_modules /app/api/docs_assets/node_modules
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    CLIPSTREAM_DATA_DIR=/var/lib/clipstream \
    CLIPSTREAM_API_HOST=0.0.0.0 \
    CLIPSTREAM_API_PORT=8080 \
    CLIPSTREAM_WORKER_HOST=0.0.0.0 \
    CLIPSTREAM_WORKER_PORT=6066 \
    CLIPSTREAM_LOG_FORMAT=json
USER 10001:10001
EXPOSE 8080 6066
CMD ["python", "-m", "api"]
