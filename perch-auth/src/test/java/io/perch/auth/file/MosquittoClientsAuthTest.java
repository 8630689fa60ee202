package io.perch.auth.file;

import io.perch.auth.testkit.AuthBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Debian's mosquitto_pub against the password file and an ACL, at MQTT 3.1.1 and 5: what a
 * Mosquitto user sees for a wrong password, an unknown user and a denied topic. Skipped when
 * mosquitto-clients is not installed (CI installs it).
 */
class MosquittoClientsAuthTest {
    private static final Path PUB = Path.of("/usr/bin/mosquitto_pub");
    @TempDir
    Path home;
    private AuthBroker broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private record Run(int status, String output) {
    }

    private Run pub(String version, String user, String password, String topic) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(PUB.toString(), "-h", "127.0.0.1", "-p",
                Integer.toString(broker.broker.tcpPort()), "-V", version, "-q", "1", "-t", topic, "-m", "hi"));
        if (user != null) {
            cmd.addAll(List.of("-u", user, "-P", password));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("mosquitto_pub finished").isTrue();
            return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void mosquittoPubSeesTheRefusalsAMosquittoBrokerWouldGive() throws Exception {
        assumeTrue(Files.isExecutable(PUB), "mosquitto_pub is not installed");
        PasswordFile.empty().with("alice", MosquittoHash.hash7("s3cret".getBytes(StandardCharsets.UTF_8), 101))
                .write(home.resolve("etc/passwd"));
        Files.writeString(home.resolve("etc/acl.conf"), "user alice\ntopic readwrite alice/#\n");
        broker = AuthBroker.start(home, b -> b.allowAnonymous(false).aclNoMatchAllow(false),
                "auth.file.password_file = etc/passwd", "acl_file = etc/acl.conf", "acl_file.format = mosquitto");

        assertThat(pub("mqttv311", "alice", "s3cret", "alice/t").status()).isZero();
        assertThat(pub("mqttv5", "alice", "s3cret", "alice/t").status()).isZero();

        Run wrong = pub("mqttv311", "alice", "guess", "alice/t");
        assertThat(wrong.status()).isNotZero();
        assertThat(wrong.output()).containsIgnoringCase("bad user name or password");
        Run unknown = pub("mqttv5", "mallory", "x", "alice/t");
        assertThat(unknown.status()).isNotZero();
        assertThat(unknown.output()).containsIgnoringCase("not authori");
        Run denied = pub("mqttv5", "alice", "s3cret", "bob/t");
        assertThat(denied.output()).as("PUBACK 0x87 reported by mosquitto_pub").containsIgnoringCase("not authori");
    }
}
