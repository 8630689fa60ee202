package io.perch.server.config;

import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.ConfigException;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What the server process itself reads from the config: {@code log.level}, {@code log.dir}
 * and {@code data.dir}. Directories are absolute, resolved against the Perch home.
 *
 * @param logLevel error, warn, info, debug or trace (logback's names)
 */
public record ServerSettings(String logLevel, Path logDir, Path dataDir) {
    static final Set<String> KEYS = Set.of("log.level", "log.dir", "data.dir");

    static ServerSettings bind(List<ConfigEntry> entries, Path home) {
        String level = "info";
        Path logDir = home.resolve("log");
        Path dataDir = home.resolve("data");
        for (ConfigEntry e : entries) {
            switch (e.key()) {
                case "log.level" -> level = level(e);
                case "log.dir" -> logDir = home.resolve(ConfigValues.text(e));
                case "data.dir" -> dataDir = home.resolve(ConfigValues.text(e));
                default -> throw new IllegalStateException("unrouted server key " + e.key());
            }
        }
        return new ServerSettings(level, logDir.normalize(), dataDir.normalize());
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
