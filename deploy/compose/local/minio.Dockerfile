# Stand-in for deploy/images/minio.Dockerfile's source build where a MinIO compile in the build
# would not fit the check's time (scripts/deploy_check.sh): the binary `clipstream stack install`
# built from the same pinned module version (streams/stack/minio.py), on the same runtime as that
# file's final stage. Context: a folder with the minio binary.
ARG DEBIAN_IMAGE=debian:bookworm-slim
FROM ${DEBIAN_IMAGE}
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 minio \
    && useradd --uid 10001 --gid 10001 --home-dir /data --create-home --shell /usr/sbin/nologin minio
COPY minio /usr/local/bin/minio
ENV MINIO_UPDATE=off MINIO_CALLHOME_ENABLE=off
USER 10001:10001
EXPOSE 9000 9001
VOLUME ["/data"]
ENTRYPOINT ["minio"]
CMD ["server", "/data", "--address", ":9000", "--console-address", ":9001"]
