package io.perch.redis.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Runs of one-field HSETs and HDELs on one key become one command, at the run's last place. */
@Timeout(10)
class FieldRunsTest {
    private static ArgvCall hset(String key, String field, String value) {
        return ArgvCall.oneField(r -> null, "HSET", key, field, value);
    }

    private static ArgvCall hdel(String key, String field) {
        return ArgvCall.oneField(r -> null, "HDEL", key, field);
    }

    private static ArgvCall plain(Object... parts) {
        return ArgvCall.of(r -> null, parts);
    }

    private static List<String> lines(List<RedisCall> calls) {
        List<String> out = new ArrayList<>();
        for (RedisCall c : calls) {
            if (c instanceof ArgvCall a) {
                out.add(String.join(" ", Arrays.stream(a.argv()).map(b -> new String(b, StandardCharsets.UTF_8)).toList()));
            } else {
                out.add("(not argv)");
            }
        }
        return out;
    }

    @Test
    void aSessionsEntriesBecomeOneHsetAfterTheLastMessagesBody() {
        List<RedisCall> calls = new ArrayList<>(List.of(
                plain("PERCH.ONCE", "w", "1", "9", "60000"),
                plain("HSET", "body:1", "topic", "t"),
                hset("out:a", "1", "e1"),
                hset("out:b", "1", "e1"),
                plain("HINCRBY", "body:1", "refs", "2"),
                plain("HSET", "body:2", "topic", "t"),
                hset("out:a", "2", "e2"),
                hset("out:b", "2", "e2")));
        List<Integer> positions = new ArrayList<>();
        assertThat(lines(FieldRuns.fold(calls, positions))).containsExactly(
                "PERCH.ONCE w 1 9 60000",
                "HSET body:1 topic t",
                "HINCRBY body:1 refs 2",
                "HSET body:2 topic t",
                "HSET out:a 1 e1 2 e2",
                "HSET out:b 1 e1 2 e2");
    }

    @Test
    void aCallNamingTheKeyEndsItsRunAndIsNotCrossed() {
        List<RedisCall> calls = new ArrayList<>(List.of(
                hset("out:a", "1", "e1"),
                hset("out:a", "2", "e2"),
                plain("PERCH.SETHEAD", "out:a", "1", "SENT|7"),
                hset("out:a", "3", "e3"),
                hdel("out:a", "1"),
                hdel("out:a", "2"),
                plain("PERCH.DROP", "out:a", "pattern", "body:", "session:a"),
                hset("out:a", "4", "e4"),
                hset("out:a", "4", "e4b")));
        List<Integer> positions = new ArrayList<>(List.of(6));
        assertThat(lines(FieldRuns.fold(calls, positions))).containsExactly(
                "HSET out:a 1 e1 2 e2",
                "PERCH.SETHEAD out:a 1 SENT|7",
                "HSET out:a 3 e3",
                "HDEL out:a 1 2",
                "PERCH.DROP out:a pattern body: session:a",
                "HSET out:a 4 e4 4 e4b");
        assertThat(positions).as("the drop's reply is read: its new place").containsExactly(4);
    }

    @Test
    void aCallThatIsNotACommandLineEndsEveryRun() {
        RedisCall opaque = r -> null;
        List<RedisCall> calls = new ArrayList<>(List.of(
                hset("out:a", "1", "e1"),
                hset("out:b", "1", "e1"),
                opaque,
                hset("out:a", "2", "e2"),
                hset("out:b", "2", "e2")));
        assertThat(lines(FieldRuns.fold(calls, new ArrayList<>()))).containsExactly(
                "HSET out:a 1 e1", "HSET out:b 1 e1", "(not argv)", "HSET out:a 2 e2", "HSET out:b 2 e2");
    }

    @Test
    void withNothingToFoldTheCallsAreReturnedAsTheyAre() {
        List<RedisCall> calls = new ArrayList<>(List.of(hset("out:a", "1", "e1"), plain("ZADD", "s", "1", "a"),
                hset("out:b", "1", "e1")));
        assertThat(FieldRuns.fold(calls, new ArrayList<>(List.of(1)))).isSameAs(calls);
    }

    @Test
    void aLongRunIsCutAtTheMostMembersAScriptCanUnpack() {
        List<RedisCall> calls = new ArrayList<>();
        for (int i = 0; i < FieldRuns.MAX_MEMBERS * 2 + 1; i++) {
            calls.add(hdel("out:a", Integer.toString(i)));
        }
        List<RedisCall> folded = FieldRuns.fold(calls, new ArrayList<>());
        assertThat(folded).hasSize(3);
        assertThat(folded).extracting(c -> ((ArgvCall) c).argv().length)
                .containsExactly(2 + FieldRuns.MAX_MEMBERS, 2 + FieldRuns.MAX_MEMBERS, 3);
        assertThat(new String(((ArgvCall) folded.get(2)).argv()[2], StandardCharsets.UTF_8))
                .isEqualTo(Integer.toString(FieldRuns.MAX_MEMBERS * 2));
    }

    @Test
    void aPositionOnAFoldedCallIsABug() {
        List<RedisCall> calls = new ArrayList<>(List.of(hset("out:a", "1", "e1"), hset("out:a", "2", "e2")));
        assertThatThrownBy(() -> FieldRuns.fold(calls, new ArrayList<>(List.of(0))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void onlyOneFieldHsetsAndHdelsMayFold() {
        assertThatThrownBy(() -> ArgvCall.oneField(r -> null, "HSET", "k", "f1", "v1", "f2", "v2"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ArgvCall.oneField(r -> null, "ZADD", "k", "1", "m"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
