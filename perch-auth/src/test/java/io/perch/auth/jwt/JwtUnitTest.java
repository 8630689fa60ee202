package io.perch.auth.jwt;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import io.perch.auth.spi.AuthOutcome;
import io.perch.broker.hook.event.AclCheckEvent;
import io.perch.broker.hook.event.ClientInfo;
import io.perch.broker.plugin.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Map;

import static io.perch.broker.hook.event.AclCheckEvent.Action.PUBLISH;
import static io.perch.broker.hook.event.AclCheckEvent.Action.SUBSCRIBE;
import static io.perch.broker.hook.event.AclCheckEvent.Decision.ALLOW;
import static io.perch.broker.hook.event.AclCheckEvent.Decision.DENY;
import static io.perch.broker.hook.event.AclCheckEvent.Decision.IGNORE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The JWT source's config checks, key files, ACL matching and ACL expiry, without a broker. */
class JwtUnitTest {
    @TempDir
    Path dir;

    private static ClientInfo client(String id, String user) {
        return new ClientInfo(id, user, "127.0.0.1", 40000, 5, true, 30, 1000L, "n", "tcp:external");
    }

    private static JwtKind.Settings configured(String... lines) {
        return ((JwtSources) new JwtKind().configure(Tokens.conf(lines))).settings();
    }

