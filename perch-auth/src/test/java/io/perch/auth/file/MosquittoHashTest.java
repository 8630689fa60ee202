package io.perch.auth.file;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Mosquitto's hashes: vectors computed with Python's hashlib (an implementation independent of
 * this one), and a file written by the real {@code mosquitto_passwd} when the machine has it
 * (CI installs Debian's mosquitto).
 */
class MosquittoHashTest {
    private static final byte[] SECRET = "s3cret".getBytes(StandardCharsets.UTF_8);

    private static boolean verify(String stored, String password) {
        return MosquittoHash.verify(MosquittoHash.parse(stored), password.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void sha512OfPasswordThenSaltAsMosquitto1Wrote() {
        String h = "$6$AQIDBAUGBwgJCgsM$e8/aNIeaTyc6CrkSJKbo7jcSqNlKIlzEPjf64chVGkSQ4ppsIPCm6n52W7eTDupzTVqMbTt+SK1PiiGJHFSXLg==";
        assertThat(verify(h, "s3cret")).isTrue();
        assertThat(verify(h, "s3cret ")).isFalse();
    }

    @Test
    void pbkdf2Sha512AsMosquitto2Writes() {
        assertThat(verify("$7$101$AQIDBAUGBwgJCgsM$aCEKvNoOzF06GpZeRhXXQXMZnXqEIjUv1b+nwfFiI1pBuXvz/RYBJD1J15uwh3wOSnhn4MXJ8fXJA6S+nw+z1A==",
                "s3cret")).isTrue();
        assertThat(verify("$7$1000$AQIDBAUGBwgJCgsM$PD/sEe2rT2wMi6ZDq8AMw37jmaWSdIjWc60I1P7tMFmrDcNpaADWPLi0hQOzCFXgzIsrlp6/wUIqcJcfuOVLJA==",
                "pässwörd")).isTrue();
        assertThat(verify("$7$1000$AQIDBAUGBwgJCgsM$PD/sEe2rT2wMi6ZDq8AMw37jmaWSdIjWc60I1P7tMFmrDcNpaADWPLi0hQOzCFXgzIsrlp6/wUIqcJcfuOVLJA==",
                "passwords")).isFalse();
    }

    @Test
    void anEmptyPasswordHashesAsHmacWithAZeroKey() {
        assertThat(verify("$7$101$AQIDBAUGBwgJCgsM$0nQUMj2QLzi3F9cnqUT9eQnLQacCIBA5kHUW/0QTjLk8eRHXrjwR4cbTg8AtMrLMTaEnp1lDDc5PP8FM5XBSsA==",
                "")).isTrue();
    }

    @Test
    void aNewHashVerifiesAndIsSaltedAfresh() {
        String a = MosquittoHash.hash7(SECRET, 50);
        String b = MosquittoHash.hash7(SECRET, 50);
        assertThat(a).startsWith("$7$50$").isNotEqualTo(b);
        assertThat(verify(a, "s3cret")).isTrue();
        assertThat(verify(a, "other")).isFalse();
    }

    @Test
    void whatIsNotAHashSaysSoWithoutEchoingIt() {
        assertThatThrownBy(() -> MosquittoHash.parse("plaintext-password"))
                .hasMessageContaining("mosquitto_passwd -U").hasMessageNotContaining("plaintext-password");
        assertThatThrownBy(() -> MosquittoHash.parse("$7$x$AQID$AQID")).hasMessageContaining("iteration");
        assertThatThrownBy(() -> MosquittoHash.parse("$argon2id$v=19$m=65536$x$y")).hasMessageContaining("argon2id");
    }

    @Test
    void aFileWrittenByMosquittoPasswdIsReadUnchanged(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/mosquitto_passwd")), "mosquitto_passwd is not installed");
        Path file = dir.resolve("passwd");
        for (String[] up : List.of(new String[]{"alice", "wonder land"}, new String[]{"bob", "b0b"})) {
            Process p = new ProcessBuilder(List.of("/usr/bin/mosquitto_passwd", "-b", file.toString(), up[0], up[1]))
                    .redirectErrorStream(true).start();
            if (!Files.exists(file)) {
                p.waitFor(10, TimeUnit.SECONDS);
                p = new ProcessBuilder(List.of("/usr/bin/mosquitto_passwd", "-c", "-b", file.toString(), up[0], up[1]))
                        .redirectErrorStream(true).start();
            }
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
        }
        PasswordFile f = PasswordFile.read(file);
        assertThat(f.users()).containsExactly("alice", "bob");
        assertThat(f.credential("alice").verify("wonder land".getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(f.credential("bob").verify("b0b".getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(f.credential("bob").verify("wonder land".getBytes(StandardCharsets.UTF_8))).isFalse();
    }

    @Test
    void aWrittenFileReadsBackAndNamesTheBadLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("passwd");
        PasswordFile.empty().with("alice", MosquittoHash.hash7(SECRET, 10)).with("bob", MosquittoHash.hash7(SECRET, 10))
                .without("alice").write(file);
        assertThat(PasswordFile.read(file).users()).containsExactly("bob");
        Files.writeString(file, "# users\nbob:" + MosquittoHash.hash7(SECRET, 10) + "\n\ncarol:plain\n");
        assertThatThrownBy(() -> PasswordFile.read(file)).hasMessageContaining(file + ":4: user carol")
                .hasMessageNotContaining("plain\n");
    }
}
