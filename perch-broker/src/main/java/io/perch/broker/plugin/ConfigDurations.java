package io.perch.broker.plugin;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one way a configuration line spells a duration, for the server's keys and plugins' alike:
 * {@code 500ms}, {@code 15s}, {@code 1m}, {@code 2h}, {@code 1d}, {@code 1w}, combinations such
 * as {@code 1h30m}, or a plain number of seconds.
 */
public final class ConfigDurations {
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d|w)");

    private ConfigDurations() {
    }

    public static Duration parse(ConfigEntry e) {
        String v = e.value() == null ? "" : e.value().trim().toLowerCase(Locale.ROOT);
        String expected = "expected a duration like 15s, 500ms, 1m, 2h, 1d or a number of seconds";
        try {
            if (!v.isEmpty() && v.chars().allMatch(Character::isDigit)) {
                return Duration.ofSeconds(Long.parseLong(v));
            }
            Matcher m = PART.matcher(v);
            Duration total = Duration.ZERO;
            int pos = 0;
            while (pos < v.length() && m.region(pos, v.length()).lookingAt()) {
                long n = Long.parseLong(m.group(1));
                total = total.plus(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    case "d" -> Duration.ofDays(n);
                    default -> Duration.ofDays(Math.multiplyExact(n, 7));
                });
                pos = m.end();
            }
            if (pos == 0 || pos != v.length()) {
                throw new ConfigException(e, expected);
            }
            return total;
        } catch (NumberFormatException | ArithmeticException ex) {
            throw new ConfigException(e, expected);
        }
    }
}
