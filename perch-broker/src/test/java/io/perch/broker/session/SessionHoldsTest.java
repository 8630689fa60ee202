package io.perch.broker.session;

import io.perch.broker.hook.event.ClientInfo;
import io.perch.broker.message.Message;
import io.perch.broker.message.MessageIdGenerator;
import io.perch.broker.message.PublishProperties;
import io.perch.broker.stats.BrokerStats;
import io.perch.broker.testkit.RecordingConnection;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link Session#holds}: what a backend's delivery must not send twice. */
class SessionHoldsTest {
    private final MessageIdGenerator ids = new MessageIdGenerator("n@h");
    private final RecordingConnection wire = new RecordingConnection(65535);
    private final List<Integer> sent = wire.packetIds;

    private Session connectedSession(int window) {
        Session s = new Session("c", ClientInfo.system("c", "n@h"), window, 100, true, 10, SessionListener.NONE, new BrokerStats());
        s.attach(wire, ClientInfo.system("c", "n@h"));
        return s;
    }

    private Message message(int qos) {
        return new Message(ids.next(), "t", new byte[0], qos, false, "p", null, 0, 0, PublishProperties.NONE);
    }

    @Test
    void inFlightQueuedAndRecentlyAckedMessagesAreHeld() {
        Session s = connectedSession(1);
        Message first = message(1);
        Message second = message(1);
        Message other = message(1);
        s.offer(Pending.of(first, 1, false, null));
        s.offer(Pending.of(second, 1, false, null)); // window of 1: queued
        assertThat(s.holds(first.id())).as("in flight").isTrue();
        assertThat(s.holds(second.id())).as("queued").isTrue();
        assertThat(s.holds(other.id())).isFalse();

        assertThat(s.puback(sent.get(0))).isTrue();
        assertThat(s.inflightSize()).isEqualTo(1);
        assertThat(s.holds(first.id())).as("acknowledged a moment ago").isTrue();
    }

    @Test
    void onlyTheLastAcksAreRemembered() {
        Session s = connectedSession(10);
        Message oldest = message(1);
        s.offer(Pending.of(oldest, 1, false, null));
        s.puback(sent.get(sent.size() - 1));
        for (int i = 0; i < 64; i++) {
            s.offer(Pending.of(message(1), 1, false, null));
            s.puback(sent.get(sent.size() - 1));
        }
        assertThat(s.holds(oldest.id())).as("pushed out of the bounded memory").isFalse();
    }
}
