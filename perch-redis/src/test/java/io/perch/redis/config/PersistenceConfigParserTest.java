package io.perch.redis.config;

import io.perch.broker.plugin.ConfigException;
import io.perch.redis.plugin.RedisBackendPlugin;
import io.perch.redis.session.RedisSessionPersistence;
import io.perch.redis.testkit.ConfFile;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PersistenceConfigParserTest {
    private final PersistenceConfigParser parser = new PersistenceConfigParser();
    private static final Set<String> TWO_POOLS = new LinkedHashSet<>(List.of("pool1", "pool2"));

    private PersistenceConfig parse(Set<String> pools, String... lines) {
        return parser.parse(ConfFile.lines(lines), pools);
    }

    @Test
    void sessionsGoToTheFirstPoolByDefault() {
        PersistenceConfig c = parse(TWO_POOLS);
        assertThat(c.mode()).isEqualTo(PersistenceConfig.Mode.REDIS);
        assertThat(c.pool()).isEqualTo("pool1");
        assertThat(c.ack()).isEqualTo(AckMode.REDIS);
    }

    @Test
    void withoutAPoolSessionsStayInMemory() {
        assertThat(parse(Set.of()).mode()).isEqualTo(PersistenceConfig.Mode.MEMORY);
        assertThat(parse(TWO_POOLS, "persistence.mode = memory").redis()).isFalse();
    }

    @Test
    void timesAreSpelledAsEveryOtherKeySpellsThem() {
        PersistenceConfig c = parse(TWO_POOLS, "persistence.linger = 5ms", "persistence.ack_timeout = 2");
        assertThat(c.linger()).isEqualTo(java.time.Duration.ofMillis(5));
        assertThat(c.ackTimeout()).as("a plain number is seconds").isEqualTo(java.time.Duration.ofSeconds(2));
        assertThat(parse(TWO_POOLS, "persistence.linger = 0").linger()).isZero();
        assertThatThrownBy(() -> parse(TWO_POOLS, "persistence.ack_timeout = 0"))
                .hasMessageContaining("at least 1 ms");
    }

    @Test
    void poolAndAckAreRead() {
        PersistenceConfig c = parse(TWO_POOLS, "persistence.mode = redis", "persistence.pool = pool2",
                "persistence.ack = replicas:2");
        assertThat(c.pool()).isEqualTo("pool2");
        assertThat(c.ack()).isEqualTo(AckMode.replicas(2));
        assertThat(parse(TWO_POOLS, "persistence.ack = fsync").ack()).isEqualTo(AckMode.FSYNC);
        assertThat(parse(TWO_POOLS, "persistence.ack = none").ack()).isEqualTo(AckMode.NONE);
        assertThat(parse(TWO_POOLS, "persistence.ack = redis").ack().toString()).isEqualTo("redis");
    }

    @Test
    void redisWithoutAPoolStopsStartUpNamingTheLineAndTheFix() {
        assertThatThrownBy(() -> parse(Set.of(), "persistence.mode = redis"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("test.conf:1")
                .hasMessageContaining("backend.redis.pool1.server")
                .hasMessageContaining("persistence.mode = memory");
    }

    @Test
    void anUnknownPoolListsThePools() {
        assertThatThrownBy(() -> parse(TWO_POOLS, "persistence.pool = pool3"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("test.conf:1")
                .hasMessageContaining("[pool1, pool2]");
    }

    @Test
    void badValuesAndKeysAreRefused() {
        assertThatThrownBy(() -> parse(TWO_POOLS, "persistence.mode = disk")).hasMessageContaining("expected redis or memory");
        assertThatThrownBy(() -> parse(TWO_POOLS, "persistence.ack = replicas:0")).hasMessageContaining("replicas:N");
        assertThatThrownBy(() -> parse(TWO_POOLS, "persistence.ack = replicas:x")).hasMessageContaining("replicas:N");
        assertThatThrownBy(() -> parse(TWO_POOLS, "persistence.ack = always")).hasMessageContaining("fsync");
        assertThatThrownBy(() -> parse(TWO_POOLS, "persistence.dir = /tmp")).hasMessageContaining("persistence.mode");
    }

    @Test
    void thePluginClaimsPersistenceAndSuppliesTheStoreOnlyInRedisMode() {
        RedisBackendPlugin plugin = new RedisBackendPlugin();
        assertThat(plugin.configPrefixes()).contains("backend.redis.", "persistence.");
        plugin.configure(ConfFile.lines("backend.redis.pool1.server = 127.0.0.1:6379", "persistence.ack = none"));
        assertThat(plugin.stores().persistence()).isInstanceOf(RedisSessionPersistence.class);
        assertThat(plugin.persistence().ack()).isEqualTo(AckMode.NONE);

        RedisBackendPlugin memory = new RedisBackendPlugin();
        memory.configure(ConfFile.lines("backend.redis.pool1.server = 127.0.0.1:6379", "persistence.mode = memory"));
        assertThat(memory.stores().persistence()).isNull();
    }
}
