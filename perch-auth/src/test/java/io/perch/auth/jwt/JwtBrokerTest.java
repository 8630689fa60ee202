package io.perch.auth.jwt;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.perch.auth.AuthPlugin;
import io.perch.broker.plugin.PluginContext;
import io.perch.broker.testkit.BrokerFixture;
import io.perch.broker.testkit.RawClient;
import io.netty.handler.codec.mqtt.MqttMessageType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The JWT source in a real broker, over real sockets: HMAC, RSA (PEM file) and EC (JWK set file)
 * tokens, refusals as MQTT 5 CONNACK 0x86 and MQTT 3.1.1 return code 4, fall-through of plain
 * passwords to allow_anonymous, and the token's ACL on publish and subscribe.
 */
class JwtBrokerTest {
    @TempDir
    static Path home;
    static KeyPair rsa;
    static KeyPair ec;
    static KeyPair ec2;
    static Path jwks;
    static AuthPlugin plugin;
    static BrokerFixture broker;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        rsa = Tokens.rsa();
        ec = Tokens.ec();
        ec2 = Tokens.ec();
        Tokens.pem(home.resolve("rsa.pem"), rsa.getPublic());
        jwks = Tokens.jwks(home.resolve("jwks.json"), "ec-1", ec);
        plugin = new AuthPlugin();
        plugin.configure(Tokens.conf(
                "auth.jwt.secret = " + Tokens.SECRET,
                "auth.jwt.pubkey = rsa.pem",
                "auth.jwt.jwks = jwks.json",
                "auth.jwt.jwks.refresh_interval = 100ms",
                "auth.jwt.verify_claims = on",
                "auth.jwt.verify_claims.username = %u",
                "enable_acl_cache = off"));
        broker = BrokerFixture.start(b -> b.allowAnonymous(true).aclNoMatchAllow(true), br -> {
            try {
                plugin.start(new PluginContext(br.service(), new SimpleMeterRegistry(), home, home));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        port = broker.tcpPort();
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
        if (plugin != null) {
            plugin.stop();
        }
    }

    private static JWTClaimsSet claims(String user, Consumer<JWTClaimsSet.Builder> more) {
        return Tokens.claims(user, more);
    }

    private static JWTClaimsSet claims(String user) {
        return Tokens.claims(user, b -> { });
    }

    /** A v5 CONNECT's reason code. */
    private static int v5(String clientId, String user, String password) {
        try (RawClient c = RawClient.open(port)) {
            return connect5(c, clientId, user, password);
        }
    }

    private static int connect5(RawClient c, String clientId, String user, String password) {
        var b = RawClient.v5(clientId, true, 30).username(user);
        if (password != null) {
            b.password(password.getBytes(StandardCharsets.UTF_8));
        }
        return c.connect(b.build()).variableHeader().connectReturnCode().byteValue() & 0xff;
    }

    private static int v3(String clientId, String user, String password) {
        try (RawClient c = RawClient.open(port)) {
            return connect3(c, clientId, user, password);
        }
    }

    private static int connect3(RawClient c, String clientId, String user, String password) {
        var b = RawClient.v3(clientId, true, 30).username(user).password(password.getBytes(StandardCharsets.UTF_8));
        return c.connect(b.build()).variableHeader().connectReturnCode().byteValue() & 0xff;
    }

    @Test
    void tokensSignedWithEachConfiguredKeyAreAccepted() throws Exception {
        assertThat(v5("c-hs256", "alice", Tokens.hmac(JWSAlgorithm.HS256, Tokens.SECRET, claims("alice")))).isZero();
        assertThat(v5("c-hs512", "alice", Tokens.hmac(JWSAlgorithm.HS512, Tokens.SECRET, claims("alice")))).isZero();
        assertThat(v5("c-rs256", "alice", Tokens.rsa(rsa, claims("alice")))).isZero();
        assertThat(v5("c-es256", "alice", Tokens.ec(ec, "ec-1", claims("alice")))).isZero();
        assertThat(v3("c-v3", "alice", Tokens.rsa(rsa, claims("alice")))).isZero();
    }

    @Test
    void badTokensAreRefusedAsBadCredentials() throws Exception {
        String expired = Tokens.hmac(JWSAlgorithm.HS256, Tokens.SECRET, claims("alice",
                b -> b.expirationTime(Date.from(Instant.now().minus(Duration.ofMinutes(5))))));
        String notYet = Tokens.hmac(JWSAlgorithm.HS256, Tokens.SECRET, claims("alice",
                b -> b.notBeforeTime(Date.from(Instant.now().plus(Duration.ofMinutes(5))))));
        String good = Tokens.rsa(rsa, claims("alice"));
        String[] parts = good.split("\\.");
        String tampered = parts[0] + "." + Tokens.claimsPart(claims("alice", b -> b.claim("superuser", true)))
                + "." + parts[2];
        String wrongSecret = Tokens.hmac(JWSAlgorithm.HS256, Tokens.SECRET.replace('a', 'b'), claims("alice"));
        String wrongRsaKey = Tokens.rsa(Tokens.rsa(), claims("alice"));
        String wrongEcKey = Tokens.ec(ec2, "ec-1", claims("alice"));
        String otherUser = Tokens.rsa(rsa, claims("bob"));
        String noUserClaim = Tokens.rsa(rsa, new JWTClaimsSet.Builder().subject("alice").build());
        String unsigned = "eyJhbGciOiJub25lIn0." + Tokens.claimsPart(claims("alice")) + ".";
        for (String token : List.of(expired, notYet, tampered, wrongSecret, wrongRsaKey, wrongEcKey, otherUser,
                noUserClaim, unsigned)) {
            assertThat(v5("c-bad", "alice", token)).as("v5").isEqualTo(0x86);
            assertThat(v3("c-bad", "alice", token)).as("v3").isEqualTo(4);
        }
    }

    @Test
    void aPasswordThatIsNotAJwtIsLeftToAllowAnonymous() {
        assertThat(v5("c-plain", "alice", "not-a-token")).isZero();
        assertThat(v5("c-dots", "alice", "three.dotted.parts")).isZero();
        assertThat(v5("c-none", "alice", null)).isZero();
        assertThat(v3("c-plain3", "alice", "secret")).isZero();
    }

    @Test
    void theTokensAclAllowsAndDeniesPublishAndSubscribe() throws Exception {
        String token = Tokens.hmac(JWSAlgorithm.HS256, Tokens.SECRET, claims("alice", b -> b.claim("acl",
                Tokens.acl(List.of("t/1", "t/%u/#"), List.of("t/+", "s/%c"), List.of("x/#")))));
        try (RawClient c = RawClient.open(port)) {
            assertThat(connect5(c, "acl-5", "alice", token)).isZero();
            assertThat(publish(c, "t/1", 1)).isIn(0x00, 0x10);
            assertThat(publish(c, "t/alice/a/b", 2)).isIn(0x00, 0x10);
            assertThat(publish(c, "x/y", 3)).isIn(0x00, 0x10);
            assertThat(publish(c, "t/2", 4)).isEqualTo(0x87);
            assertThat(publish(c, "t/bob/a", 5)).isEqualTo(0x87);
            assertThat(c.subscribe(6, "t/+", 1).payload().reasonCodes()).containsExactly(1);
            assertThat(c.subscribe(7, "s/acl-5", 1).payload().reasonCodes()).containsExactly(1);
            assertThat(c.subscribe(8, "x/#", 0).payload().reasonCodes()).containsExactly(0);
            assertThat(c.subscribe(9, "t/#", 1).payload().reasonCodes()).containsExactly(0x87);
            assertThat(c.subscribe(10, "y", 1).payload().reasonCodes()).containsExactly(0x87);
        }
        try (RawClient c = RawClient.open(port)) {
            assertThat(connect3(c, "acl-3", "alice", token)).isZero();
            assertThat(c.subscribe(1, "t/+", 1).payload().reasonCodes()).containsExactly(1);
            assertThat(c.subscribe(2, "t/#", 1).payload().reasonCodes()).containsExactly(0x80);
        }
    }

    @Test
    void aTokenWithoutAclLeavesTopicsToAclNomatchAndASuperuserSkipsAcl() throws Exception {
        try (RawClient c = RawClient.open(port)) {
            assertThat(connect5(c, "no-acl", "alice", Tokens.rsa(rsa, claims("alice")))).isZero();
            assertThat(publish(c, "anything", 1)).isIn(0x00, 0x10);
        }
        String su = Tokens.rsa(rsa, claims("alice", b -> b.claim("is_superuser", true)
                .claim("acl", Tokens.acl(List.of(), List.of(), List.of()))));
        try (RawClient c = RawClient.open(port)) {
            assertThat(connect5(c, "su", "alice", su)).isZero();
            assertThat(publish(c, "anything", 1)).isIn(0x00, 0x10);
        }
    }

    @Test
    void aClientsTokenAclEndsWithItsConnection() throws Exception {
        String token = Tokens.rsa(rsa, claims("carol", b -> b.claim("acl",
                Tokens.acl(List.of("only/this"), List.of(), List.of()))));
        try (RawClient c = RawClient.open(port)) {
            assertThat(connect5(c, "leaver", "carol", token)).isZero();
            assertThat(publish(c, "other", 1)).isEqualTo(0x87);
            c.disconnect(0, io.netty.handler.codec.mqtt.MqttProperties.NO_PROPERTIES);
            c.awaitClosed(Duration.ofSeconds(5));
        }
        // The same client id and user back with a plain password: the old token's ACL is gone.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            try (RawClient c = RawClient.open(port)) {
                assertThat(connect5(c, "leaver", "carol", "plain")).isZero();
                assertThat(publish(c, "other", 1)).isIn(0x00, 0x10);
            }
        });
    }

    @Test
    void aChangedJwkSetFileIsReadAgain() throws Exception {
        KeyPair next = Tokens.ec();
        String token = Tokens.ec(next, "ec-2", claims("alice"));
        assertThat(v5("c-rot", "alice", token)).isEqualTo(0x86);
        Path tmp = home.resolve("jwks.json.new");
        Tokens.jwks(tmp, "ec-2", next);
        Files.setLastModifiedTime(tmp, FileTime.from(Instant.now().plusSeconds(5)));
        Files.move(tmp, jwks, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        await().atMost(Duration.ofSeconds(10)).until(() -> v5("c-rot", "alice", token) == 0);
        // The keys outside the set stay.
        assertThat(v5("c-rot", "alice", Tokens.rsa(rsa, claims("alice")))).isZero();
        // Put the first set back for the other tests.
        Tokens.jwks(tmp, "ec-1", ec);
        Files.setLastModifiedTime(tmp, FileTime.from(Instant.now().plusSeconds(10)));
        Files.move(tmp, jwks, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        String first = Tokens.ec(ec, "ec-1", claims("alice"));
        await().atMost(Duration.ofSeconds(10)).until(() -> v5("c-rot", "alice", first) == 0);
    }

    /** QoS 1 publish; the v5 PUBACK reason code. */
    private static int publish(RawClient c, String topic, int packetId) {
        c.publish(topic, 1, "m", packetId);
        return RawClient.reasonCode(c.expect(MqttMessageType.PUBACK));
    }
}
