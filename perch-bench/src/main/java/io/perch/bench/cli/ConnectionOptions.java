package io.perch.bench.cli;

import io.perch.bench.client.ClientSettings;
import picocli.CommandLine.Option;

/** Where and how every client connects; shared by all subcommands. */
public final class ConnectionOptions {
    @Option(names = {"-h", "--host"}, defaultValue = "localhost", description = "Broker host (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = {"-p", "--port"}, defaultValue = "1883", description = "Broker port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = {"-V", "--mqtt-version"}, defaultValue = "4",
            description = "4 = MQTT 3.1.1, 5 = MQTT 5 (default: ${DEFAULT-VALUE}).")
    int version;

    @Option(names = "--ws", description = "MQTT over WebSocket (subprotocol mqtt).")
    boolean ws;

    @Option(names = "--ws-path", defaultValue = "/mqtt", description = "WebSocket path (default: ${DEFAULT-VALUE}).")
    String wsPath;

    @Option(names = "--tls", description = "TLS, trusting any certificate (self-signed test brokers).")
    boolean tls;

    @Option(names = "--clean", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Clean session / clean start (default: ${DEFAULT-VALUE}; --no-clean keeps sessions).")
    boolean clean;

    @Option(names = {"-x", "--session-expiry"}, defaultValue = "-1",
            description = "MQTT 5 Session Expiry Interval, seconds; -1 leaves it out (default).")
    long sessionExpiry;

    @Option(names = {"-u", "--username"}, description = "Username.")
    String username;

    @Option(names = "--password", description = "Password.")
    String password;

    @Option(names = {"-k", "--keepalive"}, defaultValue = "300", description = "Keep alive, seconds (default: ${DEFAULT-VALUE}).")
    int keepAlive;

    @Option(names = "--prefix", description = "Client id prefix; ids are <prefix>-<pub|sub|conn>-<index> "
            + "(default: perch-bench-<pid>).")
    String prefix;

    @Option(names = {"-i", "--interval"}, defaultValue = "10",
            description = "Milliseconds between connection starts; 0 = as fast as --max-connecting allows "
                    + "(default: ${DEFAULT-VALUE}).")
    double intervalMs;

    @Option(names = "--conn-rate", description = "Connections started per second (overrides --interval).")
    Double connRate;

    @Option(names = "--max-connecting", defaultValue = "200",
            description = "Connections awaiting CONNACK at once, at most (default: ${DEFAULT-VALUE}).")
    int maxConnecting;

    @Option(names = "--threads", description = "Event loop threads (default: one per core).")
    Integer threads;

    ClientSettings settings() {
        ClientSettings s = ClientSettings.plain(host, port)
                .withVersion(version)
                .withWebSocket(ws)
                .withTls(tls)
                .withSession(clean, sessionExpiry)
                .withCredentials(username, password);
        s = new ClientSettings(s.host(), s.port(), s.mqttVersion(), s.webSocket(), wsPath, s.tls(), s.cleanStart(),
                s.sessionExpiry(), s.username(), s.password(), keepAlive, s.clientIdPrefix());
        return prefix == null ? s : s.withClientIdPrefix(prefix);
    }

    long connectIntervalNanos() {
        if (connRate != null && connRate > 0) {
            return (long) (1e9 / connRate);
        }
        return (long) (intervalMs * 1e6);
    }
}
