package io.perch.broker.plugin;

/**
 * One {@code key = value} line of a config file, with where it came from so that errors can
 * name the file and line. {@code file} is "--set" (line 0) for command-line overrides.
 */
public record ConfigEntry(String key, String value, String file, int line) {
    public String where() {
        return line > 0 ? file + ":" + line : file;
    }

    @Override
    public String toString() {
        return where() + ": " + key;
    }
}
