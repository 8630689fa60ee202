package io.perch.server.fault;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The embedded Redis of a broker killed with {@code kill -9} keeps running (it is a child
 * process nobody stops); the next start finds it through its pid file in the data dir and
 * stops it before starting a fresh one, and a clean stop then leaves no redis-server of that
 * data dir behind.
 */
class EmbeddedRedisAcrossKillTest {
    @TempDir
    Path home;

    private Path redisDir;

    @AfterEach
    void killLeftovers() {
        // Whatever the outcome, no redis-server of this test may outlive it.
        if (redisDir != null) {
            redisOf(redisDir).forEach(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void anOrphanedEmbeddedRedisIsStoppedAtTheNextStartAndNoneRemainsAfterAStop() throws Exception {
        redisDir = home.resolve("data/redis").toAbsolutePath().normalize();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (BrokerProcess broker = BrokerProcess.start(home, "emb@127.0.0.1", List.of(
                "backend.redis.pool1.server = embedded",
                "backend.redis.embedded.port = " + port))) {
            long first = redisPid();
            assertThat(redisOf(redisDir)).extracting(ProcessHandle::pid).containsExactly(first);

            broker.kill9();
            assertThat(ProcessHandle.of(first)).as("the killed broker's Redis is orphaned, still running")
                    .hasValueSatisfying(h -> assertThat(h.isAlive()).isTrue());

            broker.restart();
            assertThat(ProcessHandle.of(first).filter(ProcessHandle::isAlive)).as("the orphan was stopped").isEmpty();
            long second = redisPid();
            assertThat(second).isNotEqualTo(first);
            assertThat(redisOf(redisDir)).extracting(ProcessHandle::pid).containsExactly(second);
            assertThat(broker.output()).anyMatch(l -> l.contains("redis-server pid " + first) && l.contains("stopping it"));

            ProcessHandle brokerHandle = ProcessHandle.of(broker.pid()).orElseThrow();
            brokerHandle.destroy(); // SIGTERM: a clean stop
            await("broker stops").atMost(Duration.ofSeconds(60)).until(() -> !brokerHandle.isAlive());
        }
        await("no redis-server of " + redisDir).atMost(Duration.ofSeconds(10)).until(() -> redisOf(redisDir).isEmpty());
        assertThat(redisDir.resolve("redis.pid")).doesNotExist();
        assertThat(redisDir.resolve("appendonly.aof").toFile().exists()
                || Files.isDirectory(redisDir.resolve("appendonlydir"))).as("the AOF stays").isTrue();
    }

    /** The pid in the embedded Redis's pid file, once that names a live process. */
    private long redisPid() {
        Path pidFile = redisDir.resolve("redis.pid");
        return await("redis.pid").atMost(Duration.ofSeconds(30)).until(() -> {
            if (!Files.isRegularFile(pidFile)) {
                return -1L;
            }
            try {
                long pid = Long.parseLong(Files.readString(pidFile).trim());
                return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isPresent() ? pid : -1L;
            } catch (NumberFormatException | IOException e) {
                return -1L;
            }
        }, pid -> pid > 0);
    }

    /** Live redis-server processes whose command line (argv as started, from /proc) has {@code dir}. */
    private static List<ProcessHandle> redisOf(Path dir) {
        return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive).filter(h -> {
            String cmd = commandLine(h);
            return cmd.contains("redis-server") && cmd.contains(dir.toString());
        }).toList();
    }

    private static String commandLine(ProcessHandle h) {
        try {
            Path proc = Path.of("/proc", Long.toString(h.pid()), "cmdline");
            if (Files.isReadable(proc)) {
                return new String(Files.readAllBytes(proc), StandardCharsets.UTF_8).replace('\0', ' ');
            }
        } catch (IOException e) {
            // the process is gone or not ours
        }
        return h.info().commandLine().orElse("");
    }
}
