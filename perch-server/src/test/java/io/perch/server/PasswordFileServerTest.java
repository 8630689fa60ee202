package io.perch.server;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * {@code perch passwd} keeps the password file the shipped auth plugin (found by the service
 * loader, as in production) reads: users it adds to a running broker can connect without a
 * restart, users it deletes cannot.
 */
class PasswordFileServerTest {
    @TempDir
    Path home;
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
    }

    private record Result(int status, String out, String err) {
    }

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private PerchServer start() throws Exception {
        Files.createDirectories(home.resolve("etc/plugins"));
        Files.writeString(home.resolve("etc/perch.conf"), String.join("\n",
                "node.name = test@127.0.0.1",
                "listener.tcp.external = 127.0.0.1:0",
                "listener.ws.external = off",
                "broker.sys_interval = 0",
                "allow_anonymous = false",
                "auth.file.password_file = etc/passwd",
                "auth.file.reload_interval = 200ms",
                ""));
        PerchServer server = PerchServer.load(home, Path.of("etc/perch.conf"), List.of(),
                Plugins.discover(getClass().getClassLoader()));
        cleanup.add(server::stop);
        server.start();
        return server;
    }

    /** 0 when the broker lets the user in, else the v3 CONNACK return code. */
    private int connect(PerchServer server, String user, String password) throws MqttException {
        MqttClient c = new MqttClient("tcp://127.0.0.1:" + server.port("tcp"), "c-" + user, new MemoryPersistence());
        cleanup.add(c::close);
        MqttConnectOptions o = new MqttConnectOptions();
        o.setUserName(user);
        o.setPassword(password.toCharArray());
        o.setConnectionTimeout(10);
        MqttException refused = catchThrowableOfType(() -> c.connect(o), MqttException.class);
        if (refused != null) {
            return refused.getReasonCode();
        }
        c.disconnect();
        return 0;
    }

    @Test
    void usersAddedAndDeletedWhileTheBrokerRunsTakeEffect() throws Exception {
        String file = home.resolve("etc/passwd").toString();
        assertThat(run("passwd", "-c", "-b", file, "alice", "wonder land").status()).isZero();
        PerchServer server = start();
        assertThat(connect(server, "alice", "wonder land")).isZero();
        assertThat(connect(server, "alice", "wrong")).as("bad user name or password").isEqualTo(4);
        assertThat(connect(server, "bob", "b0b")).as("not authorized").isEqualTo(5);

        Result added = run("passwd", "-b", file, "bob", "b0b");
        assertThat(added.status()).isZero();
        assertThat(added.out().strip()).isEqualTo("added bob");
        await().atMost(Duration.ofSeconds(10)).until(() -> connect(server, "bob", "b0b") == 0);

        assertThat(run("passwd", "-D", file, "alice").status()).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> connect(server, "alice", "wonder land") == 5);
        assertThat(run("passwd", "-l", file).out().strip()).isEqualTo("bob");
        assertThat(Files.readString(Path.of(file))).doesNotContain("b0b").startsWith("bob:$7$1000$");

        assertThat(run("passwd", "--scram", "-b", file, "carol", "c4rol").status()).isZero();
        assertThat(Files.readString(Path.of(file))).contains("carol:SCRAM-SHA-256$4096:");
        await().atMost(Duration.ofSeconds(10)).until(() -> connect(server, "carol", "c4rol") == 0);
    }

    @Test
    void misuseExitsTwoAndSaysWhy() {
        String file = home.resolve("passwd").toString();
        Result noB = run("passwd", file, "alice", "secret");
        assertThat(noB.status()).isEqualTo(2);
        assertThat(noB.err()).contains("needs -b");
        Result deleteUnknown = run("passwd", "-D", file, "nobody");
        assertThat(deleteUnknown.status()).isEqualTo(1);
        assertThat(deleteUnknown.err()).contains("no user nobody");
        Result noTerminal = run("passwd", file, "alice");
        assertThat(noTerminal.status()).isEqualTo(2);
        assertThat(noTerminal.err()).contains("-b USER PASSWORD");
    }
}
