package io.perch.auth.file;

import io.perch.auth.testkit.AuthBroker;
import io.perch.auth.testkit.Connacks;
import io.perch.broker.hook.HookPoints;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The password file through a real broker and real sockets: the right password is let in, a
 * wrong or missing one gets "bad username or password" (v5 0x86, v3 4), a user the file does
 * not know is left to allow_anonymous, and the file is reloaded when it changes.
 */
class PasswordFileBrokerTest {
    @TempDir
    Path home;
    private AuthBroker broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private void users(String... userPassword) throws Exception {
        PasswordFile f = PasswordFile.empty();
        for (int i = 0; i < userPassword.length; i += 2) {
            f = f.with(userPassword[i], MosquittoHash.hash7(userPassword[i + 1].getBytes(StandardCharsets.UTF_8), 101));
        }
        f.write(home.resolve("etc/passwd"));
    }

    private void start(boolean allowAnonymous, String... extra) {
        String[] lines = new String[extra.length + 2];
        lines[0] = "auth.file.password_file = etc/passwd";
        lines[1] = "auth.file.reload_interval = 100ms";
        System.arraycopy(extra, 0, lines, 2, extra.length);
        broker = AuthBroker.start(home, b -> b.allowAnonymous(allowAnonymous), lines);
    }

    private int connect(boolean v5, String user, String password) {
        return Connacks.connect(broker.client(), v5, "c-" + user, user, password);
    }

    @Test
    void theRightPasswordIsLetInAndAWrongOneRefused() throws Exception {
        users("alice", "wonder land", "bob", "b0b");
        start(false);
        assertThat(connect(true, "alice", "wonder land")).isZero();
        assertThat(connect(false, "bob", "b0b")).isZero();
        assertThat(connect(true, "alice", "b0b")).as("v5 bad username or password").isEqualTo(0x86);
        assertThat(connect(false, "alice", "wrong")).as("v3 bad username or password").isEqualTo(4);
        assertThat(connect(true, "alice", null)).isEqualTo(0x86);
        assertThat(broker.count("perch.auth.outcomes", "file", "allow")).isEqualTo(2);
        assertThat(broker.count("perch.auth.outcomes", "file", "deny")).isEqualTo(3);
    }

    @Test
    void aUserTheFileDoesNotKnowIsLeftToAllowAnonymous() throws Exception {
        users("alice", "pw");
        start(false);
        assertThat(connect(true, "mallory", "pw")).as("v5 not authorized").isEqualTo(0x87);
        assertThat(connect(false, "mallory", "pw")).as("v3 not authorized").isEqualTo(5);
        assertThat(connect(true, null, null)).isEqualTo(0x87);
        broker.close();
        start(true);
        assertThat(connect(true, "mallory", "pw")).isZero();
        assertThat(connect(true, "alice", "not-pw")).as("a user the file knows is still checked").isEqualTo(0x86);
    }

    @Test
    void aChangedFileIsReloadedAndABrokenOneKeepsThePreviousInForce() throws Exception {
        users("alice", "one");
        start(false);
        assertThat(connect(true, "alice", "one")).isZero();
        users("alice", "two", "carol", "c");
        await().atMost(Duration.ofSeconds(10)).until(() -> connect(true, "carol", "c") == 0);
        assertThat(connect(true, "alice", "one")).isEqualTo(0x86);
        Files.writeString(home.resolve("etc/passwd"), "alice:not-a-hash\n");
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(10))
                .until(() -> connect(true, "alice", "two") == 0);
    }

    @Test
    void aSuperuserSkipsTheAcl() throws Exception {
        users("root", "r", "alice", "a");
        Files.writeString(home.resolve("etc/acl.conf"), "{deny, all}.\n");
        start(false, "auth.file.superusers = root", "acl_file = etc/acl.conf");
        var root = broker.client();
        assertThat(Connacks.connect(root, true, "r1", "root", "r")).isZero();
        assertThat(Connacks.subscribe(root, "any/#")).isEqualTo(1);
        var alice = broker.client();
        assertThat(Connacks.connect(alice, true, "a1", "alice", "a")).isZero();
        assertThat(Connacks.subscribe(alice, "any/#")).isEqualTo(0x87);
        assertThat(broker.broker.broker().hooks().callbackNames(HookPoints.CLIENT_AUTHENTICATE)).contains("100:auth.chain");
    }
}
