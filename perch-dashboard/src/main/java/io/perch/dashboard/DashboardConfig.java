package io.perch.dashboard;

import io.perch.auth.file.MosquittoHash;
import io.perch.broker.plugin.ConfigDurations;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.ConfigException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * The {@code dashboard.*} keys, validated. Defaults match EMQ X 4 (port 18083, admin/public)
 * so the walkthroughs users follow keep working.
 *
 * <p>The configured password is hashed while parsing ({@code $7$}, as {@code mosquitto_passwd}
 * writes them): this record, and so the running plugin, never holds it in plain text.
 *
 * @param host            bind address of the HTTP listener; "0.0.0.0" unless {@code dashboard.listener.http} names one
 * @param port            HTTP port; 0 picks a free port (tests); -1 when {@code dashboard.listener.http = off}
 * @param httpsHost       bind address of the HTTPS listener
 * @param httpsPort       HTTPS port; -1 (the default) when there is no HTTPS listener
 * @param https           the {@code dashboard.listener.https} line (null when not set)
 * @param certFile        the {@code dashboard.listener.https.certfile} line, resolved against the home dir at start
 * @param keyFile         the {@code dashboard.listener.https.keyfile} line
 * @param passwordHash    {@code $7$} hash of the configured password
 * @param passwordWhere   {@code file:line} of the entry that set the password, or a phrase for the built-in default
 * @param defaultPassword whether the configured password is "public"
 * @param metricsAuth     whether {@code /metrics} asks for Basic auth like the API does
 * @param tokenTtl        how long a token from {@code POST /api/v4/auth} is valid
 * @param historyInterval how often the metrics history ({@code GET /api/v4/metrics/history}) takes a sample
 * @param alarmInterval   how often the alarm conditions ({@code GET /api/v4/alarms}) are checked
 * @param heapHighWatermark share of the maximum heap above which {@code jvm_heap_high/node} is raised (0.9)
 * @param heapLowWatermark  share below which it is cleared (0.8); always below the high one
 */
