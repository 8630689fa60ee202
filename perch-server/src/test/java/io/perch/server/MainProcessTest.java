package io.perch.server;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code perch start} as a real process: it logs its listeners, serves MQTT and stops cleanly on SIGTERM. */
class MainProcessTest {
    private static final Pattern TCP_BOUND = Pattern.compile("listener tcp:external \\(tcp\\) on 127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path home;

    private Process process;

    @AfterEach
    void killLeftovers() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void startsServesAndStopsOnSigterm() throws Exception {
        Files.createDirectories(home.resolve("etc"));
        Files.writeString(home.resolve("etc/perch.conf"), String.join("\n",
                "node.name = proc@127.0.0.1",
                "listener.tcp.external = 127.0.0.1:0",
                "listener.ws.external = off",
                "log.dir = logs",
                ""));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path output = home.resolve("stdout.txt");
        process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "io.perch.server.Main", "start")
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        Callable<List<String>> lines = () -> Files.readAllLines(output, StandardCharsets.UTF_8);

        await().atMost(Duration.ofSeconds(60)).until(() -> !process.isAlive()
                || lines.call().stream().anyMatch(l -> l.contains(" started as proc@127.0.0.1")));
        assertThat(process.isAlive()).as("process output: %s", lines.call()).isTrue();
        int port = lines.call().stream().map(TCP_BOUND::matcher).filter(Matcher::find)
                .mapToInt(m -> Integer.parseInt(m.group(1))).findFirst().orElseThrow();

        MqttClient client = new MqttClient("tcp://127.0.0.1:" + port, "proc-test", new MemoryPersistence());
        client.connect();
        assertThat(client.isConnected()).isTrue();
        client.disconnect();
        client.close();

        process.destroy(); // SIGTERM
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("stops within the bound").isTrue();
        assertThat(lines.call()).anyMatch(l -> l.contains("Perch stopped"));
        assertThat(home.resolve("logs/perch.log")).exists();
        assertThat(Files.readString(home.resolve("logs/perch.log"))).contains("started as proc@127.0.0.1");
    }
}
