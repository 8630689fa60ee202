package io.perch.broker.topic;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TopicsTest {
    @Test
    void matchesLikeMqtt() {
        assertThat(Topics.matches("queue/#", "queue/a/b")).isTrue();
        assertThat(Topics.matches("queue/#", "queue")).isTrue();
        assertThat(Topics.matches("queue/+/x", "queue/a/x")).isTrue();
        assertThat(Topics.matches("queue/+/x", "queue/a/y")).isFalse();
        assertThat(Topics.matches("queue/+", "queue/a/x")).isFalse();
        assertThat(Topics.matches("#", "$SYS/x")).isFalse();
        assertThat(Topics.matches("+/x", "$SYS/x")).isFalse();
        assertThat(Topics.matches("$SYS/#", "$SYS/x")).isTrue();
        assertThat(Topics.matches("a", "a/b")).isFalse();
        assertThat(Topics.matches("a/", "a/")).isTrue();
        assertThat(Topics.matches("a/", "a")).isFalse();
        assertThat(Topics.matches("a", "a/")).isFalse();
        assertThat(Topics.matches("+", "")).isTrue();
        assertThat(Topics.matches("+/+", "/")).isTrue();
        assertThat(Topics.matches("/#", "/")).isTrue();
        assertThat(Topics.matches("a/+", "a")).isFalse();
        assertThat(Topics.matches("a/+/#", "a/b")).isTrue();
        assertThat(Topics.matches("a/b/c", "a/b")).isFalse();
        assertThat(Topics.matches("a/bc", "a/b")).isFalse();
        assertThat(Topics.matches("#", "a/b/c")).isTrue();
    }

    @Test
    void literalPrefixStopsAtTheFirstWildcard() {
        assertThat(Topics.literalPrefix("a/b/#")).isEqualTo("a/b");
        assertThat(Topics.literalPrefix("a/+/c")).isEqualTo("a/");
        assertThat(Topics.literalPrefix("#")).isEmpty();
        assertThat(Topics.literalPrefix("+/x")).isEmpty();
        assertThat(Topics.literalPrefix("a/b")).isEqualTo("a/b");
    }

    @Test
    void validatesFilters() {
        assertThat(Topics.isValidFilter("a/#", 0)).isTrue();
        assertThat(Topics.isValidFilter("a/#/b", 0)).isFalse();
        assertThat(Topics.isValidFilter("a+/b", 0)).isFalse();
        assertThat(Topics.isValidFilter("", 0)).isFalse();
    }
}
