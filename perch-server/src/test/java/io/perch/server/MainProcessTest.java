package io.perch.server;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code perch start} as a real process: it logs its listeners, serves MQTT and stops cleanly on SIGTERM. */
class MainProcessTest {
    private static final Pattern TCP_BOUND = Pattern.compile("listener tcp bound on 127\\.0\\.0\\.1:(\\d+)");

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
        process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "io.perch.server.Main", "start")
                .directory(home.toFile())
                .redirectErrorStream(true)
                .start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (java.io.IOException ignored) {
                // the process ended
            }
        }, "perch-process-output");
        reader.setDaemon(true);
        reader.start();

        await().atMost(Duration.ofSeconds(60)).until(() -> lines.stream().anyMatch(l -> l.contains("Perch ") && l.contains(" started as proc@127.0.0.1"))
                || !process.isAlive());
        assertThat(process.isAlive()).as("process output: %s", lines).isTrue();
        int port = lines.stream().map(TCP_BOUND::matcher).filter(Matcher::find)
                .mapToInt(m -> Integer.parseInt(m.group(1))).findFirst().orElseThrow();

        MqttClient client = new MqttClient("tcp://127.0.0.1:" + port, "proc-test", new MemoryPersistence());
        client.connect();
        assertThat(client.isConnected()).isTrue();
        client.disconnect();
        client.close();

        process.destroy(); // SIGTERM
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("stops within the bound").isTrue();
        reader.join(5000);
        assertThat(lines).anyMatch(l -> l.contains("Perch stopped"));
        assertThat(home.resolve("logs/perch.log")).exists();
        assertThat(Files.readString(home.resolve("logs/perch.log"))).contains("started as proc@127.0.0.1");
    }
}
