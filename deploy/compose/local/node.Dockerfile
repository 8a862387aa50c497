# Stand-in for node:22-bookworm-slim where no registry is reachable: Debian's Node.js and npm on
# the local Debian base (scripts/deploy_check.sh). Only the app image's docs stage uses it, for an
# offline `npm ci` of a lock file npm 9 reads.
ARG DEBIAN_IMAGE=debian:bookworm-slim
FROM ${DEBIAN_IMAGE}
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
