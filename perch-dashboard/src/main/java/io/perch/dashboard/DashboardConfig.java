package io.perch.dashboard;

import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.ConfigException;

import java.util.List;

/**
 * The {@code dashboard.*} keys, validated. Defaults match EMQ X 4 (port 18083, admin/public)
 * so the walkthroughs users follow keep working.
 *
 * @param host         bind address; "0.0.0.0" unless {@code dashboard.listener.http} names one
 * @param port         0 picks a free port (tests)
 * @param metricsAuth  whether {@code /metrics} asks for Basic auth like the API does
 */
public record DashboardConfig(boolean enabled, String host, int port, String login, String password,
                              boolean metricsAuth) {
    public static final String DEFAULT_LOGIN = "admin";
    public static final String DEFAULT_PASSWORD = "public";

    public static DashboardConfig defaults() {
        return new DashboardConfig(true, "0.0.0.0", 18083, DEFAULT_LOGIN, DEFAULT_PASSWORD, false);
    }

    public boolean defaultPassword() {
        return DEFAULT_PASSWORD.equals(password);
    }

    /** Applies entries in file order; a later entry for the same key wins, as in the config loader. */
    public static DashboardConfig parse(List<ConfigEntry> entries) {
        DashboardConfig c = defaults();
        for (ConfigEntry e : entries) {
            String v = e.value() == null ? "" : e.value().trim();
            switch (e.key()) {
                case "dashboard.enable" -> c = new DashboardConfig(onOff(e, v), c.host, c.port, c.login, c.password, c.metricsAuth);
                case "dashboard.listener.http" -> {
                    int colon = v.lastIndexOf(':');
                    String host = colon < 0 ? c.host : v.substring(0, colon);
                    int port = port(e, colon < 0 ? v : v.substring(colon + 1));
                    if (host.isEmpty()) {
                        throw new ConfigException(e, "expected a port (18083) or host:port (127.0.0.1:18083)");
                    }
                    c = new DashboardConfig(c.enabled, host, port, c.login, c.password, c.metricsAuth);
                }
                case "dashboard.default_user.login" -> {
                    if (v.isEmpty()) {
                        throw new ConfigException(e, "the login must not be empty");
                    }
                    c = new DashboardConfig(c.enabled, c.host, c.port, v, c.password, c.metricsAuth);
                }
                case "dashboard.default_user.password" -> {
                    if (v.isEmpty()) {
                        throw new ConfigException(e, "the password must not be empty");
                    }
                    c = new DashboardConfig(c.enabled, c.host, c.port, c.login, v, c.metricsAuth);
                }
                case "dashboard.metrics_auth" -> c = new DashboardConfig(c.enabled, c.host, c.port, c.login, c.password, onOff(e, v));
                default -> throw new ConfigException(e, "unknown dashboard key; known keys: dashboard.enable, "
                        + "dashboard.listener.http, dashboard.default_user.login, dashboard.default_user.password, "
                        + "dashboard.metrics_auth");
            }
        }
        return c;
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
        throw new ConfigException(e, "expected a port 0-65535 (0 = any free port), or host:port");
    }

    /** Passwords never reach logs: ConfigException includes the value, so mask it there too. */
    @Override
    public String toString() {
        return "DashboardConfig[" + host + ":" + port + ", login=" + login + ", metricsAuth=" + metricsAuth + "]";
    }
}
