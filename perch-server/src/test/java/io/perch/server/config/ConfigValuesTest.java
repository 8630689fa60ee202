package io.perch.server.config;

import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigValuesTest {
    private static ConfigEntry e(String value) {
        return new ConfigEntry("some.key", value, "etc/perch.conf", 7);
    }

    @ParameterizedTest
    @CsvSource({"true,true", "on,true", "ON,true", "false,false", "off,false", "False,false"})
    void booleans(String text, boolean expected) {
        assertThat(ConfigValues.bool(e(text))).isEqualTo(expected);
    }

    @Test
    void badBooleanNamesLineKeyValueAndChoices() {
        assertThatThrownBy(() -> ConfigValues.bool(e("yes")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("etc/perch.conf:7: some.key = yes: expected true, false, on or off");
    }

    @Test
    void integersWithinBounds() {
        assertThat(ConfigValues.integer(e("2"), 0, 2)).isEqualTo(2);
        assertThat(ConfigValues.integer(e("0"), 0, 2)).isZero();
        for (String bad : new String[]{"3", "-1", "1.5", "", "two", "99999999999999999999"}) {
            assertThatThrownBy(() -> ConfigValues.integer(e(bad), 0, 2))
                    .hasMessage("etc/perch.conf:7: some.key = " + bad + ": expected a whole number from 0 to 2");
        }
    }

    @Test
    void decimals() {
        assertThat(ConfigValues.decimal(e("0.75"), 0)).isEqualTo(0.75);
        assertThat(ConfigValues.decimal(e("2"), 0)).isEqualTo(2.0);
        for (String bad : new String[]{"0", "-0.5", "x", "NaN", "Infinity"}) {
            assertThatThrownBy(() -> ConfigValues.decimal(e(bad), 0))
                    .hasMessage("etc/perch.conf:7: some.key = " + bad + ": expected a number greater than 0.0");
        }
    }

    @ParameterizedTest
    @CsvSource({"1MB,1048576", "64KB,65536", "64kb,65536", "1GB,1073741824", "100,100", "100B,100", "2 MB,2097152"})
    void sizes(String text, long bytes) {
        assertThat(ConfigValues.size(e(text), 1L << 31)).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1TB", "MB", "-1MB", "1.5MB", "3GB", "1 M"})
    void badSizes(String text) {
        assertThatThrownBy(() -> ConfigValues.size(e(text), 1L << 31))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("etc/perch.conf:7: some.key = " + text + ": expected a size like 1MB");
    }

    @ParameterizedTest
    @CsvSource({"15s,PT15S", "2h,PT2H", "500ms,PT0.5S", "1m,PT1M", "1d,PT24H", "1w,PT168H", "30,PT30S",
            "0,PT0S", "1h30m,PT1H30M", "1M,PT1M"})
    void durations(String text, Duration expected) {
        assertThat(ConfigValues.duration(e(text))).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "s", "15 s", "1.5h", "-1s", "15x", "h2", "10s5", "99999999999999999999w"})
    void badDurations(String text) {
        assertThatThrownBy(() -> ConfigValues.duration(e(text)))
                .isInstanceOf(ConfigException.class)
                .hasMessage("etc/perch.conf:7: some.key = " + text
                        + ": expected a duration like 15s, 500ms, 1m, 2h, 1d or a number of seconds");
    }

    @Test
    void wholeSeconds() {
        assertThat(ConfigValues.seconds(e("1m"), 65535)).isEqualTo(60);
        assertThatThrownBy(() -> ConfigValues.seconds(e("1500ms"), 65535))
                .hasMessage("etc/perch.conf:7: some.key = 1500ms: expected a whole number of seconds from 0 to 65535 (e.g. 60 or 1m)");
        assertThatThrownBy(() -> ConfigValues.seconds(e("1d"), 65535)).isInstanceOf(ConfigException.class);
    }

    @Test
    void choices() {
        assertThat(ConfigValues.choice(e("deny"), "allow", "deny")).isEqualTo("deny");
        assertThatThrownBy(() -> ConfigValues.choice(e("Deny"), "allow", "deny"))
                .hasMessage("etc/perch.conf:7: some.key = Deny: expected allow or deny");
        assertThatThrownBy(() -> ConfigValues.choice(e("x"), "a", "b", "c"))
                .hasMessage("etc/perch.conf:7: some.key = x: expected a, b or c");
    }

    @Test
    void overridesAreNamedAsSet() {
        assertThatThrownBy(() -> ConfigValues.bool(new ConfigEntry("mqtt.retain_available", "maybe", "--set", 0)))
                .hasMessage("--set: mqtt.retain_available = maybe: expected true, false, on or off");
    }
}
