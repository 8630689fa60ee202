package io.perch.server.config;

import io.perch.broker.plugin.ConfigDurations;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.ConfigException;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed readings of config values in EMQ X 4's notation. Each method throws a
 * {@link ConfigException} naming the file, line, key and value and what was expected.
 * Public so plugins may read their own keys the same way.
 */
public final class ConfigValues {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmg]?b)?", Pattern.CASE_INSENSITIVE);

    private ConfigValues() {
    }

    /** {@code true}, {@code false}, {@code on} or {@code off}. */
    public static boolean bool(ConfigEntry e) {
        switch (e.value().toLowerCase(Locale.ROOT)) {
            case "true", "on":
                return true;
            case "false", "off":
                return false;
            default:
                throw new ConfigException(e, "expected true, false, on or off");
        }
    }

    /** A whole number from {@code min} to {@code max}. */
    public static int integer(ConfigEntry e, int min, int max) {
        long v;
        try {
            v = Long.parseLong(e.value());
        } catch (NumberFormatException ex) {
            throw new ConfigException(e, "expected a whole number from " + min + " to " + max);
        }
        if (v < min || v > max) {
            throw new ConfigException(e, "expected a whole number from " + min + " to " + max);
        }
        return (int) v;
    }

    /** A decimal number greater than {@code exclusiveMin}. */
    public static double decimal(ConfigEntry e, double exclusiveMin) {
        double v;
        try {
            v = Double.parseDouble(e.value());
        } catch (NumberFormatException ex) {
            v = Double.NaN;
        }
        if (Double.isNaN(v) || Double.isInfinite(v) || v <= exclusiveMin) {
            throw new ConfigException(e, "expected a number greater than " + exclusiveMin);
        }
        return v;
    }

    /** Bytes: {@code 1MB}, {@code 64KB}, {@code 1GB} (powers of 1024) or a plain byte count, at most {@code max}. */
    public static long size(ConfigEntry e, long max) {
        Matcher m = SIZE.matcher(e.value());
        String expected = "expected a size like 1MB, 64KB or a number of bytes, at most " + max + " bytes";
        if (!m.matches()) {
            throw new ConfigException(e, expected);
        }
        long bytes;
        try {
            bytes = Long.parseLong(m.group(1));
        } catch (NumberFormatException ex) {
            throw new ConfigException(e, expected);
        }
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        int shift = switch (unit) {
            case "kb" -> 10;
            case "mb" -> 20;
            case "gb" -> 30;
            default -> 0;
        };
        if (bytes > (max >> shift)) {
            throw new ConfigException(e, expected);
        }
        return bytes << shift;
    }

    /** A duration, spelled as every key spells one ({@link ConfigDurations}). */
    public static Duration duration(ConfigEntry e) {
        return ConfigDurations.parse(e);
    }

    /** A duration in whole seconds from 0 to {@code maxSeconds}. */
    public static int seconds(ConfigEntry e, int maxSeconds) {
        Duration d = duration(e);
        if (d.toMillis() % 1000 != 0 || d.getSeconds() > maxSeconds) {
            throw new ConfigException(e, "expected a whole number of seconds from 0 to " + maxSeconds
                    + " (e.g. 60 or 1m)");
        }
        return (int) d.getSeconds();
    }

    /** One of the given words (case-sensitive, as EMQ X). */
    public static String choice(ConfigEntry e, String... options) {
        for (String o : options) {
            if (o.equals(e.value())) {
                return o;
            }
        }
        throw new ConfigException(e, "expected " + either(options));
    }

    /** A non-empty value. */
    public static String text(ConfigEntry e) {
        if (e.value().isEmpty()) {
            throw new ConfigException(e, "expected a value");
        }
        return e.value();
    }

    static String either(String... options) {
        if (options.length == 1) {
            return options[0];
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < options.length; i++) {
            if (i > 0) {
                sb.append(i == options.length - 1 ? " or " : ", ");
            }
            sb.append(options[i]);
        }
        return sb.toString();
    }
}
