package io.perch.broker.session;

import io.perch.broker.hook.event.ClientInfo;
import io.perch.broker.message.Message;
import io.perch.broker.message.MessageIdGenerator;
import io.perch.broker.message.PublishProperties;
import io.perch.broker.stats.BrokerStats;
import io.perch.broker.testkit.MapPersistence;
import io.perch.broker.testkit.RecordingConnection;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A durable session's outbound QoS 2 PUBLISH waits until its packet id is stored
 * ({@code HeldPublishes}); an acknowledgement that names that id meanwhile cannot be about this
 * message. Taken as one, PUBREC then PUBCOMP completed a message that was never sent: its store
 * writes cancelled out, the held PUBLISH was dropped as stale, and the publisher had its
 * acknowledgement. And a resend queued behind a held PUBLISH must not go after the PUBREL of
 * its message, or the client holds the id again and delivers the message twice.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class AckBeforePublishTest {
    private final MessageIdGenerator ids = new MessageIdGenerator("n@h");
    private final MapPersistence store = new MapPersistence();
    private final RecordingConnection wire = new RecordingConnection(10);
    private Session s;

    @BeforeEach
    void durableSessionWithAConnection() {
        s = new Session("m", ClientInfo.system("m", "n@h"), 8, 20, true, 50, SessionListener.NONE, new BrokerStats(),
                store, new AtomicLong(1_000));
        s.expiryIntervalSeconds(3600);
        s.attach(wire, ClientInfo.system("m", "n@h"));
    }

    private Pending message(String payload, int qos) {
        return Pending.of(new Message(ids.next(), "t", payload.getBytes(), qos, false, "p", null, 0, 0,
                PublishProperties.NONE), qos, false, null);
    }

    @Test
    void aPubrecForAQos2MessageWhosePublishWaitsIsIgnored() {
        CompletableFuture<Void> gate = new CompletableFuture<>();
        store.writeGate = gate;
        s.offer(message("a", 2));
        assertThat(wire.sent).as("held until its packet id is stored").isEmpty();

        assertThat(s.pubrec(1, false)).as("ignored, not unknown: no PUBREL 0x92 either").isTrue();
        s.pubcomp(1);
        assertThat(wire.sent).isEmpty();

        gate.complete(null);
        assertThat(wire.sent).containsExactly("a/1");
        assertThat(s.inflightSize()).isEqualTo(1);
        assertThat(s.pubrec(1, false)).isTrue();
        assertThat(wire.sent).containsExactly("a/1", "rel/1");
    }

    @Test
    void aPubackForAQos1MessageHeldBehindAQos2OneIsIgnored() {
        CompletableFuture<Void> gate = new CompletableFuture<>();
        store.writeGate = gate;
        s.offer(message("a", 2));
        s.offer(message("b", 1));
        s.puback(2);
        assertThat(wire.sent).isEmpty();

        gate.complete(null);
        assertThat(wire.sent).containsExactly("a/1", "b/2");
        assertThat(s.inflightSize()).isEqualTo(2);
    }

    @Test
    void aResendQueuedBehindAHeldPublishDoesNotFollowItsPubrel() {
        s.offer(message("a", 2)); // stored at once: sent
        assertThat(wire.sent).containsExactly("a/1");

        CompletableFuture<Void> gate = new CompletableFuture<>();
        store.writeGate = gate;
        s.offer(message("b", 2)); // held
        s.retry(0); // MQTT 3 resend of a, queued behind b
        assertThat(s.pubrec(1, false)).isTrue(); // the client had a: its PUBREL waits for the released state

        gate.complete(null);
        assertThat(wire.sent).contains("b/2", "rel/1").doesNotContain("a/1/dup");
    }
}
