package io.perch.auth.acl;

import io.netty.handler.codec.mqtt.MqttMessageType;
import io.perch.auth.testkit.AuthBroker;
import io.perch.auth.testkit.Connacks;
import io.perch.broker.testkit.Inbox;
import io.perch.broker.testkit.RawClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * ACL files through a real broker: a denied publish gets PUBACK 0x87 (v5) and reaches no one, a
 * denied subscribe SUBACK 0x87 (v5) / 0x80 (v3), acl_nomatch decides what no rule speaks of,
 * acl_deny_action = disconnect ends the connection, and a reloaded file drops cached decisions.
 */
class AclFileBrokerTest {
    @TempDir
    Path home;
    private AuthBroker broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private void acl(String text) throws Exception {
        Files.createDirectories(home.resolve("etc"));
        Files.writeString(home.resolve("etc/acl.conf"), text);
    }

    private RawClient connected(boolean v5, String id, String user) {
        RawClient c = broker.client();
        assertThat(Connacks.connect(c, v5, id, user, null)).isZero();
        return c;
    }

    @Test
    void deniedPublishesAndSubscribesGetNotAuthorizedAndReachNoOne() throws Exception {
        acl("{allow, all, publish, [\"devices/%u/#\"]}.\n"
                + "{allow, all, subscribe, [\"devices/#\"]}.\n"
                + "{deny, all}.\n");
        broker = AuthBroker.start(home, b -> { }, "acl_file = etc/acl.conf");
        RawClient sub = connected(true, "watcher", "watcher");
        assertThat(Connacks.subscribe(sub, "devices/#")).isEqualTo(1);
        assertThat(Connacks.subscribe(sub, "other/#")).isEqualTo(0x87);
        RawClient v3 = connected(false, "old", "old");
        assertThat(Connacks.subscribe(v3, "other/#")).isEqualTo(0x80);

        RawClient alice = connected(true, "alice-1", "alice");
        alice.publish("devices/bob/cmd", 1, "spoofed", 1);
        assertThat(RawClient.reasonCode(alice.expect(MqttMessageType.PUBACK))).isEqualTo(0x87);
        alice.publish("devices/alice/state", 1, "mine", 2);
        assertThat(RawClient.reasonCode(alice.expect(MqttMessageType.PUBACK))).isZero();
        assertThat(RawClient.text(sub.expectPublish())).isEqualTo("mine");
        assertThat(sub.ping()).as("the spoofed message reached no one").isEmpty();
        assertThat(broker.count("perch.acl.checks", "file", "deny")).isGreaterThanOrEqualTo(3);
    }

    @Test
    void whatNoRuleSpeaksOfIsLeftToAclNomatch() throws Exception {
        acl("{allow, all, subscribe, [\"open/#\"]}.\n");
        broker = AuthBroker.start(home, b -> b.aclNoMatchAllow(false), "acl_file = etc/acl.conf");
        RawClient c = connected(true, "c", "u");
        assertThat(Connacks.subscribe(c, "open/x")).isEqualTo(1);
        assertThat(Connacks.subscribe(c, "closed/x")).isEqualTo(0x87);
    }

    @Test
    void aclDenyActionDisconnectEndsTheConnection() throws Exception {
        acl("{deny, all, publish, [\"forbidden/#\"]}.\n{allow, all}.\n");
        broker = AuthBroker.start(home, b -> b.aclDenyDisconnect(true), "acl_file = etc/acl.conf");
        RawClient c = connected(true, "c", "u");
        c.publish("allowed/t", 1, "ok", 1);
        assertThat(RawClient.reasonCode(c.expect(MqttMessageType.PUBACK))).as("no matching subscribers").isEqualTo(0x10);
        c.publish("forbidden/t", 1, "no", 2);
        assertThat(RawClient.reasonCode(c.expect(MqttMessageType.DISCONNECT))).isEqualTo(0x87);
        assertThat(c.awaitClosed(Inbox.WAIT)).isTrue();
    }

    @Test
    void aReloadedFileDropsCachedDecisions() throws Exception {
        acl("{deny, all, subscribe, [\"t/#\"]}.\n{allow, all}.\n");
        broker = AuthBroker.start(home, b -> { }, "acl_file = etc/acl.conf", "auth.file.reload_interval = 100ms");
        RawClient c = connected(true, "c", "u");
        assertThat(Connacks.subscribe(c, "t/1")).isEqualTo(0x87);
        assertThat(Connacks.subscribe(c, "t/1")).as("cached").isEqualTo(0x87);
        assertThat(broker.count("perch.acl.checks", "cache", "hit")).isEqualTo(1);
        acl("{allow, all}.\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> Connacks.subscribe(c, "t/1") == 1);
    }

    @Test
    void theMosquittoFormIsChosenByKey() throws Exception {
        acl("user alice\ntopic readwrite home/alice/#\npattern read shared/%u\n");
        broker = AuthBroker.start(home, b -> b.aclNoMatchAllow(false), "acl_file = etc/acl.conf",
                "acl_file.format = mosquitto");
        RawClient alice = connected(true, "a", "alice");
        assertThat(Connacks.subscribe(alice, "home/alice/#")).isEqualTo(1);
        assertThat(Connacks.subscribe(alice, "shared/alice")).isEqualTo(1);
        assertThat(Connacks.subscribe(alice, "home/bob/#")).isEqualTo(0x87);
    }
}
