package io.perch.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Main run in-process: exit status and what reaches stdout/stderr. */
class MainTest {
    @TempDir
    Path dir;

    private record Result(int status, String out, String err) {
    }

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void badConfigLineExitsTwoWithFileLineAndNoStackTrace() throws Exception {
        Path conf = Files.writeString(dir.resolve("perch.conf"),
                "## test\nnode.name = t@127.0.0.1\nmqtt.max_qos_allowed = 3\n");

        Result r = run("start", "-c", conf.toString());

        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo(conf + ":3: mqtt.max_qos_allowed = 3: expected a whole number from 0 to 2");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void unknownKeyExitsTwoWithSuggestion() throws Exception {
        Path conf = Files.writeString(dir.resolve("perch.conf"), "listener.tcp.externel = 1883\n");

        Result r = run("start", "--config", conf.toString());

        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo(conf + ":1: unknown key 'listener.tcp.externel'"
                + " (did you mean 'listener.tcp.external'?)");
    }

    @Test
    void badOverrideExitsTwoNamingSet() throws Exception {
        Path conf = Files.writeString(dir.resolve("perch.conf"), "node.name = t@h\n");

        Result r = run("start", "-c", conf.toString(), "--set", "mqtt.retain_available=sometimes");

        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("--set: mqtt.retain_available = sometimes: expected true, false, on or off");
    }

    @Test
    void pluginFoundByServiceLoaderGetsItsKeysAndItsErrorsExitTwo() throws Exception {
        Files.createDirectories(dir.resolve("plugins"));
        Path conf = Files.writeString(dir.resolve("perch.conf"), "node.name = t@h\n");
        Files.writeString(dir.resolve("plugins/testplugin.conf"), "testplugin.enabled = false\n\ntestplugin.fail = yes\n");

        Result r = run("start", "-c", conf.toString());

        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo(dir.resolve("plugins/testplugin.conf")
                + ":3: testplugin.fail = yes: this plugin rejects it");
    }

    @Test
    void missingConfigFileExitsTwo() {
        Result r = run("start", "-c", dir.resolve("absent.conf").toString());

        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo(dir.resolve("absent.conf") + ": config file not found");
    }

    @Test
    void listenerThatCannotBindExitsOneWithTheReason() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path conf = Files.writeString(dir.resolve("perch.conf"), String.join("\n",
                    "listener.tcp.external = 127.0.0.1:" + taken.getLocalPort(),
                    "listener.ws.external = off",
                    "log.dir = " + dir.resolve("log"),
                    "data.dir = " + dir.resolve("data"),
                    ""));

            Result r = run("start", "-c", conf.toString());

            assertThat(r.status()).isEqualTo(1);
            assertThat(r.err()).startsWith("perch: did not start: ").contains(":" + taken.getLocalPort());
        } finally {
            restoreTestLogging();
        }
    }

    // start reconfigures logback from logback.xml (log.dir); put the test configuration back.
    private static void restoreTestLogging() throws Exception {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.reset();
        JoranConfigurator c = new JoranConfigurator();
        c.setContext(ctx);
        c.doConfigure(MainTest.class.getResource("/logback-test.xml"));
    }

    @Test
    void versionPrintsTheBuildVersion() {
        Result r = run("version");

        assertThat(r.status()).isZero();
        assertThat(r.out().strip()).matches("Perch \\d+\\.\\d+\\.\\d+.*");
    }

    @Test
    void noCommandOrUnknownOptionIsAUsageError() {
        Result none = run();
        assertThat(none.status()).isEqualTo(2);
        assertThat(none.err()).contains("missing command").contains("start");

        Result bad = run("start", "--frobnicate");
        assertThat(bad.status()).isEqualTo(2);
        assertThat(bad.err()).contains("Unknown option: '--frobnicate'");
    }
}
