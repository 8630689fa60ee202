package io.perch.redis.embedded;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.perch.redis.config.EmbeddedRedisConfig;
import io.perch.redis.testkit.Backend;
import io.perch.redis.testkit.Events;
import io.perch.redis.testkit.RecordingBroker;
import io.perch.redis.testkit.TestRedis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The embedded Redis runs only for pools whose server is {@code embedded}: durable, with a
 * generated password kept in its data dir, stopped with the plugin, and an orphan of a killed
 * run stopped at the next start. A pool with an address is never given a Redis of Perch's.
 */
class EmbeddedRedisTest {
    private static final String CONNECTED_RULE =
            "backend.redis.hook.client.connected.1 = {\"action\": {\"function\": \"on_client_connected\"}, \"pool\": \"pool1\"}";

    @TempDir
    Path tmp;

    @Test
    void anEmbeddedPoolGetsItsOwnDurableRedisWithAGeneratedPassword() throws Exception {
        int port = TestRedis.freePort();
        Path data = tmp.resolve("data");
        List<String> conf = List.of("backend.redis.pool1.server = embedded", "backend.redis.embedded.port = " + port,
                CONNECTED_RULE);
        Backend backend = Backend.startWith(new RecordingBroker("perch@127.0.0.1"), conf, data);
        Path dir = data.resolve("redis");
        String password;
        try {
            password = Files.readString(dir.resolve("password")).trim();
            assertThat(password).hasSize(64);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("password"))))
                    .isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("redis.conf"))))
                    .isEqualTo("rw-------");
            long pid = backend.plugin.embeddedRedis().orElseThrow().pid();
            assertThat(Files.readString(dir.resolve("redis.pid")).trim()).isEqualTo(Long.toString(pid));
            // In a session of its own: a Ctrl-C in the broker's terminal does not stop it before the broker.
            assertThat(session(pid)).as("the embedded Redis's session").isNotEqualTo(session(ProcessHandle.current().pid()));
            // The password is not on the command line (ps shows that to every user); the data dir is.
            String cmd = EmbeddedRedis.commandLine(ProcessHandle.of(pid).orElseThrow());
            assertThat(cmd).contains(dir.toString()).doesNotContain(password);

            assertThat(anonymousReply(port, "GET x")).startsWith("-NOAUTH");
            new Events(backend.broker).connected("sub_client");
            RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(port)
                    .withPassword(password.toCharArray()).build());
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                await().atMost(Duration.ofSeconds(10)).until(() -> c.sync().exists("mqtt:client:sub_client") == 1);
                assertThat(c.sync().configGet("appendonly")).containsEntry("appendonly", "yes");
                assertThat(c.sync().configGet("appendfsync")).containsEntry("appendfsync", "everysec");
                assertThat(c.sync().configGet("dir").get("dir")).isEqualTo(dir.toRealPath().toString());
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            }
        } finally {
            backend.stop();
        }
        assertThat(RedisProcess.listening("127.0.0.1", port)).isFalse();
        assertThat(dir.resolve("redis.pid")).doesNotExist();

        // A restart finds the same password and the data of the first run (AOF).
        Backend again = Backend.startWith(new RecordingBroker("perch@127.0.0.1"), conf, data);
        try {
            assertThat(again.plugin.embeddedRedis().orElseThrow().password()).isEqualTo(password);
            await().atMost(Duration.ofSeconds(10)).until(() -> again.plugin.pipeline("pool1").orElseThrow().isUp());
            RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(port)
                    .withPassword(password.toCharArray()).build());
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                assertThat(c.sync().exists("mqtt:client:sub_client")).isEqualTo(1);
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            }
        } finally {
            again.close();
        }
    }

    @Test
    void anExternalRedisThatIsDownIsWaitedForAndNeverReplaced() throws Exception {
        int port = TestRedis.freePort();
        // The embedded Redis is on (the default) and the address is loopback: still nothing of Perch's may start there.
        Backend backend = Backend.startWith(new RecordingBroker("perch@127.0.0.1"), List.of(
                "backend.redis.pool1.server = 127.0.0.1:" + port, CONNECTED_RULE));
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.metrics.find("backend.redis.connect.failed")
                    .tag("pool", "pool1").counter().count() >= 1);
            assertThat(redisServersOn(port)).isEmpty();
            assertThat(RedisProcess.listening("127.0.0.1", port)).isFalse();
            assertThat(backend.plugin.embeddedRedis()).isEmpty();
            assertThat(backend.dataDir().resolve("redis")).doesNotExist();
            new Events(backend.broker).connected("early"); // kept for replay while Redis is down

            try (TestRedis redis = TestRedis.startOn(port)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> backend.plugin.pipeline("pool1").orElseThrow().isUp());
                await().atMost(Duration.ofSeconds(10)).until(() -> redis.cli().exists("mqtt:client:early") == 1);
                assertThat(redisServersOn(port)).as("only the test's own Redis").hasSize(1);
            }
        } finally {
            backend.close();
        }
    }

    @Test
    void embeddedOffLeavesTheLoopbackPortAlone() throws Exception {
        int port = TestRedis.freePort();
        Backend backend = Backend.startWith(new RecordingBroker("perch@127.0.0.1"), List.of(
                "backend.redis.pool1.server = 127.0.0.1:" + port, "backend.redis.embedded = off"));
        try {
            assertThat(RedisProcess.listening("127.0.0.1", port)).isFalse();
            assertThat(backend.plugin.pipeline("pool1").orElseThrow().isUp()).isFalse();
        } finally {
            backend.close();
        }
    }

    @Test
    void anOrphanOfAKilledRunIsStoppedAtTheNextStart() throws Exception {
        int port = TestRedis.freePort();
        EmbeddedRedisConfig config = new EmbeddedRedisConfig(true, "127.0.0.1", port, null);
        Path dir = tmp.resolve("redis");
        EmbeddedRedis first = EmbeddedRedis.start(config, dir, System.getenv("PATH"));
        EmbeddedRedis second = null;
        try {
            // The first is "orphaned": never stopped by its owner, as after kill -9 of the broker.
            assertThat(EmbeddedRedis.orphan(dir)).map(ProcessHandle::pid).contains(first.pid());
            second = EmbeddedRedis.start(config, dir, System.getenv("PATH"));
            assertThat(first.process().isAlive()).isFalse();
            assertThat(second.pid()).isNotEqualTo(first.pid());
            assertThat(second.password()).isEqualTo(first.password());
            assertThat(RedisProcess.answersPing("127.0.0.1", port)).isTrue();
        } finally {
            if (second != null) {
                second.stop();
            }
            first.process().kill();
        }
        assertThat(ProcessHandle.allProcesses().filter(h -> EmbeddedRedis.isRedisOf(h, dir.toAbsolutePath()))).isEmpty();
    }

    @Test
    void somethingElseOnTheEmbeddedPortStopsStartUp() throws Exception {
        try (TestRedis other = TestRedis.start()) {
            EmbeddedRedisConfig config = new EmbeddedRedisConfig(true, "127.0.0.1", other.port(), null);
            assertThatThrownBy(() -> EmbeddedRedis.start(config, tmp.resolve("redis"), System.getenv("PATH")))
                    .hasMessageContaining("something else listens there");
            assertThat(RedisProcess.answersPing("127.0.0.1", other.port())).isTrue();
        }
    }

    /** A process's session id: field 6 of /proc/PID/stat (after the command name in parentheses). */
    private static long session(long pid) throws java.io.IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[3]);
    }

    /** The first reply line to an inline command sent without AUTH. */
    private static String anonymousReply(int port, String command) throws java.io.IOException {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write((command + "\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII)).readLine();
        }
    }

    /**
     * redis-server processes whose command line has {@code --port <port>}, or {@code :<port>}
     * (the title Redis gives itself unless started with set-proc-title no).
     */
    private static List<ProcessHandle> redisServersOn(int port) {
        java.util.regex.Pattern p = java.util.regex.Pattern.compile("(--port |:)" + port + "\\b");
        return ProcessHandle.allProcesses().filter(h -> {
            String cmd = EmbeddedRedis.commandLine(h);
            return cmd.contains("redis-server") && p.matcher(cmd).find();
        }).toList();
    }
}
