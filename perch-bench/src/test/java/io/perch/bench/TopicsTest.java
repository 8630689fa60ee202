package io.perch.bench;

import io.perch.bench.topic.Topics;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TopicsTest {

    @Test
    void expandsIndexClientIdAndEscapedPercent() {
        assertThat(Topics.expand("a/%i/%c/100%%/%x", 7, "cid")).isEqualTo("a/7/cid/100%/%x");
        assertThat(Topics.expand("trailing%", 1, "c")).isEqualTo("trailing%");
    }

    @Test
    void matchesLikeMqtt() {
        assertThat(Topics.matches("a/+/c", "a/b/c")).isTrue();
        assertThat(Topics.matches("a/+/c", "a/b/d")).isFalse();
        assertThat(Topics.matches("a/#", "a")).isTrue();
        assertThat(Topics.matches("a/#", "a/b/c")).isTrue();
        assertThat(Topics.matches("#", "x/y")).isTrue();
        assertThat(Topics.matches("a/b", "a/b/c")).isFalse();
        assertThat(Topics.matches("a/b/c", "a/b")).isFalse();
        assertThat(Topics.matches("+", "")).isTrue();
        assertThat(Topics.matches("a/+", "a/")).isTrue();
        assertThat(Topics.matches("#", "$SYS/x")).isFalse();
        assertThat(Topics.matches("+/x", "$SYS/x")).isFalse();
        assertThat(Topics.matches("$SYS/#", "$SYS/x")).isTrue();
        assertThat(Topics.matches("$share/g/a/+", "a/b")).isTrue();
    }

    @Test
    void copiesOwedCountsSubscribersAndShareGroupsOnce() {
        List<String> filters = List.of("a/b", "a/+", "#", "x/y", "$share/g1/a/#", "$share/g1/a/#", "$share/g2/a/b");
        // a/b, a/+, #, one copy for group g1 (two members), one for g2.
        assertThat(Topics.copiesOwed("a/b", filters)).isEqualTo(5);
        assertThat(Topics.copiesOwed("x/y", filters)).isEqualTo(2);
        assertThat(Topics.copiesOwed("nothing/here/at/all", List.of("a/b"))).isZero();
    }
}
