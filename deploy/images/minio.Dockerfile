# syntax=docker/dockerfile:1
# MinIO built from source at the version the local stack pins (streams/stack/minio.py: MinIO's
# RELEASE tags are not Go versions, so the module proxy serves a pseudo-version), for the compose
# file's object storage. On Kubernetes use S3 or a MinIO you already run. Offline: the modules come
# from the Go module proxy that scripts/wheelhouse.sh prepares in deploy/prepared/goproxy.
#   bash scripts/wheelhouse.sh && docker build -f deploy/images/minio.Dockerfile -t clipstream/minio .

# Every base image is a build argument, so an offline build can name local ones.
ARG GO_IMAGE=golang:1.26-bookworm
ARG DEBIAN_IMAGE=debian:bookworm-slim

FROM ${GO_IMAGE} AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ARG MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
# sum.golang.org's hash of that module: with no checksum database reachable, the build checks the
# module itself against it, and every dependency against the module's own go.sum.
ARG MINIO_SUM=h1:/qdoYujxF5MBLDMVLeiYJ/7fBa1HikX39Dvzb9Ji8pA=
ENV CGO_ENABLED=0 GOBIN=/out GOPROXY=file:///goproxy GOSUMDB=off GOTOOLCHAIN=local GOFLAGS=-mod=readonly
# The build cache is a cache mount: a rebuild on the same machine compiles only what changed.
RUN --mount=type=bind,source=deploy/prepared/goproxy,target=/goproxy \
    --mount=type=cache,target=/root/.cache/go-build \
    sum=$(go mod download -json "github.com/minio/minio@${MINIO_VERSION}" | sed -n 's/^\t"Sum": "\(.*\)",$/\1/p') \
    && if [ "$sum" != "$MINIO_SUM" ]; then echo "minio@${MINIO_VERSION} hashes to '$sum', expected $MINIO_SUM" >&2; exit 1; fi \
    && go install -trimpath -ldflags "-s -w" "github.com/minio/minio@${MINIO_VERSION}"

FROM ${DEBIAN_IMAGE} AS runtime
# curl answers the health check (GET /minio/health/ready).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 minio \
    && useradd --uid 10001 --gid 10001 --home-dir /data --create-home --shell /usr/sbin/nologin minio
COPY --from=build /out/minio /usr/local/bin/minio
ENV MINIO_UPDATE=off MINIO_CALLHOME_ENABLE=off
USER 10001:10001
EXPOSE 9000 9001
VOLUME ["/data"]
ENTRYPOINT ["minio"]
CMD ["server", "/data", "--address", ":9000", "--console-address", ":9001"]
