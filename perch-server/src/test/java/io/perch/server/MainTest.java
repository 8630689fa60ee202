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
import java.util.ArrayList;
import java.util.List;

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
            assertThat(r.err()).startsWith("perch: did not start: ")
                    .contains("listener tcp:external", ":" + taken.getLocalPort(), "in use");
            assertThat(dir.resolve("data/perch.pid")).as("no pid file left by a failed start").doesNotExist();
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

    @Test
    void relativeMissingConfigNamesTheAbsolutePathTried() {
        Result r = run("start", "-c", "no/such/perch.conf");

        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("no/such/perch.conf: config file not found (looked for "
                + Path.of("no/such/perch.conf").toAbsolutePath() + ")");
    }

    @Test
    void helpOnEveryCommandAndSubCommandExitsZero() {
        List<List<String>> commands = List.of(List.of(), List.of("start"), List.of("stop"), List.of("pid"),
                List.of("ping"), List.of("check"), List.of("version"), List.of("passwd"), List.of("ctl"),
                List.of("ctl", "status"), List.of("ctl", "clients", "list"), List.of("ctl", "log", "set-level"),
                List.of("ctl", "admins", "passwd"));
        for (List<String> c : commands) {
            for (String help : List.of("--help", "-h")) {
                List<String> args = new ArrayList<>(c);
                args.add(help);
                Result r = run(args.toArray(new String[0]));
                assertThat(r.status()).as("%s: %s", args, r.err()).isZero();
                assertThat(r.out()).as("%s", args).startsWith("Usage: perch");
            }
        }
        assertThat(run("-V").out().strip()).matches("Perch \\d+\\.\\d+\\.\\d+.*");
    }

    @Test
    void checkPassesTheShippedConfigWithoutBindingAnything() {
        // Surefire runs in the module directory: the shipped config is ../etc/perch.conf (with ../etc/plugins/).
        Result r = run("check", "-c", "../etc/perch.conf");

        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("config OK: ../etc/perch.conf (").contains("listeners", "dashboard");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void checkFailsWithFileAndLine() throws Exception {
        Path conf = Files.writeString(dir.resolve("perch.conf"), "node.name = t@h\nmqtt.max_qos_allowed = 3\n");

        Result r = run("check", "-c", conf.toString());

        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo(conf + ":2: mqtt.max_qos_allowed = 3: expected a whole number from 0 to 2");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void checkFailsOnAPluginKeyAndOnMissingFiles() throws Exception {
        Files.createDirectories(dir.resolve("plugins"));
        Path conf = Files.writeString(dir.resolve("perch.conf"), String.join("\n",
                "listener.ssl.external = 127.0.0.1:0",
                "listener.ssl.external.certfile = certs/absent.pem",
                "listener.ssl.external.keyfile = certs/absent.key",
                ""));
        Files.writeString(dir.resolve("plugins/dash.conf"), "dashboard.listener.http = 127.0.0.1:0\n");

        Result r = run("check", "-c", conf.toString());

        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo(conf + ":2: listener.ssl.external.certfile = certs/absent.pem: no such file: "
                + Path.of("certs/absent.pem").toAbsolutePath());

        Files.writeString(conf, "listener.tcp.external = 127.0.0.1:0\n");
        Files.writeString(dir.resolve("plugins/dash.conf"), "dashboard.listener.http = 127.0.0.1:0\ndashboard.listenr = x\n");
        Result typo = run("check", "-c", conf.toString());
        assertThat(typo.status()).isEqualTo(2);
        assertThat(typo.err()).startsWith(dir.resolve("plugins/dash.conf") + ":2: ");

        // Files a plugin reads only at start are checked too (PerchPlugin.check), without binding.
        Files.writeString(dir.resolve("plugins/dash.conf"), String.join("\n", "dashboard.listener.http = 127.0.0.1:0",
                "dashboard.listener.https = 127.0.0.1:0", "dashboard.listener.https.certfile = absent.pem",
                "dashboard.listener.https.keyfile = absent.key", ""));
        Result https = run("check", "-c", conf.toString());
        assertThat(https.status()).isEqualTo(2);
        assertThat(https.err().strip()).isEqualTo(dir.resolve("plugins/dash.conf")
                + ":3: dashboard.listener.https.certfile = absent.pem: no such file: " + Path.of("absent.pem").toAbsolutePath());
    }

    @Test
    void checkReadsTheAuthFilesToo() throws Exception {
        Files.createDirectories(dir.resolve("plugins"));
        Path conf = Files.writeString(dir.resolve("perch.conf"), String.join("\n",
                "listener.tcp.external = 127.0.0.1:0", "acl_file = " + dir.resolve("acl.conf"), ""));
        Files.writeString(dir.resolve("plugins/dash.conf"), "dashboard.enable = off\n");
        Files.writeString(dir.resolve("acl.conf"), "{allow, all}.\n");
        assertThat(run("check", "-c", conf.toString()).status()).isZero();

        Files.writeString(dir.resolve("acl.conf"), "{allow, all}\n");
        Result broken = run("check", "-c", conf.toString());
        assertThat(broken.status()).isEqualTo(2);
        assertThat(broken.err()).startsWith(conf + ":2: acl_file = ").contains("expected '.' after the rule that starts on line 1");
    }

    @Test
    void pidAndStopSayWhenNothingRuns() throws Exception {
        Path conf = Files.writeString(dir.resolve("perch.conf"), "data.dir = " + dir.resolve("data") + "\n");

        Result pid = run("pid", "-c", conf.toString());
        assertThat(pid.status()).isEqualTo(1);
        assertThat(pid.err().strip()).isEqualTo("Perch is not running (no " + dir.resolve("data/perch.pid") + ")");

        // A pid file left by a process that is gone is stale.
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("data/perch.pid"), gone.pid() + "\n");
        Result stop = run("stop", "-c", conf.toString());
        assertThat(stop.status()).isEqualTo(1);
        assertThat(stop.err()).contains("names pid " + gone.pid() + ", which is not running");
    }

    @Test
    void pingWithNothingListeningExitsOne() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Result r = run("ping", "--url", "http://127.0.0.1:" + port, "--timeout", "2");

        assertThat(r.status()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("Node not responding to pings at http://127.0.0.1:" + port);
    }
}
