#!/bin/sh
# Writes server.properties from KAFKA_<NAME> variables (KAFKA_LOG_DIRS -> log.dirs), formats the
# KRaft storage with CLUSTER_ID on the first start, then runs the broker in the foreground.
set -euf  # no globbing: the class path below is Java's wildcard, not the shell's
conf=/opt/kafka/config/server.properties
env | grep '^KAFKA_' | while IFS='=' read -r name value; do
  printf '%s=%s\n' "$(printf '%s' "${name#KAFKA_}" | tr 'A-Z_' 'a-z.')" "$value"
done > "$conf"
logs=$(sed -n 's/^log\.dirs=//p' "$conf")
: "${logs:?set KAFKA_LOG_DIRS}"
java="java -Dlog4j.configuration=file:/opt/kafka/config/log4j.properties -Dkafka.logs.dir=/tmp -cp /opt/kafka/libs/*"
if [ ! -f "$logs/meta.properties" ]; then
  $java -Xmx256m kafka.tools.StorageTool format --cluster-id="${CLUSTER_ID:?set CLUSTER_ID}" -c "$conf"
fi
exec $java -Xms256m -Xmx768m -XX:+UseG1GC -Djava.awt.headless=true kafka.Kafka "$conf"
