package io.perch.auth.redis;

import io.perch.auth.AuthPlugin;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.ConfigException;
import io.perch.redis.config.HostPort;
import io.perch.redis.config.PoolType;
import io.perch.redis.testkit.ConfFile;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The auth.redis.* keys: EMQ X 4's file as shipped, Perch's commented example, and bad lines. */
class RedisAuthConfigTest {

    @Test
    void emqx4FileIsReadUnchanged() {
        List<ConfigEntry> entries = ConfFile.read(PerchWithAuth.emqx4File());
        RedisSettings s = RedisKind.settings(entries);
        assertThat(s.pool().type()).isEqualTo(PoolType.SINGLE);
        assertThat(s.pool().servers()).containsExactly(new HostPort("127.0.0.1", 6379));
        assertThat(s.pool().poolSize()).isEqualTo(8);
        assertThat(s.pool().database()).isZero();
        assertThat(s.pool().tls().enabled()).isFalse();
        assertThat(s.queryTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.authCmd().toString()).isEqualTo("HMGET mqtt_user:%u password");
        assertThat(s.hash().toString()).isEqualTo("plain");
        assertThat(s.superCmd().toString()).isEqualTo("HGET mqtt_user:%u is_superuser");
        assertThat(s.aclCmd().toString()).isEqualTo("HGETALL mqtt_acl:%u");

        AuthPlugin plugin = new AuthPlugin();
        assertThat(plugin.configPrefixes()).contains("auth.");
        plugin.configure(entries);
        assertThat(plugin.enabled()).isTrue();
        assertThat(plugin.chain()).containsExactly("redis");
    }

    @Test
    void everyKeyOfTheShippedExampleIsCommentedOutAndValidWhenUncommented() throws Exception {
        Path root = Path.of("").toAbsolutePath();
        while (!Files.exists(root.resolve("etc/plugins/emqx_auth_redis.conf"))) {
            root = root.getParent();
        }
        Path file = root.resolve("etc/plugins/emqx_auth_redis.conf");
        List<String> lines = Files.readAllLines(file);
        assertThat(ConfFile.parse(lines, "shipped")).as("nothing is on by default").isEmpty();

        // Uncommenting each key's first example gives a valid configuration with every key.
        Pattern commented = Pattern.compile("^## (auth\\.redis\\.[a-z_.]+) = ?(.*)$");
        List<String> on = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String l : lines) {
            Matcher m = commented.matcher(l);
            if (m.matches() && seen.add(m.group(1))) {
                on.add(m.group(1) + " = " + m.group(2));
            }
        }
        assertThat(seen).containsExactlyInAnyOrder("auth.redis.type", "auth.redis.server", "auth.redis.sentinel",
                "auth.redis.pool", "auth.redis.database", "auth.redis.password", "auth.redis.query_timeout",
                "auth.redis.ssl", "auth.redis.ssl.cacertfile", "auth.redis.ssl.certfile", "auth.redis.ssl.keyfile",
                "auth.redis.ssl.verify", "auth.redis.auth_cmd", "auth.redis.password_hash", "auth.redis.super_cmd",
                "auth.redis.acl_cmd");
        RedisSettings s = RedisKind.settings(ConfFile.parse(on, "uncommented"));
        assertThat(s.authCmd().fields()).containsExactly("password", "salt");
        assertThat(s.pool().tls().enabled()).isFalse();
    }

    @Test
    void badLinesNameTheFileLineAndFix() {
        String[][] cases = {
            {"auth.redis.nope = 1", "unknown key"},
            {"auth.redis.type = master", "expected single, sentinel or cluster"},
            {"auth.redis.server = localhost", "is not host:port"},
            {"auth.redis.pool = 0", "positive number"},
            {"auth.redis.database = -1", "database index"},
            {"auth.redis.query_timeout = soon", "duration"},
            {"auth.redis.query_timeout = 0s", "e.g. 5s"},
            {"auth.redis.ssl = maybe", "expected on or off"},
            {"auth.redis.auth_cmd = SMEMBERS users:%u", "expected a Redis command"},
            {"auth.redis.auth_cmd = HGET mqtt_user:%u password salt", "for several fields use HMGET"},
            {"auth.redis.auth_cmd = HMGET mqtt_user:%u", "HMGET needs fields"},
            {"auth.redis.acl_cmd = HMGET mqtt_acl:%u t", "HGETALL"},
            {"auth.redis.password_hash = sha384", "unknown hash"},
        };
        for (String[] c : cases) {
            List<ConfigEntry> entries = ConfFile.lines("auth.redis.auth_cmd = HMGET mqtt_user:%u password", c[0]);
            assertThatThrownBy(() -> RedisKind.settings(entries)).as(c[0]).isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("test.conf:2: " + c[0])
                    .hasMessageContaining(c[1]);
        }
        assertThatThrownBy(() -> RedisKind.settings(ConfFile.lines("auth.redis.auth_cmd = HGET u:%u p",
                "auth.redis.type = sentinel"))).hasMessageStartingWith("test.conf:2: auth.redis.type")
                .hasMessageContaining("auth.redis.sentinel = <master name>");
        assertThatThrownBy(() -> RedisKind.settings(ConfFile.lines("auth.redis.auth_cmd = HGET u:%u p",
                "auth.redis.server = a:1,b:2"))).hasMessageContaining("type single takes one host:port");
        assertThatThrownBy(() -> RedisKind.settings(ConfFile.lines("auth.redis.auth_cmd = HGET u:%u p",
                "auth.redis.ssl = on", "auth.redis.ssl.certfile = c.pem")))
                .hasMessageContaining("ssl.certfile and ssl.keyfile go together");
        assertThatThrownBy(() -> RedisKind.settings(ConfFile.lines("auth.redis.server = 127.0.0.1:6379")))
                .hasMessageStartingWith("test.conf:1: auth.redis.server").hasMessageContaining("auth_cmd nor");
        // EMQ X's TLS tuning keys are accepted.
        RedisKind.settings(ConfFile.lines("auth.redis.acl_cmd = HGETALL mqtt_acl:%u",
                "auth.redis.ssl.tls_versions = tlsv1.2", "auth.redis.ssl.server_name_indication = disable"));
    }

    @Test
    void clusterAndSentinelSettingsAreKept() {
        RedisSettings s = RedisKind.settings(ConfFile.lines("auth.redis.type = sentinel",
                "auth.redis.server = 10.0.0.1:26379,10.0.0.2:26379", "auth.redis.sentinel = mymaster",
                "auth.redis.password = secret", "auth.redis.database = 2",
                "auth.redis.auth_cmd = HMGET mqtt_user:%u password salt"));
        assertThat(s.pool().type()).isEqualTo(PoolType.SENTINEL);
        assertThat(s.pool().sentinelMaster()).isEqualTo("mymaster");
        assertThat(s.pool().servers()).hasSize(2);
        assertThat(s.pool().database()).isEqualTo(2);
        assertThat(s.pool().toString()).doesNotContain("secret");
        s = RedisKind.settings(ConfFile.lines("auth.redis.type = cluster",
                "auth.redis.server = 10.0.0.1:7000,10.0.0.2:7001", "auth.redis.acl_cmd = HGETALL mqtt_acl:%u"));
        assertThat(s.pool().type()).isEqualTo(PoolType.CLUSTER);
        assertThat(s.authCmd()).isNull();
    }
}
