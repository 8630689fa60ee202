package io.perch.auth;

import io.perch.auth.testkit.AuthBroker;
import io.perch.broker.plugin.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Bad authentication config stops start-up naming the file, the line and the fix. */
class AuthConfigTest {
    @TempDir
    Path home;

    private static AuthPlugin configured(String... lines) {
        AuthPlugin p = new AuthPlugin();
        p.configure(AuthBroker.entries(List.of(lines)));
        return p;
    }

    @Test
    void nothingConfiguredLeavesThePluginOff() {
        assertThat(configured().enabled()).isFalse();
        assertThat(configured("auth.file.password_file = ").enabled()).isFalse();
        assertThat(configured("auth.file.password_file = etc/passwd").chain()).containsExactly("file");
    }

    @Test
    void unknownKeysAndValuesNameTheLine() {
        assertThatThrownBy(() -> configured("auth.file.password_file = p", "auth.fil.acl = x"))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("test.conf:2: auth.fil.acl = x: unknown key")
                .hasMessageContaining("auth.file.");
        assertThatThrownBy(() -> configured("auth.file.pasword_file = p"))
                .hasMessageContaining("auth.file.password_file");
        assertThatThrownBy(() -> configured("acl_file = a", "acl_file.format = erlang"))
                .hasMessageContaining("expected emqx").hasMessageContaining("test.conf:2");
        assertThatThrownBy(() -> configured("acl_cache_ttl = soon")).hasMessageContaining("duration");
    }

    @Test
    void theChainNamesKnownConfiguredSourcesOnce() {
        assertThatThrownBy(() -> configured("auth.file.password_file = p", "auth.chain = file, ldap"))
                .hasMessageContaining("unknown source 'ldap'");
        assertThatThrownBy(() -> configured("auth.chain = file"))
                .hasMessageContaining("listed but not configured");
        assertThatThrownBy(() -> configured("auth.file.password_file = p", "auth.chain = file, file"))
                .hasMessageContaining("listed twice");
    }

    @Test
    void aMissingOrBrokenFileStopsStartWithItsLine() throws Exception {
        assertThatThrownBy(() -> AuthBroker.start(home, b -> { }, "auth.file.password_file = etc/none"))
                .rootCause().isInstanceOf(ConfigException.class)
                .hasMessageContaining("test.conf:1: auth.file.password_file = etc/none").hasMessageContaining("cannot be read");
        Files.createDirectories(home.resolve("etc"));
        Files.writeString(home.resolve("etc/acl.conf"), "{allow, all}.\n{allow, nobody, publish, [\"t\"]}.\n");
        assertThatThrownBy(() -> AuthBroker.start(home, b -> { }, "acl_file = etc/acl.conf"))
                .rootCause().hasMessageContaining("acl.conf:2").hasMessageContaining("who is all");
    }

    /** perch check: the files each source names are read, nothing is started. */
    @Test
    void checkReadsEverySourcesFilesWithoutStartingAnything() throws Exception {
        AuthPlugin ok = configured("auth.file.password_file = etc/passwd", "acl_file = etc/acl.conf");
        Files.createDirectories(home.resolve("etc"));
        io.perch.auth.file.PasswordFile.empty().with("a", io.perch.auth.file.MosquittoHash.hash7(new byte[]{1}, 10))
                .write(home.resolve("etc/passwd"));
        Files.writeString(home.resolve("etc/acl.conf"), "{allow, all}.\n");
        ok.check(home);

        Files.writeString(home.resolve("etc/acl.conf"), "{allow, all}.\n{allow, all, read, [\"t\"]}.\n");
        assertThatThrownBy(() -> ok.check(home)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("test.conf:2: acl_file = etc/acl.conf: ").hasMessageContaining("acl.conf:2");
        AuthPlugin missing = configured("auth.file.password_file = etc/none");
        assertThatThrownBy(() -> missing.check(home)).hasMessageContaining("test.conf:1")
                .hasMessageContaining("no such file");
        AuthPlugin jwt = configured("auth.jwt.pubkey = etc/none.pem");
        assertThatThrownBy(() -> jwt.check(home)).hasMessageContaining("test.conf:1")
                .hasMessageContaining("cannot read a public key");
    }
}
