package io.perch.auth.redis;

import io.perch.broker.testkit.TestCertificates;
import io.perch.redis.testkit.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code auth.redis.ssl = on}: the source reaches Redis only over its TLS port, trusting it
 * through {@code ssl.cacertfile}. Needs openssl and a redis-server built with TLS (Debian's is),
 * as perch-redis's RedisTlsTest does; skipped without them.
 */
class RedisAuthTlsTest {
    @TempDir
    static Path dir;
    static Path cert;
    static Path key;

    TestRedis redis;
    PerchWithAuth perch;

    @BeforeAll
    static void certificate() throws Exception {
        assumeTrue(TestCertificates.opensslOnPath(), "openssl not installed");
        cert = dir.resolve("redis.pem");
        key = dir.resolve("redis.key");
        TestCertificates.selfSigned(cert, key, "localhost");
    }

    @AfterEach
    void stop() {
        try {
            if (perch != null) {
                perch.close();
            }
        } finally {
            if (redis != null) {
                redis.close();
            }
        }
    }

    @Test
    void authenticatesOverTls() throws Exception {
        int tlsPort = TestRedis.freePort();
        try {
            redis = TestRedis.start("--tls-port", Integer.toString(tlsPort), "--tls-cert-file", cert.toString(),
                    "--tls-key-file", key.toString(), "--tls-ca-cert-file", cert.toString(),
                    "--tls-auth-clients", "no");
        } catch (UncheckedIOException e) {
            assumeTrue(false, "the redis-server found has no TLS support: " + e.getMessage());
        }
        redis.cli().hset("mqtt_user:alice", "password", "public"); // through the plain port
        perch = PerchWithAuth.start(PerchWithAuth.emqx4("127.0.0.1:" + tlsPort, "auth.redis.ssl = on",
                "auth.redis.ssl.cacertfile = " + cert, "auth.redis.ssl.verify = true"), b -> b.allowAnonymous(false));

        assertThat(perch.connectV5("c1", "alice", "public")).isZero();
        assertThat(perch.connectV5("c2", "alice", "wrong")).isEqualTo(RedisAuthTest.V5_BAD_CREDENTIALS);
        assertThat(perch.counter("perch.auth.redis.errors")).isZero();
    }
}
