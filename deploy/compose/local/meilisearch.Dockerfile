# Stand-in for getmeili/meilisearch where no registry is reachable (scripts/deploy_check.sh): the
# Meilisearch binary the tests use (../shared/tools/meilisearch, or CLIPSTREAM_MEILISEARCH_BIN) on
# the local Debian base, with the official image's data folder and MEILI_* settings.
# Context: a folder with the meilisearch binary.
ARG DEBIAN_IMAGE=debian:bookworm-slim
FROM ${DEBIAN_IMAGE}
# curl answers the compose file's health check (GET /health).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 meili \
    && useradd --uid 10001 --gid 10001 --home-dir /meili_data --create-home --shell /usr/sbin/nologin meili
COPY meilisearch /usr/local/bin/meilisearch
ENV MEILI_HTTP_ADDR=0.0.0.0:7700 MEILI_DB_PATH=/meili_data/data.ms
WORKDIR /meili_data
USER 10001:10001
EXPOSE 7700
ENTRYPOINT ["meilisearch"]
