package io.perch.auth.redis;

import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every {@code password_hash} mode against vectors computed elsewhere (coreutils' md5sum, sha*sum,
 * OpenSSL's PBKDF2, RFC 6070, OpenBSD's bcrypt test vectors), for password "public", salt "salt123".
 */
class PasswordHashTest {
    static PasswordHash hash(String mode) {
        return PasswordHash.parse(new ConfigEntry("auth.redis.password_hash", mode, "test.conf", 1));
    }

    static byte[] pw(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @CsvSource({
        "plain, public",
        "md5, 4c9184f37cff01bcdc32dc486ec36961",
        "sha, 61c9b2b17db77a27841bbeeabff923448b0f6388",
        "sha256, efa1f375d76194fa51a3556a97e641e61685f914d446979da50a551a4333ffd7",
        "sha512, d32997e9747b65a3ecf65b82533a4c843c4e16dd30cf371e8c81ab60a341de00051da422d41ff29c55695f233a1e06fac8b79aeb0a4d91ae5d3d18c8e09b8c73",
        "'salt,md5', b84fbb3f92bba74026ce3175e0f84ca6",
        "'md5,salt', d4c3cada554e53659c7430932d41b7df",
        "'salt,sha', 8257501b1a2a03f7c185461766763f3b8205861f",
        "'sha,salt', c4b1d3c113afe8e01c9dfaefd21ae38a43fdb543",
        "'salt,sha256', a5a72f1edf5dcc152e04572ae63b199a01961fa97c1059ccd3238290425e56e4",
        "'sha256,salt', 888c165e70c92b9ef29a603edf953993dff2c10765fe8f6380c777cd08e1149e",
        "'salt,sha512', ab9a75ecca9a487365b7155c758ed65b6d22bd0fda0f5e0408bdcbb298c99d167fe2cd887ec626978331c01d2a9ed3c9024dab91bc9809d22c2fe882517443b4",
        "'sha512,salt', 331de73b7584229ebc73d667ae58b069238a42db136b462418f3efc5ff4a6904739377322690f027491b09474a4a87f0261c9ccbef0956b17778a64ba33a4d67",
        "'pbkdf2,sha256,1000,20', 90ff801417f94f56481ef284f28c120c8fab57c5",
    })
    void acceptsTheRightPasswordAndRefusesAWrongOne(String mode, String stored) {
        PasswordHash h = hash(mode);
        assertThat(h.check(stored, "salt123", pw("public"))).as(mode).isTrue();
        assertThat(h.check(stored.toUpperCase(), "salt123", pw("public"))).as(mode + " upper case")
                .isEqualTo(!mode.equals("plain"));
        assertThat(h.check(stored, "salt123", pw("publiC"))).as(mode + " wrong password").isFalse();
        assertThat(h.check(stored, "salt123", null)).as(mode + " no password").isFalse();
        if (mode.contains("salt") || mode.startsWith("pbkdf2")) {
            assertThat(h.check(stored, "salt124", pw("public"))).as(mode + " other salt").isFalse();
        }
    }

    @Test
    void pbkdf2MatchesRfc6070() {
        PasswordHash h = hash("pbkdf2,sha,4096,20");
        assertThat(h.check("4b007901b765489abead49d926f721d065a429c1", "salt", pw("password"))).isTrue();
        assertThat(hash("pbkdf2,sha,2,20").check("ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957", "salt", pw("password")))
                .isTrue();
        // A derived key longer than one HMAC block (RFC 6070's 25-byte case).
        assertThat(hash("pbkdf2,sha,4096,25").check("3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038", "saltSALTsaltSALTsaltSALTsaltSALTsalt",
                pw("passwordPASSWORDpassword"))).isTrue();
        assertThat(h.check("4b007901b765489abead49d926f721d065a429c1", "salt", pw("Password"))).isFalse();
    }

    @Test
    void bcryptVerifiesEveryVersionPrefix() {
        // OpenBSD / Openwall bcrypt test vector: "U*U" at cost 5.
        String stored = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
        PasswordHash h = hash("bcrypt");
        for (String version : new String[] {"$2a$", "$2b$", "$2y$"}) {
            String s = version + stored.substring(4);
            assertThat(h.check(s, null, pw("U*U"))).as(version).isTrue();
            assertThat(h.check(s, null, pw("U*V"))).as(version + " wrong").isFalse();
        }
        // EMQ X's salt,bcrypt with the salt stored apart from the rest.
        PasswordHash salted = hash("salt,bcrypt");
        assertThat(salted.check(stored, stored.substring(0, 29), pw("U*U"))).isTrue();
        assertThat(salted.check(stored.substring(29), stored.substring(0, 29), pw("U*U"))).isTrue();
        assertThat(salted.check(stored.substring(29), stored.substring(0, 29), pw("U*V"))).isFalse();
        // Not a bcrypt string: refused, not thrown.
        assertThat(h.check("public", null, pw("public"))).isFalse();
    }

    @Test
    void badModesNameTheLineAndTheFix() {
        for (String bad : new String[] {"sha1", "salt,salt", "pbkdf2", "pbkdf2,md4,1000,20", "pbkdf2,sha256,0,20",
                "bcrypt,salt", "md5,sha"}) {
            assertThatThrownBy(() -> hash(bad)).as(bad).isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("test.conf:1: auth.redis.password_hash = " + bad + ": ");
        }
        assertThat(hash(" Salt , SHA256 ").toString()).isEqualTo("salt,sha256");
    }
}
