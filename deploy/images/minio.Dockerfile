# syntax=docker/dockerfile:1
# MinIO built from source through the Go module proxy, at the version the local stack pins
# (streams/stack/minio.py: MinIO's RELEASE tags are not Go versions, so the proxy serves a
# pseudo-version), for the compose file's object storage. On Kubernetes use S3 or a MinIO you
# already run.
#   docker build -f deploy/images/minio.Dockerfile -t clipstream/minio .

# Every base image is a build argument, so an offline build can name local ones.
ARG GO_IMAGE=golang:1.26-bookworm
ARG DEBIAN_IMAGE=debian:bookworm-slim

FROM ${GO_IMAGE} AS build
ARG MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
ENV CGO_ENABLED=0 GOBIN=/out
RUN go install -trimpath -ldflags "-s -w" "github.com/minio/minio@${MINIO_VERSION}"

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
