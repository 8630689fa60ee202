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
class WriteFoldsTest {
    private static ArgvCall hset(String key, String field, String value) {
        return ArgvCall.foldable(r -> null, "HSET", key, field, value);
    }

    private static ArgvCall hdel(String key, String field) {
        return ArgvCall.foldable(r -> null, "HDEL", key, field);
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
        assertThat(lines(WriteFolds.fold(calls, positions))).containsExactly(
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
        assertThat(lines(WriteFolds.fold(calls, positions))).containsExactly(
                "HSET out:a 1 e1 2 e2",
                "PERCH.SETHEAD out:a 1 SENT|7",
                "HSET out:a 3 e3",
                "HDEL out:a 1 2",
                "PERCH.DROP out:a pattern body: session:a",
                "HSET out:a 4 e4 4 e4b");
        assertThat(positions).as("the drop's reply is read: its new place").containsExactly(4);
    }

    private static ArgvCall setHead(String key, String field, String head) {
        return PseudoCommands.setHead(key.getBytes(StandardCharsets.UTF_8), field.getBytes(StandardCharsets.UTF_8), head);
    }

    @Test
    void updatesAndDeletesOfOtherFieldsPassEachOtherUntilOneNamesAFieldOfTheOther() {
        List<RedisCall> calls = new ArrayList<>(List.of(
                setHead("out:a", "5", "SENT|5"),
                hdel("out:a", "1"),
                plain("PERCH.UNREF", "body:1"),
                setHead("out:a", "6", "SENT|6"),
                hdel("out:a", "2"),
                plain("PERCH.UNREF", "body:2"),
                hdel("out:a", "5"), // the update of 5 must land first: its run ends here
                setHead("out:a", "7", "SENT|7"),
                setHead("out:a", "7", "SENT|8")));
        assertThat(lines(WriteFolds.fold(calls, new ArrayList<>()))).containsExactly(
                "PERCH.UNREF body:1",
                "PERCH.SETHEAD out:a 5 SENT|5 6 SENT|6",
                "PERCH.UNREF body:2",
                "HDEL out:a 1 2 5",
                "PERCH.SETHEAD out:a 7 SENT|7 7 SENT|8");
    }

    private static ArgvCall unref(String key) {
        return PseudoCommands.unref(key.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aBodysReleasesBecomeOneThatTakesThemAllAfterTheLast() {
        List<RedisCall> calls = new ArrayList<>(List.of(
                hdel("out:a", "1"),
                unref("body:1"),
                hdel("out:b", "1"),
                unref("body:1"),
                plain("HINCRBY", "body:1", "refs", "1"), // a new reference: the releases before it go first
                unref("body:1"),
                hdel("body:1", "x"))); // not a likely call, but another name on the key: it ends the run
        assertThat(lines(WriteFolds.fold(calls, new ArrayList<>()))).containsExactly(
                "HDEL out:a 1",
                "HDEL out:b 1",
                "PERCH.UNREF body:1 2",
                "HINCRBY body:1 refs 1",
                "PERCH.UNREF body:1",
                "HDEL body:1 x");
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
        assertThat(lines(WriteFolds.fold(calls, new ArrayList<>()))).containsExactly(
                "HSET out:a 1 e1", "HSET out:b 1 e1", "(not argv)", "HSET out:a 2 e2", "HSET out:b 2 e2");
    }

    @Test
    void withNothingToFoldTheCallsAreReturnedAsTheyAre() {
        List<RedisCall> calls = new ArrayList<>(List.of(hset("out:a", "1", "e1"), plain("ZADD", "s", "1", "a"),
                hset("out:b", "1", "e1")));
        assertThat(WriteFolds.fold(calls, new ArrayList<>(List.of(1)))).isSameAs(calls);
    }

    @Test
    void aLongRunIsCutAtTheMostMembersAScriptCanUnpack() {
        List<RedisCall> calls = new ArrayList<>();
        for (int i = 0; i < WriteFolds.MAX_MEMBERS * 2 + 1; i++) {
            calls.add(hdel("out:a", Integer.toString(i)));
        }
        List<RedisCall> folded = WriteFolds.fold(calls, new ArrayList<>());
        assertThat(folded).hasSize(3);
        assertThat(folded).extracting(c -> ((ArgvCall) c).argv().length)
                .containsExactly(2 + WriteFolds.MAX_MEMBERS, 2 + WriteFolds.MAX_MEMBERS, 3);
        assertThat(new String(((ArgvCall) folded.get(2)).argv()[2], StandardCharsets.UTF_8))
                .isEqualTo(Integer.toString(WriteFolds.MAX_MEMBERS * 2));
    }

    @Test
    void aPositionOnAFoldedCallIsABug() {
        List<RedisCall> calls = new ArrayList<>(List.of(hset("out:a", "1", "e1"), hset("out:a", "2", "e2")));
        assertThatThrownBy(() -> WriteFolds.fold(calls, new ArrayList<>(List.of(0))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void onlyOneFieldHsetsAndHdelsMayFold() {
        assertThatThrownBy(() -> ArgvCall.foldable(r -> null, "HSET", "k", "f1", "v1", "f2", "v2"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ArgvCall.foldable(r -> null, "ZADD", "k", "1", "m"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ArgvCall.foldable(r -> null, "HDEL", "k", "f1", "f2"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ArgvCall.foldable(r -> null, "PERCH.UNREF", "k", "2"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
