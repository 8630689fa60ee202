package io.perch.broker.plugin;

/**
 * A config error that stops start-up. The message names the file, the line, the key, what is
 * wrong and the fix, e.g. {@code etc/perch.conf:12: mqtt.max_qos_allowed = 3: expected 0, 1 or 2}.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(ConfigEntry entry, String problem) {
        super(entry.where() + ": " + entry.key() + " = " + entry.value() + ": " + problem);
    }

    public ConfigException(String message) {
        super(message);
    }
}