public record DashboardConfig(boolean enabled, String host, int port, String httpsHost, int httpsPort,
                              ConfigEntry https, ConfigEntry certFile, ConfigEntry keyFile,
                              String login, String passwordHash, String passwordWhere, boolean defaultPassword,
                              boolean metricsAuth, Duration tokenTtl, Duration historyInterval,
                              Duration alarmInterval, double heapHighWatermark, double heapLowWatermark) {
    public static final String DEFAULT_LOGIN = "admin";
    public static final String DEFAULT_PASSWORD = "public";
    public static final Duration DEFAULT_TOKEN_TTL = Duration.ofHours(12);
    public static final Duration DEFAULT_HISTORY_INTERVAL = Duration.ofSeconds(5);
    public static final Duration DEFAULT_ALARM_INTERVAL = Duration.ofSeconds(5);
    public static final double DEFAULT_HEAP_HIGH = 0.9;
    public static final double DEFAULT_HEAP_LOW = 0.8;
    static final String BUILT_IN = "the built-in default (dashboard.default_user.password is not set)";
    static final List<String> KEYS = List.of("dashboard.enable", "dashboard.listener.http", "dashboard.listener.https",
            "dashboard.listener.https.certfile", "dashboard.listener.https.keyfile", "dashboard.default_user.login",
            "dashboard.default_user.password", "dashboard.metrics_auth", "dashboard.token_ttl",
            "dashboard.history_interval", "dashboard.alarms.check_interval", "dashboard.alarms.heap_high_watermark",
            "dashboard.alarms.heap_low_watermark");

    public static DashboardConfig defaults() {
        return parse(List.of());
    }

    public boolean httpEnabled() {
        return port >= 0;
    }

    public boolean httpsEnabled() {
        return httpsPort >= 0;
    }

    /** Applies entries in file order; a later entry for the same key wins, as in the config loader. */
    public static DashboardConfig parse(List<ConfigEntry> entries) {
        boolean enabled = true;
        String host = "0.0.0.0";
        int port = 18083;
        ConfigEntry http = null;
        String httpsHost = "0.0.0.0";
        int httpsPort = -1;
        ConfigEntry https = null;
        ConfigEntry certFile = null;
        ConfigEntry keyFile = null;
        String login = DEFAULT_LOGIN;
        ConfigEntry password = null;
        boolean metricsAuth = false;
        Duration tokenTtl = DEFAULT_TOKEN_TTL;
        Duration historyInterval = DEFAULT_HISTORY_INTERVAL;
        Duration alarmInterval = DEFAULT_ALARM_INTERVAL;
        double heapHigh = DEFAULT_HEAP_HIGH;
        double heapLow = DEFAULT_HEAP_LOW;
        ConfigEntry heapHighEntry = null;
        ConfigEntry heapLowEntry = null;
        for (ConfigEntry e : entries) {
            String v = e.value() == null ? "" : e.value().trim();
            switch (e.key()) {
                case "dashboard.enable" -> enabled = onOff(e, v);
                case "dashboard.listener.http" -> {
                    http = e;
                    if (v.equals("off")) {
                        port = -1;
                    } else {
                        int colon = v.lastIndexOf(':');
                        host = colon < 0 ? "0.0.0.0" : host(e, v.substring(0, colon));
                        port = port(e, colon < 0 ? v : v.substring(colon + 1));
                    }
                }
                case "dashboard.listener.https" -> {
                    https = e;
                    if (v.equals("off")) {
                        httpsPort = -1;
                    } else {
                        int colon = v.lastIndexOf(':');
                        httpsHost = colon < 0 ? "0.0.0.0" : host(e, v.substring(0, colon));
                        httpsPort = port(e, colon < 0 ? v : v.substring(colon + 1));
                    }
                }
                case "dashboard.listener.https.certfile" -> certFile = file(e, v);
                case "dashboard.listener.https.keyfile" -> keyFile = file(e, v);
                case "dashboard.default_user.login" -> {
                    if (v.isEmpty() || v.contains(":")) {
                        throw new ConfigException(e, "the login must not be empty or contain ':'");
                    }
                    login = v;
                }
                case "dashboard.default_user.password" -> {
                    if (v.isEmpty()) {
                        throw new ConfigException(masked(e), "the password must not be empty");
                    }
                    password = e;
                }
                case "dashboard.metrics_auth" -> metricsAuth = onOff(e, v);
                case "dashboard.token_ttl" -> {
                    tokenTtl = ConfigDurations.parse(e);
                    if (tokenTtl.isZero() || tokenTtl.isNegative()) {
                        throw new ConfigException(e, "a token must live longer than 0s (e.g. 12h)");
                    }
                }
                case "dashboard.history_interval" -> {
                    historyInterval = ConfigDurations.parse(e);
                    if (historyInterval.toMillis() < 1) {
                        throw new ConfigException(e, "the history needs an interval of at least 1ms (e.g. 5s)");
                    }
                }
                case "dashboard.alarms.check_interval" -> {
                    alarmInterval = ConfigDurations.parse(e);
                    if (alarmInterval.toMillis() < 1) {
                        throw new ConfigException(e, "alarms need a check interval of at least 1ms (e.g. 5s)");
                    }
                }
                case "dashboard.alarms.heap_high_watermark" -> {
                    heapHigh = share(e, v);
                    if (heapHigh == 0) {
                        throw new ConfigException(e, "the high watermark must be above 0% (e.g. 90%)");
                    }
                    heapHighEntry = e;
                }
                case "dashboard.alarms.heap_low_watermark" -> {
                    heapLow = share(e, v);
                    heapLowEntry = e;
                }
                // A misspelt password key (password, pasword, passwd, pwd, secret) must not print its value either.
                default -> throw new ConfigException(e.key().matches(".*(pas|pwd|secret).*") ? masked(e) : e,
                        "unknown dashboard key; known keys: " + String.join(", ", KEYS));
            }
        }
        if (httpsPort >= 0 && (certFile == null || keyFile == null)) {
            throw new ConfigException(https, "HTTPS needs dashboard.listener.https.certfile and "
                    + "dashboard.listener.https.keyfile (PEM files); set both, or dashboard.listener.https = off");
        }
        if (enabled && port < 0 && httpsPort < 0) {
            throw new ConfigException(http, "with dashboard.listener.http = off and no dashboard.listener.https the "
                    + "dashboard has no listener; set dashboard.enable = off to run without it");
        }
        if (heapLow >= heapHigh) {
            // Named on whichever line was set (the low one when both were); the other is its default.
            ConfigEntry at = heapLowEntry != null ? heapLowEntry : heapHighEntry;
            throw new ConfigException(at, "dashboard.alarms.heap_low_watermark (" + percent(heapLow)
                    + ") must be below dashboard.alarms.heap_high_watermark (" + percent(heapHigh)
                    + "), or the heap alarm could never clear; e.g. 90% and 80%");
        }
        String pw = password == null ? DEFAULT_PASSWORD : password.value().trim();
        String hash = MosquittoHash.hash7(pw.getBytes(StandardCharsets.UTF_8), MosquittoHash.DEFAULT_ITERATIONS);
        return new DashboardConfig(enabled, host, port, httpsHost, httpsPort, https, certFile, keyFile, login, hash,
                password == null ? BUILT_IN : password.where(), DEFAULT_PASSWORD.equals(pw), metricsAuth, tokenTtl,
                historyInterval, alarmInterval, heapHigh, heapLow);
    }

    /** ConfigException prints the value; a password line's value is replaced first. */
    private static ConfigEntry masked(ConfigEntry e) {
        return new ConfigEntry(e.key(), "<hidden>", e.file(), e.line());
    }

    /** A share of the heap written as a percentage, {@code 0%} to {@code 100%} ({@code 87.5%} too). */
    private static double share(ConfigEntry e, String v) {
        if (v.matches("\\d{1,3}(\\.\\d+)?%")) {
            double p = Double.parseDouble(v.substring(0, v.length() - 1));
            if (p <= 100) {
                return p / 100;
            }
        }
        throw new ConfigException(e, "expected a percentage of the maximum heap from 0% to 100% (e.g. 90%)");
    }

    private static String percent(double share) {
        return Math.round(share * 1000) / 10.0 + "%";
    }

    private static ConfigEntry file(ConfigEntry e, String v) {
        if (v.isEmpty()) {
            throw new ConfigException(e, "expected the path of a PEM file");
        }
        return e;
    }

    private static String host(ConfigEntry e, String host) {
        if (host.isEmpty()) {
            throw new ConfigException(e, "expected a port (18083), host:port (127.0.0.1:18083) or off");
        }
        return host;
    }

    private static boolean onOff(ConfigEntry e, String v) {
        return switch (v) {
            case "on", "true" -> true;
            case "off", "false" -> false;
            default -> throw new ConfigException(e, "expected on or off");
        };
    }

    private static int port(ConfigEntry e, String v) {
        try {
            int p = Integer.parseInt(v);
            if (p >= 0 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException ignored) {
            // falls through to the error below
        }
        throw new ConfigException(e, "expected a port 0-65535 (0 = any free port), host:port, or off");
    }

    /** Neither the password nor its hash reaches logs. */
    @Override
    public String toString() {
        return "DashboardConfig[http=" + (httpEnabled() ? host + ":" + port : "off")
                + ", https=" + (httpsEnabled() ? httpsHost + ":" + httpsPort : "off")
                + ", login=" + login + ", metricsAuth=" + metricsAuth + ", tokenTtl=" + tokenTtl + ", historyInterval=" + historyInterval + ", alarmInterval=" + alarmInterval
                + ", heapWatermarks=" + percent(heapHighWatermark) + "/" + percent(heapLowWatermark) + "]";
    }
}
