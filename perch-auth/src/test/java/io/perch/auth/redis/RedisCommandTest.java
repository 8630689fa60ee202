package io.perch.auth.redis;

import io.perch.broker.hook.event.ClientInfo;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** EMQ X's placeholders in auth_cmd / acl_cmd: a value the client lacks makes no query at all. */
class RedisCommandTest {
    private static ClientInfo client(String user, String cn, String dn) {
        return new ClientInfo("dev-1", user, "127.0.0.1", 1, 5, true, 60, 0, "n", "ssl:external", cn, dn);
    }

    @Test
    void eachPlaceholderIsFilledFromTheClient() {
        ClientInfo c = client("alice", "device-42", "CN=device-42,O=Example");
        assertThat(RedisCommand.fill("HMGET mqtt_user:%u password", c)).isEqualTo("HMGET mqtt_user:alice password");
        assertThat(RedisCommand.fill("HGET mqtt_client:%c pw", c)).isEqualTo("HGET mqtt_client:dev-1 pw");
        assertThat(RedisCommand.fill("HGETALL mqtt_cert:%C", c)).isEqualTo("HGETALL mqtt_cert:device-42");
        assertThat(RedisCommand.fill("GET dn:%d", c)).isEqualTo("GET dn:CN=device-42,O=Example");
        assertThat(RedisCommand.fill("GET 100%", c)).isEqualTo("GET 100%");
    }

    @Test
    void aMissingValueMeansNoQuery() {
        assertThat(RedisCommand.fill("HMGET mqtt_user:%u password", client(null, null, null))).isNull();
        assertThat(RedisCommand.fill("HGETALL mqtt_cert:%C", client("alice", null, null))).as("no certificate").isNull();
    }
}
