# Stand-in for apache/kafka:3.9.2 where no registry is reachable (scripts/deploy_check.sh): the same
# Kafka release, from the jars `clipstream stack install` fetched from Maven Central (pinned by
# deploy/local/kafka/pom.xml), on the local Debian base with Debian's JRE 17. It takes the official
# image's settings: CLUSTER_ID, and KAFKA_<NAME> for each server property <name> (dots as
# underscores), and has the script the compose file's health check runs.
# Context: a folder with libs/ (the jars), log4j.properties and kafka-entrypoint.sh.
ARG DEBIAN_IMAGE=debian:bookworm-slim
FROM ${DEBIAN_IMAGE}
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 1000 appuser \
    && useradd --uid 1000 --gid 1000 --home-dir /var/lib/kafka --create-home --shell /usr/sbin/nologin appuser \
    && mkdir -p /var/lib/kafka/data /opt/kafka/config /opt/kafka/bin \
    && chown -R appuser:appuser /var/lib/kafka /opt/kafka/config
COPY libs /opt/kafka/libs
COPY log4j.properties /opt/kafka/config/log4j.properties
COPY kafka-entrypoint.sh /opt/kafka/bin/kafka-entrypoint.sh
RUN printf '#!/bin/sh\nexec java -Xmx128m -Dlog4j.configuration=file:/opt/kafka/config/log4j.properties -cp "/opt/kafka/libs/*" kafka.admin.BrokerApiVersionsCommand "$@"\n' \
        > /opt/kafka/bin/kafka-broker-api-versions.sh \
    && chmod 755 /opt/kafka/bin/*.sh
USER 1000:1000
EXPOSE 9092 9093
ENTRYPOINT ["/opt/kafka/bin/kafka-entrypoint.sh"]
