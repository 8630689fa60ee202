package io.perch.redis.config;

import io.perch.broker.plugin.ConfigException;
import io.perch.redis.codec.Compat;
import io.perch.redis.testkit.ConfFile;
import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackendConfigParserTest {
    private final BackendConfigParser parser = new BackendConfigParser();

    private BackendConfig parse(String... lines) {
        return parser.parse(ConfFile.lines(lines));
    }

    @Test
    void theShippedFileHoldsTheSeedsRulesInOrder() {
        BackendConfig c = parser.parse(ConfFile.read(ConfFile.shipped()));
        assertThat(c.pools()).containsOnlyKeys("pool1");
        PoolConfig p = c.pools().get("pool1");
        assertThat(p.embedded()).as("the shipped file says it uses the embedded Redis").isTrue();
        assertThat(p.servers()).containsExactly(new HostPort("127.0.0.1", 6379));
        assertThat(p.type()).isEqualTo(PoolType.SINGLE);
        assertThat(p.channel()).isEqualTo("mqtt_channel");
        assertThat(c.embedded()).isTrue();
        assertThat(c.compat()).isEqualTo(Compat.PERCH);
        assertThat(c.rules()).extracting(r -> r.hookPoint() + "." + r.order() + " " + r.label() + " " + r.topic())
                .containsExactlyInAnyOrder(
                        "client.connected.1 on_client_connected null",
                        "client.connected.2 on_subscribe_lookup null",
                        "client.disconnected.1 on_client_disconnected null",
                        "session.subscribed.1 on_message_fetch_for_queue queue/#",
                        "session.subscribed.2 on_message_fetch_for_pubsub pubsub/#",
                        "session.subscribed.3 on_retain_lookup null",
                        "session.unsubscribed.1 commands #",
                        "message.publish.1 on_message_publish #",
                        "message.publish.2 on_message_retain #",
                        "message.publish.3 on_retain_delete #",
                        "message.acked.1 on_message_acked_for_queue queue/#",
                        "message.acked.2 on_message_acked_for_pubsub pubsub/#");
        HookRule publish = c.rules().stream().filter(r -> r.label().equals("on_message_publish")).findFirst().orElseThrow();
        assertThat(publish.expiredTime()).isEqualTo(3600);
        HookRule unsub = c.rules().stream().filter(r -> r.label().equals("commands")).findFirst().orElseThrow();
        assertThat(((RuleAction.Commands) unsub.action()).commands()).containsExactly("DEL mqtt:acked:${clientid}:${topic}");
    }

    @Test
    void anUnchangedEmqxFileParses() throws URISyntaxException {
        Path f = Path.of(Objects.requireNonNull(getClass().getResource("/emqx4_backend_redis.conf")).toURI());
        BackendConfig c = parser.parse(ConfFile.read(f));
        assertThat(c.pools().get("pool1").database()).isEqualTo(1);
        assertThat(c.rules()).hasSize(12);
        assertThat(c.rules()).anyMatch(r -> r.hookPoint().equals("session.created") && r.label().equals("on_subscribe_lookup"));
    }

    @Test
    void rulesSortByNumberAndDefaultTheirExpiry() {
        BackendConfig c = parse(
                "backend.redis.pool1.server = 127.0.0.1:6379",
                "backend.redis.hook.message.publish.10 = {\"action\": {\"function\": \"on_message_retain\"}, \"pool\": \"pool1\"}",
                "backend.redis.hook.message.publish.2 = {\"action\": {\"function\": \"on_message_publish\"}, \"pool\": \"pool1\", \"expired_time\": 0}");
        assertThat(c.rules()).extracting(HookRule::order).containsExactly(2, 10);
        assertThat(c.rules()).allMatch(r -> r.expiredTime() == 7200);
        assertThat(c.rules().get(0).topic()).isNull();
    }

    @Test
    void poolsOfEveryKind() {
        BackendConfig c = parse(
                "backend.redis.s.server = 10.0.0.1:26379,10.0.0.2:26379",
                "backend.redis.s.type = sentinel",
                "backend.redis.s.sentinel = mymaster",
                "backend.redis.s.password = secret",
                "backend.redis.s.username = perch",
                "backend.redis.c.server = [::1]:7000, 127.0.0.1:7001",
                "backend.redis.c.type = cluster",
                "backend.redis.c.ssl = on",
                "backend.redis.c.ssl.verify = verify_none",
                "backend.redis.compat = emqx4",
                "backend.redis.embedded = off",
                "backend.redis.backlog.max = 5");
        PoolConfig s = c.pools().get("s");
        assertThat(s.type()).isEqualTo(PoolType.SENTINEL);
        assertThat(s.sentinelMaster()).isEqualTo("mymaster");
        assertThat(s.servers()).hasSize(2);
        assertThat(s.toString()).doesNotContain("secret");
        PoolConfig cl = c.pools().get("c");
        assertThat(cl.servers()).containsExactly(new HostPort("::1", 7000), new HostPort("127.0.0.1", 7001));
        assertThat(cl.tls().enabled()).isTrue();
        assertThat(cl.tls().verify()).isFalse();
        assertThat(c.compat()).isEqualTo(Compat.EMQX4);
        assertThat(c.embedded()).isFalse();
        assertThat(c.backlogMax()).isEqualTo(5);
    }

    @Test
    void serverEmbeddedIsTheEmbeddedRedisAtItsOwnAddress() {
        BackendConfig c = parse("backend.redis.a.server = embedded",
                "backend.redis.b.server = 127.0.0.1:6379",
                "backend.redis.embedded.port = 6390",
                "backend.redis.embedded.bind = ::1",
                "backend.redis.embedded.dir = /var/lib/perch/redis");
        assertThat(c.pools().get("a").embedded()).isTrue();
        assertThat(c.pools().get("a").servers()).containsExactly(new HostPort("::1", 6390));
        assertThat(c.pools().get("b").embedded()).as("an address is always an external Redis").isFalse();
        assertThat(c.runsEmbedded()).isTrue();
        assertThat(c.embeddedRedis().dataDir(Path.of("/home"), Path.of("/home/data")))
                .isEqualTo(Path.of("/var/lib/perch/redis"));
        assertThat(parse("backend.redis.a.server = embedded").embeddedRedis().dataDir(Path.of("/home"), Path.of("/home/data")))
                .isEqualTo(Path.of("/home/data/redis"));
        assertThat(parse("backend.redis.a.server = 127.0.0.1:6379").runsEmbedded()).isFalse();
    }

    @Test
    void badEmbeddedSettingsStopStartUp() {
        assertBad(List.of("backend.redis.pool1.server = embedded", "backend.redis.embedded = off"), "test.conf:1",
                "test.conf:2 sets backend.redis.embedded = off");
        assertBad(List.of("backend.redis.pool1.server = embedded", "backend.redis.pool1.password = x"), "test.conf:2",
                "password is generated");
        assertBad(List.of("backend.redis.pool1.server = embedded", "backend.redis.pool1.type = cluster"), "test.conf:2",
                "the embedded Redis is a single server");
        assertBad(List.of("backend.redis.embedded.port = 70000"), "test.conf:1", "not in 1..65535");
        assertBad(List.of("backend.redis.embedded.colour = blue"), "test.conf:1", "backend.redis.embedded.port");
    }

    @Test
    void badRulesStopStartUpNamingTheLine() {
        String pool = "backend.redis.pool1.server = 127.0.0.1:6379";
        assertBad(List.of(pool, "backend.redis.hook.client.connect.1 = {\"action\": {\"function\": \"on_client_connected\"}, \"pool\": \"pool1\"}"),
                "test.conf:2", "unknown hook point 'client.connect'");
        assertBad(List.of(pool, "backend.redis.hook.client.connected.1 = {\"action\": {\"function\": \"on_nothing\"}, \"pool\": \"pool1\"}"),
                "test.conf:2", "unknown function 'on_nothing'");
        assertBad(List.of(pool, "backend.redis.hook.client.connected.1 = {\"action\": {\"function\": \"on_client_connected\"}, \"pool\": \"pool1\""),
                "test.conf:2", "invalid JSON");
        assertBad(List.of(pool, "backend.redis.hook.client.connected.1 = {\"action\": {\"function\": \"on_client_connected\"}, \"pool\": \"pool9\"}"),
                "test.conf:2", "unknown pool 'pool9'");
        assertBad(List.of(pool, "backend.redis.hook.client.connected.1 = {\"action\": {\"function\": \"on_message_publish\"}, \"pool\": \"pool1\"}"),
                "test.conf:2", "runs on message.publish");
        assertBad(List.of(pool, "backend.redis.hook.message.publish.x = {\"action\": {\"function\": \"on_message_publish\"}, \"pool\": \"pool1\"}"),
                "test.conf:2", "not an integer");
        assertBad(List.of(pool, "backend.redis.hook.message.publish.1 = {\"topic\": \"a/#/b\", \"action\": {\"function\": \"on_message_publish\"}, \"pool\": \"pool1\"}"),
                "test.conf:2", "topic filter");
        assertBad(List.of(pool, "backend.redis.hook.message.publish.1 = {\"expire_time\": 5, \"action\": {\"function\": \"on_message_publish\"}, \"pool\": \"pool1\"}"),
                "test.conf:2", "unknown field \"expire_time\"");
        assertBad(List.of(pool, "backend.redis.hook.message.publish.1 = {\"action\": {\"commands\": []}, \"pool\": \"pool1\"}"),
                "test.conf:2", "non-empty list");
        assertBad(List.of("backend.redis.pool1.server = localhost"), "test.conf:1", "is not host:port");
        assertBad(List.of("backend.redis.pool1.server = localhost:99999"), "test.conf:1", "not in 1..65535");
        assertBad(List.of("backend.redis.pool1.type = master"), "test.conf:1", "single, sentinel or cluster");
        assertBad(List.of("backend.redis.pool1.type = sentinel"), "test.conf:1", "needs backend.redis.pool1.sentinel");
        assertBad(List.of("backend.redis.pool1.server = a:1,b:2"), "test.conf:1", "type single takes one");
        assertBad(List.of("backend.redis.pool1.colour = blue"), "test.conf:1", "unknown pool setting 'colour'");
        assertBad(List.of("backend.redis.embedded = maybe"), "test.conf:1", "expected on or off");
        assertBad(List.of("backend.redis.backlog.max = -1"), "test.conf:1", "positive integer");
        assertBad(List.of("backend.redis.compat = emqx3"), "test.conf:1", "emqx4");
    }

    @Test
    void pipelineIsTakenOffTheCommandList() {
        BackendConfig c = parse("backend.redis.pool1.server = 127.0.0.1:6379",
                "backend.redis.hook.message.publish.1 = {\"action\": {\"commands\": [\"pipeline\", \"SET a b\", \"SET c d\"]}, \"pool\": \"pool1\"}");
        RuleAction.Commands cmds = (RuleAction.Commands) c.rules().get(0).action();
        assertThat(cmds.pipeline()).isTrue();
        assertThat(cmds.commands()).containsExactly("SET a b", "SET c d");
    }

    private void assertBad(List<String> lines, String where, String what) {
        assertThatThrownBy(() -> parser.parse(ConfFile.parse(lines, "test.conf")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(where)
                .hasMessageContaining(what);
    }
}
