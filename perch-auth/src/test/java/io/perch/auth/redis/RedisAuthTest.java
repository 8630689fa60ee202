package io.perch.auth.redis;

import at.favre.lib.crypto.bcrypt.BCrypt;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.perch.broker.testkit.RawClient;
import io.perch.redis.testkit.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The redis source through a real broker over real sockets, against a real redis-server holding
 * users and ACL rules written as EMQ X's documentation writes them.
 */
class RedisAuthTest {
    static final int OK = 0;
    static final int V5_BAD_CREDENTIALS = 0x86;
    static final int V5_NOT_AUTHORIZED = 0x87;
    static final int V3_BAD_CREDENTIALS = 4;
    static final int V3_NOT_AUTHORIZED = 5;

    static TestRedis redis;
    PerchWithAuth perch;

    @BeforeAll
    static void redis() {
        redis = TestRedis.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @BeforeEach
    void clean() {
        redis.cli().flushall();
    }

    @AfterEach
    void stop() {
        if (perch != null) {
            perch.close();
        }
    }

    /** Hashes of "public" with salt "salt123" (see PasswordHashTest for where they come from). */
    @ParameterizedTest
    @CsvSource({
        "plain, public",
        "md5, 4c9184f37cff01bcdc32dc486ec36961",
        "sha, 61c9b2b17db77a27841bbeeabff923448b0f6388",
        "sha256, efa1f375d76194fa51a3556a97e641e61685f914d446979da50a551a4333ffd7",
        "sha512, d32997e9747b65a3ecf65b82533a4c843c4e16dd30cf371e8c81ab60a341de00051da422d41ff29c55695f233a1e06fac8b79aeb0a4d91ae5d3d18c8e09b8c73",
        "'salt,sha256', a5a72f1edf5dcc152e04572ae63b199a01961fa97c1059ccd3238290425e56e4",
        "'sha256,salt', 888c165e70c92b9ef29a603edf953993dff2c10765fe8f6380c777cd08e1149e",
        "'pbkdf2,sha256,1000,20', 90ff801417f94f56481ef284f28c120c8fab57c5",
        "bcrypt, generated",
    })
    void eachHashAcceptsTheRightPasswordAndRefusesAWrongOne(String mode, String stored) {
        if (stored.equals("generated")) { // as PHP's password_hash writes it ($2y$); vectors in PasswordHashTest
            stored = BCrypt.with(BCrypt.Version.VERSION_2Y).hashToString(6, "public".toCharArray());
        }
        String password = "public";
        redis.cli().hset("mqtt_user:alice", Map.of("password", stored, "salt", "salt123"));
        perch = PerchWithAuth.start(redis, b -> b.allowAnonymous(true),
                "auth.redis.auth_cmd = HMGET mqtt_user:%u password salt", "auth.redis.password_hash = " + mode);

        assertThat(perch.connectV5("c1", "alice", password)).as(mode).isEqualTo(OK);
        assertThat(perch.connectV5("c2", "alice", "wrong")).as(mode).isEqualTo(V5_BAD_CREDENTIALS);
        assertThat(perch.connectV3("c3", "alice", "wrong")).as(mode).isEqualTo(V3_BAD_CREDENTIALS);
        assertThat(perch.connectV3("c4", "alice", password)).as(mode).isEqualTo(OK);
        assertThat(perch.counter("perch.auth.outcomes", "source", "redis", "result", "deny")).isEqualTo(2);
    }

    @Test
    void anUnknownUserFallsThroughToAllowAnonymous() {
        redis.cli().hset("mqtt_user:alice", "password", "public");
        perch = PerchWithAuth.start(redis, b -> b.allowAnonymous(true));
        assertThat(perch.connectV5("c1", "nobody", "x")).isEqualTo(OK);
        assertThat(perch.connectV5("c2", null, null)).isEqualTo(OK);
        // A user whose hash has no password field is not one of ours either (EMQ X: not_found).
        redis.cli().hset("mqtt_user:carol", "is_superuser", "1");
        assertThat(perch.connectV3("c3", "carol", "x")).isEqualTo(OK);
        perch.close();

        perch = PerchWithAuth.start(redis, b -> b.allowAnonymous(false));
        assertThat(perch.connectV5("c1", "nobody", "x")).isEqualTo(V5_NOT_AUTHORIZED);
        assertThat(perch.connectV3("c2", "nobody", "x")).isEqualTo(V3_NOT_AUTHORIZED);
        assertThat(perch.connectV5("c3", "alice", "public")).isEqualTo(OK);
    }

    @Test
    void aclAllowsAndDeniesPublishAndSubscribe() {
        redis.cli().hset("mqtt_user:alice", "password", "public");
        redis.cli().hset("mqtt_acl:alice", Map.of("sensors/+/temp", "1", "cmd/%c", "2", "shared/%u/#", "3"));
        redis.cli().hset("mqtt_user:bob", "password", "public"); // no rules: acl_nomatch decides
        perch = PerchWithAuth.start(redis, b -> b.allowAnonymous(false).aclNoMatchAllow(true));

        RawClient bob = perch.client(5, "bob-1", "bob", "public");
        assertThat(PerchWithAuth.subscribe(bob, 1, "#")).isEqualTo(1);

        RawClient alice = perch.client(5, "alice-1", "alice", "public");
        assertThat(PerchWithAuth.subscribe(alice, 1, "sensors/+/temp")).isEqualTo(1);
        assertThat(PerchWithAuth.subscribe(alice, 2, "sensors/kitchen/temp")).isEqualTo(1);
        assertThat(PerchWithAuth.subscribe(alice, 3, "sensors/#")).as("wider than the rule").isEqualTo(0x87);
        assertThat(PerchWithAuth.subscribe(alice, 4, "cmd/alice-1")).as("publish only").isEqualTo(0x87);
        assertThat(PerchWithAuth.subscribe(alice, 5, "shared/alice/+/x")).isEqualTo(1);
        assertThat(PerchWithAuth.subscribe(alice, 6, "$share/g/shared/alice/y")).isEqualTo(1);
        assertThat(PerchWithAuth.subscribe(alice, 7, "shared/bob/y")).isEqualTo(0x87);

        // Publishes: a denied QoS 1 publish gets PUBACK 0x87 and reaches nobody.
        alice.publish("sensors/kitchen/temp", 1, "denied", 10);
        MqttMessage ack = alice.expect(MqttMessageType.PUBACK);
        assertThat(RawClient.reasonCode(ack)).isEqualTo(0x87);
        alice.publish("cmd/alice-1", 1, "allowed", 11);
        ack = alice.expect(MqttMessageType.PUBACK);
        assertThat(RawClient.reasonCode(ack)).isEqualTo(0);
        assertThat(RawClient.text(bob.expectPublish())).isEqualTo("allowed");

        // Bob has no rules: Redis says nothing and acl_nomatch = allow lets him.
        bob.publish("anything/at/all", 1, "bob's", 12);
        assertThat(RawClient.reasonCode(puback(bob))).isEqualTo(0);

        // MQTT 3.1.1: a refused subscription is 0x80.
        RawClient alice3 = perch.client(3, "alice-3", "alice", "public");
        assertThat(PerchWithAuth.subscribe(alice3, 1, "secret/#")).isEqualTo(0x80);
        assertThat(PerchWithAuth.subscribe(alice3, 2, "sensors/hall/temp")).isEqualTo(1);
    }

    @Test
    void aSuperuserSkipsTheAcl() {
        redis.cli().hset("mqtt_user:admin", Map.of("password", "public", "is_superuser", "1"));
        redis.cli().hset("mqtt_acl:admin", "nothing/here", "3"); // would deny everything else
        redis.cli().hset("mqtt_user:alice", Map.of("password", "public", "is_superuser", "0"));
        redis.cli().hset("mqtt_acl:alice", "nothing/here", "3");
        perch = PerchWithAuth.start(redis, b -> b.allowAnonymous(false).aclNoMatchAllow(false));

        RawClient admin = perch.client(5, "admin-1", "admin", "public");
        assertThat(PerchWithAuth.subscribe(admin, 1, "#")).isEqualTo(1);
        admin.publish("any/topic", 1, "x", 2);
        assertThat(RawClient.reasonCode(puback(admin))).isEqualTo(0);

        RawClient alice = perch.client(5, "alice-1", "alice", "public");
        assertThat(PerchWithAuth.subscribe(alice, 1, "#")).isEqualTo(0x87);
    }

    @Test
    void emqx5FieldNamesAreRead() {
        // EMQX 5's documented layout: one hash with password_hash, salt and is_superuser.
        redis.cli().hset("mqtt_user:root", Map.of("password_hash",
                "a5a72f1edf5dcc152e04572ae63b199a01961fa97c1059ccd3238290425e56e4", "salt", "salt123",
                "is_superuser", "true"));
        redis.cli().hset("mqtt_user:eve", Map.of("password_hash",
                "a5a72f1edf5dcc152e04572ae63b199a01961fa97c1059ccd3238290425e56e4", "salt", "salt123"));
        redis.cli().hset("mqtt_acl:eve", "eve/#", "all");
        perch = PerchWithAuth.start(redis, b -> b.allowAnonymous(false).aclNoMatchAllow(false),
                "auth.redis.auth_cmd = HMGET mqtt_user:%u is_superuser salt password_hash",
                "auth.redis.password_hash = salt,sha256", "auth.redis.super_cmd =");

        assertThat(perch.connectV5("r0", "root", "nope")).isEqualTo(V5_BAD_CREDENTIALS);
        RawClient root = perch.client(5, "r1", "root", "public");
        assertThat(PerchWithAuth.subscribe(root, 1, "$SYS/#")).isEqualTo(1);
        RawClient eve = perch.client(5, "e1", "eve", "public");
        assertThat(PerchWithAuth.subscribe(eve, 1, "eve/+")).isEqualTo(1);
        assertThat(PerchWithAuth.subscribe(eve, 2, "root/+")).isEqualTo(0x87);
    }

    @Test
    void getAndHgetCommandsWork() {
        redis.cli().set("pw:alice", "public");
        perch = PerchWithAuth.start(redis, b -> b.allowAnonymous(false), "auth.redis.auth_cmd = GET pw:%u",
                "auth.redis.super_cmd = HGET mqtt_user:%u is_superuser");
        assertThat(perch.connectV5("c1", "alice", "public")).isEqualTo(OK);
        assertThat(perch.connectV5("c2", "alice", "x")).isEqualTo(V5_BAD_CREDENTIALS);
        perch.close();
        redis.cli().hset("mqtt_user:alice", "password", "public");
        perch = PerchWithAuth.start(redis, b -> b.allowAnonymous(false),
                "auth.redis.auth_cmd = HGET mqtt_user:%u password");
        assertThat(perch.connectV5("c1", "alice", "public")).isEqualTo(OK);
        assertThat(perch.connectV3("c2", "alice", "x")).isEqualTo(V3_BAD_CREDENTIALS);
    }

    /** The next PUBACK, past the client's own messages coming back to it. */
    static MqttMessage puback(RawClient c) {
        for (MqttMessage m = c.next(); ; m = c.next()) {
            if (m.fixedHeader().messageType() == MqttMessageType.PUBACK) {
                return m;
            }
            assertThat(m.fixedHeader().messageType()).isEqualTo(MqttMessageType.PUBLISH);
        }
    }

    /** A SCRAM-SHA-256 verifier in the hash field: MQTT 5 enhanced authentication, and plain passwords too. */
    @Test
    void aScramVerifierInRedisServesEnhancedAuthenticationAndPlainPasswords() throws Exception {
        redis.cli().hset("mqtt_user:alice", Map.of("password_hash", io.perch.auth.scram.ScramVerifier.of(
                "pass word".getBytes(java.nio.charset.StandardCharsets.UTF_8), 4096).format()));
        perch = PerchWithAuth.start(redis, b -> b.allowAnonymous(false),
                "auth.redis.auth_cmd = HMGET mqtt_user:%u password_hash", "auth.redis.password_hash = sha256");
        assertThat(io.perch.auth.testkit.ScramClient.connect(perch.open(), "alice", "alice", "pass word")
                .variableHeader().connectReturnCode().byteValue()).isZero();
        assertThat(io.perch.auth.testkit.ScramClient.connect(perch.open(), "alice", null, "wrong")
                .variableHeader().connectReturnCode().byteValue() & 0xff).isEqualTo(V5_NOT_AUTHORIZED);
        assertThat(perch.connectV5("plain", "alice", "pass word")).isEqualTo(OK);
        assertThat(perch.connectV3("plain3", "alice", "pass")).isEqualTo(V3_BAD_CREDENTIALS);
    }
}
