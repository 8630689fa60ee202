package io.perch.server.config;

import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.ConfigException;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What the server process itself reads from the config: {@code log.level}, {@code log.dir},
 * {@code log.format} and {@code data.dir}. Directories are absolute, resolved against the Perch home.
 *
 * @param logLevel  error, warn, info, debug or trace (logback's names)
 * @param logFormat text (a line per event) or json (a JSON object per line)
 */
public record ServerSettings(String logLevel, Path logDir, Path dataDir, String logFormat) {
    static final Set<String> KEYS = Set.of("log.level", "log.dir", "log.format", "data.dir");

    public ServerSettings(String logLevel, Path logDir, Path dataDir) {
        this(logLevel, logDir, dataDir, "text");
    }

    static ServerSettings bind(List<ConfigEntry> entries, Path home) {
        String level = "info";
        Path logDir = home.resolve("log");
        Path dataDir = home.resolve("data");
        String format = "text";
        for (ConfigEntry e : entries) {
            switch (e.key()) {
                case "log.level" -> level = level(e);
                case "log.dir" -> logDir = home.resolve(ConfigValues.text(e));
                case "data.dir" -> dataDir = home.resolve(ConfigValues.text(e));
                case "log.format" -> format = switch (e.value().trim().toLowerCase(Locale.ROOT)) {
                    case "text" -> "text";
                    case "json" -> "json";
                    default -> throw new ConfigException(e, "expected text or json");
                };
                default -> throw new IllegalStateException("unrouted server key " + e.key());
            }
        }
        return new ServerSettings(level, logDir.normalize(), dataDir.normalize(), format);
    }

    // EMQ X users write "warning"; logback calls it "warn".
    private static String level(ConfigEntry e) {
        String v = e.value().toLowerCase(Locale.ROOT);
        if (v.equals("warning")) {
            return "warn";
        }
        return switch (v) {
            case "error", "warn", "info", "debug", "trace" -> v;
            default -> throw new ConfigException(e, "expected error, warn, info, debug or trace");
        };
    }
}