    @Test
    void configMistakesNameTheLineAndTheFix() {
        assertThat(new JwtKind().configure(List.of())).isNull();
        assertThatThrownBy(() -> configured("auth.jwt.secret = short-s3cret"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("test.conf:1")
                .hasMessageContaining("at least 32 bytes").hasMessageNotContaining("short-s3cret");
        assertThatThrownBy(() -> configured("auth.jwt.jwks = https://idp.example/jwks"))
                .hasMessageContaining("test.conf:1").hasMessageContaining("only a local JWK set file");
        assertThatThrownBy(() -> configured("auth.jwt.secret = " + Tokens.SECRET, "auth.jwt.frm = password"))
                .hasMessageContaining("test.conf:2").hasMessageContaining("unknown key");
        assertThatThrownBy(() -> configured("auth.jwt.from = password"))
                .hasMessageContaining("test.conf:1").hasMessageContaining("auth.jwt.secret, auth.jwt.pubkey or auth.jwt.jwks");
        assertThatThrownBy(() -> configured("auth.jwt.secret = " + Tokens.SECRET, "auth.jwt.from = header"))
                .hasMessageContaining("test.conf:2").hasMessageContaining("password or username");
        assertThatThrownBy(() -> configured("auth.jwt.secret = " + Tokens.SECRET, "auth.jwt.verify_claims = on"))
                .hasMessageContaining("test.conf:2").hasMessageContaining("no claims to verify");
        JwtKind.Settings s = configured("auth.jwt.pubkey = k.pem", "auth.jwt.from = username",
                "auth.jwt.verify_claims = on", "auth.jwt.verify_claims.sub = %u", "auth.jwt.acl_claim_name = rules");
        assertThat(s.fromUsername()).isTrue();
        assertThat(s.claims()).isEqualTo(Map.of("sub", "%u"));
        assertThat(s.aclClaim()).isEqualTo("rules");
    }

    @Test
    void theShippedExampleFileDocumentsEveryKeyAndItsValuesAreAccepted() throws Exception {
        // Surefire runs in the module directory; the repository root is its parent.
        List<String> lines = Files.readAllLines(Path.of("..", "etc", "plugins", "emqx_auth_jwt.conf"));
        assertThat(lines).noneMatch(l -> l.startsWith("auth."));
        List<String> keys = lines.stream().filter(l -> l.startsWith("# auth.jwt.")).map(l -> l.substring(2)).toList();
        assertThat(keys.stream().map(l -> l.substring(0, l.indexOf(" = ")))).containsExactlyInAnyOrder(
                "auth.jwt.secret", "auth.jwt.pubkey", "auth.jwt.jwks", "auth.jwt.jwks.refresh_interval",
                "auth.jwt.from", "auth.jwt.verify_claims", "auth.jwt.verify_claims.username", "auth.jwt.acl_claim_name");
        JwtKind.Settings s = configured(keys.toArray(String[]::new));
        assertThat(s.fromUsername()).isFalse();
        assertThat(s.aclClaim()).isEqualTo("acl");
    }

    @Test
    void pemFilesWithAnEcKeyAndFilesWithout() throws Exception {
        KeyPair ec = Tokens.ec();
        JwtKeys.Key k = JwtKeys.pem(Tokens.pem(dir.resolve("ec.pem"), ec.getPublic()));
        assertThat(k.fits(new JWSHeader(JWSAlgorithm.ES256))).isTrue();
        assertThat(k.fits(new JWSHeader(JWSAlgorithm.RS256))).isFalse();
        Path junk = Files.writeString(dir.resolve("junk.pem"), "hello");
        assertThatThrownBy(() -> JwtKeys.pem(junk)).hasMessageContaining("BEGIN PUBLIC KEY");
    }

    @Test
    void subscriptionFiltersMustBeCoveredByARule() {
        assertThat(JwtAcl.covers("t/#", "t/+")).isTrue();
        assertThat(JwtAcl.covers("t/#", "t")).isTrue();
        assertThat(JwtAcl.covers("t/+", "t/1")).isTrue();
        assertThat(JwtAcl.covers("t/+", "t/+")).isTrue();
        assertThat(JwtAcl.covers("t/+", "t/#")).isFalse();
        assertThat(JwtAcl.covers("t/1", "t/+")).isFalse();
        assertThat(JwtAcl.covers("t/+", "t/1/2")).isFalse();
        assertThat(JwtAcl.covers("#", "$SYS/x")).isFalse();
        ClientInfo c = client("c1", "u1");
        JwtAcl acl = JwtAcl.parse(Map.of("sub", List.of("eq t/#", "s/%c/+"), "pub", List.of("p/%u")));
        assertThat(acl.allows(c, SUBSCRIBE, "t/#")).isTrue();
        assertThat(acl.allows(c, SUBSCRIBE, "t/1")).isFalse();
        assertThat(acl.allows(c, SUBSCRIBE, "$share/g/s/c1/x")).isTrue();
        assertThat(acl.allows(c, PUBLISH, "p/u1")).isTrue();
        assertThat(acl.allows(client("c1", null), PUBLISH, "p/")).isFalse();
        assertThatThrownBy(() -> JwtAcl.parse(Map.of("pub", "t/1"))).hasMessageContaining("'pub' is not a list");
        assertThatThrownBy(() -> JwtAcl.parse(List.of("t/1"))).hasMessageContaining("not an object");
    }

    /** A clock the test moves. */
    private static final class Moving extends Clock {
        Instant now = Instant.now();

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private JwtSource source(Moving clock, String... more) throws Exception {
        String[] lines = new String[more.length + 1];
        lines[0] = "auth.jwt.secret = " + Tokens.SECRET;
        System.arraycopy(more, 0, lines, 1, more.length);
        JwtKeys keys = new JwtKeys(List.of(JwtKeys.secret(Tokens.SECRET.getBytes(StandardCharsets.UTF_8))));
        return new JwtSource(configured(lines), () -> keys, clock);
    }

    private static AuthOutcome auth(JwtSource s, ClientInfo c, String password) {
        return s.authenticate(c, password == null ? null : password.getBytes(StandardCharsets.UTF_8))
                .toCompletableFuture().join();
    }

    private static AclCheckEvent.Decision check(JwtSource s, ClientInfo c, AclCheckEvent.Action a, String topic) {
        return s.check(c, a, topic).toCompletableFuture().join();
    }

    @Test
    void theTokensAclStopsAllowingAtExp() throws Exception {
        Moving clock = new Moving();
        JwtSource s = source(clock);
        ClientInfo c = client("c1", "u1");
        String token = Tokens.hmac(JWSAlgorithm.HS256, Tokens.SECRET, Tokens.claims("u1", b -> b
                .expirationTime(Date.from(clock.now.plusSeconds(60)))
                .claim("acl", Tokens.acl(List.of("t/1"), List.of(), List.of()))));
        assertThat(auth(s, c, token)).isEqualTo(AuthOutcome.ALLOW);
        assertThat(check(s, c, PUBLISH, "t/1")).isEqualTo(ALLOW);
        assertThat(check(s, c, PUBLISH, "t/2")).isEqualTo(DENY);
        clock.now = clock.now.plusSeconds(61);
        assertThat(check(s, c, PUBLISH, "t/1")).isEqualTo(DENY);
        // A connected client keeps its expired grant through the sweep; a vanished one loses it.
        clock.now = clock.now.plus(Duration.ofMinutes(5));
        s.sweep(Duration.ofMinutes(1), x -> true);
        assertThat(s.grants()).isEqualTo(1);
        s.sweep(Duration.ofMinutes(1), x -> false);
        assertThat(s.grants()).isZero();
    }

    @Test
    void grantsBelongToOneConnection() throws Exception {
        Moving clock = new Moving();
        JwtSource s = source(clock);
        ClientInfo first = client("c1", "u1");
        ClientInfo second = new ClientInfo("c1", "u1", "127.0.0.1", 40001, 5, true, 30, 2000L, "n", "tcp:external");
        String token = Tokens.hmac(JWSAlgorithm.HS256, Tokens.SECRET, Tokens.claims("u1", b -> b
                .claim("acl", Tokens.acl(List.of("t/1"), List.of(), List.of()))));
        assertThat(auth(s, first, token)).isEqualTo(AuthOutcome.ALLOW);
        // A stranger with a plain password (left to other sources) does not lift the first's ACL ...
        assertThat(auth(s, second, "guess")).isEqualTo(AuthOutcome.IGNORE);
        assertThat(check(s, first, PUBLISH, "t/2")).isEqualTo(DENY);
        // ... and gets no rights from it: another connection's grant denies.
        assertThat(check(s, second, PUBLISH, "t/1")).isEqualTo(DENY);
        // The first's end clears it; an older connection's end does not clear a newer one's grant.
        s.forget(first);
        assertThat(check(s, second, PUBLISH, "t/2")).isEqualTo(IGNORE);
        assertThat(auth(s, second, token)).isEqualTo(AuthOutcome.ALLOW);
        s.forget(first);
        assertThat(check(s, second, PUBLISH, "t/2")).isEqualTo(DENY);
    }

    @Test
    void tokensInTheUsernameAndSuperusers() throws Exception {
        Moving clock = new Moving();
        JwtSource s = source(clock, "auth.jwt.from = username");
        String su = Tokens.hmac(JWSAlgorithm.HS384, Tokens.SECRET, Tokens.claims("x", b -> b.claim("superuser", true)));
        assertThat(auth(s, client("c1", su), null)).isEqualTo(AuthOutcome.SUPERUSER);
        assertThat(auth(s, client("c2", "plain-user"), null)).isEqualTo(AuthOutcome.IGNORE);
        assertThat(auth(s, client("c3", null), null)).isEqualTo(AuthOutcome.IGNORE);
    }
}
