package io.perch.auth.scram;

import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.perch.auth.file.PasswordFile;
import io.perch.auth.testkit.AuthBroker;
import io.perch.auth.testkit.ScramClient;
import io.perch.broker.testkit.RawClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * MQTT 5 enhanced authentication with SCRAM-SHA-256 over a real socket, the client side
 * written here from RFC 5802 with the JDK's own PBKDF2 (independent of the broker's): the right
 * password connects and the CONNACK's signature proves the broker knew the verifier; a wrong
 * one is refused; the verifier line also lets a plain CONNECT password in.
 */
class ScramBrokerTest {
    @TempDir
    Path home;
    private AuthBroker broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private void start() throws Exception {
        PasswordFile.empty().with("alice", ScramVerifier.of("wonder land".getBytes(StandardCharsets.UTF_8), 4096).format())
                .write(home.resolve("etc/passwd"));
        broker = AuthBroker.start(home, b -> b.allowAnonymous(false), "auth.file.password_file = etc/passwd");
    }

    private static MqttConnAckMessage scram(RawClient c, String user, String connectUser, String password) throws Exception {
        return ScramClient.connect(c, user, connectUser, password);
    }

    private static int code(MqttConnAckMessage ack) {
        return ack.variableHeader().connectReturnCode().byteValue() & 0xff;
    }

    @Test
    void theRightPasswordConnectsAndTheBrokerProvesItKnowsTheVerifier() throws Exception {
        start();
        assertThat(code(scram(broker.client(), "alice", "alice", "wonder land"))).isZero();
        assertThat(code(scram(broker.client(), "alice", null, "wonder land"))).as("no CONNECT username").isZero();
    }

    @Test
    void aWrongPasswordAnUnknownUserOrAnotherConnectUsernameIsRefused() throws Exception {
        start();
        assertThat(code(scram(broker.client(), "alice", "alice", "wonderland"))).isEqualTo(0x87);
        assertThat(code(scram(broker.client(), "mallory", null, "x"))).isEqualTo(0x87);
        assertThat(code(scram(broker.client(), "alice", "admin", "wonder land"))).as("impersonation").isEqualTo(0x87);
    }

    @Test
    void theVerifierLineAlsoChecksAPlainPassword() throws Exception {
        start();
        assertThat(io.perch.auth.testkit.Connacks.connect(broker.client(), true, "p", "alice", "wonder land")).isZero();
        assertThat(io.perch.auth.testkit.Connacks.connect(broker.client(), false, "q", "alice", "nope")).isEqualTo(4);
    }
}
