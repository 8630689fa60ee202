# Perch MQTT broker. Build: docker build -t perch .   Run: docker compose up (see docker-compose.yml)
#
# Stage 1 builds the release archive with Maven (the same `mvn package` a user runs) and unpacks it.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests package \
 && mkdir -p /dist \
 && tar -xzf perch-dist/target/perch-*.tar.gz -C /dist --strip-components=1

# Stage 2: a Java 17 runtime, the unpacked archive in /opt/perch, run as the non-root user perch.
FROM eclipse-temurin:17-jre
RUN groupadd --system perch \
 && useradd --system --gid perch --home-dir /opt/perch --no-create-home --shell /usr/sbin/nologin perch
COPY --from=build /dist /opt/perch
# data/ and log/ are created by Perch at start too; made here so the volumes belong to perch.
RUN mkdir -p /opt/perch/data /opt/perch/log \
 && chown -R perch:perch /opt/perch/etc /opt/perch/data /opt/perch/log
USER perch
WORKDIR /opt/perch
VOLUME ["/opt/perch/etc", "/opt/perch/data", "/opt/perch/log"]
# MQTT/TCP, MQTT/TLS, MQTT/WebSocket, MQTT/secure WebSocket, dashboard and HTTP API.
EXPOSE 1883 8883 8083 8084 18083
# GET /status on the dashboard's listener answers 200 while the node is up (bash /dev/tcp, no curl needed).
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["/opt/perch/deploy/healthcheck.sh"]
# Runs `bin/perch start` in the foreground with exec, so Java is the main process and gets SIGTERM.
# PERCH_CONF_<KEY>=value sets a config key (e.g. PERCH_CONF_BACKEND__REDIS__POOL1__SERVER=redis:6379).
ENTRYPOINT ["/opt/perch/deploy/docker-entrypoint.sh"]
