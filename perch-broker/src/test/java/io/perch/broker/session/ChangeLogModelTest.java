package io.perch.broker.session;

import io.perch.broker.hook.event.ClientInfo;
import io.perch.broker.message.Message;
import io.perch.broker.message.MessageIdGenerator;
import io.perch.broker.message.PublishProperties;
import io.perch.broker.persist.Change;
import io.perch.broker.persist.Phase;
import io.perch.broker.persist.StoredSession;
import io.perch.broker.stats.BrokerStats;
import io.perch.broker.testkit.MapPersistence;
import io.perch.broker.testkit.RecordingConnection;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A durable session driven at random (messages of every QoS, acks, QoS 2 both directions,
 * disconnects and reconnects with other Receive Maximums) while a store applies its changes:
 * after every step the store holds what the session holds, and at the end a session rebuilt
 * from the store sends its client exactly what the live one would.
 */
class ChangeLogModelTest {
    private final MessageIdGenerator ids = new MessageIdGenerator("n@h");
    private final MapPersistence store = new MapPersistence();
    private final BrokerStats stats = new BrokerStats();

    private Session newSession() {
        return new Session("m", ClientInfo.system("m", "n@h"), 8, 20, true, 50, SessionListener.NONE, stats, store,
                new AtomicLong(1_000));
    }

    private Pending message(int n, int qos) {
        return Pending.of(new Message(ids.next(), "t", ("m" + n).getBytes(), qos, false, "p", null, 0, 0,
                PublishProperties.NONE), qos, false, null);
    }

    private void assertStoreHoldsWhatTheSessionHolds(Session s, int step) {
        StoredSession st = store.stored("m").orElseThrow();
        long inFlight = st.messages().stream().filter(o -> o.phase() != Phase.QUEUED).count();
        long queued = st.messages().stream().filter(o -> o.phase() == Phase.QUEUED).count();
        assertThat(inFlight).as("in flight after step %d", step).isEqualTo(s.inflightSize());
        assertThat(queued).as("queued after step %d", step).isEqualTo(s.queueSize());
        assertThat(st.awaitingRel().size()).as("awaiting PUBREL after step %d", step).isEqualTo(s.awaitingRelSize());
    }

    @Test
    void theStoreFollowsTheSessionStepByStepAndRebuildsIt() {
        SplittableRandom r = new SplittableRandom(2026);
        Session s = newSession();
        s.expiryIntervalSeconds(3600);
        RecordingConnection wire = new RecordingConnection(4);
        s.attach(wire, ClientInfo.system("m", "n@h"));
        int n = 0;
        for (int step = 0; step < 3000; step++) {
            switch (r.nextInt(10)) {
                case 0, 1, 2, 3 -> s.offer(message(n++, r.nextInt(3)));
                case 4 -> { // PUBACK or PUBREC for something in flight
                    if (wire != null && !wire.awaitingAck.isEmpty()) {
                        int id = wire.awaitingAck.remove(r.nextInt(wire.awaitingAck.size()));
                        if (!s.puback(id)) {
                            s.pubrec(id, false);
                        }
                    }
                }
                case 5 -> {
                    if (wire != null && !wire.awaitingComp.isEmpty()) {
                        s.pubcomp(wire.awaitingComp.remove(r.nextInt(wire.awaitingComp.size())));
                    }
                }
                case 6 -> {
                    int id = 1 + r.nextInt(20);
                    if (s.receiveQos2(id) == Session.Qos2Result.NEW) {
                        s.qos2Routed(id); // as the publish flow does once the message is routed
                        if (r.nextBoolean()) {
                            s.release(id);
                        }
                    }
                }
                case 7 -> s.release(1 + r.nextInt(20));
                case 8 -> {
                    if (wire != null) {
                        s.detach(wire, false);
                        wire = null;
                    }
                }
                default -> {
                    if (wire == null) {
                        wire = new RecordingConnection(1 + r.nextInt(6));
                        s.attach(wire, ClientInfo.system("m", "n@h"));
                    }
                }
            }
            assertStoreHoldsWhatTheSessionHolds(s, step);
        }
        assertThat(store.log).anyMatch(c -> c instanceof Change.SessionMessageUpdated u && u.phase() == Phase.RELEASED);

        // What the live session sends on its next connection, against one rebuilt from the store.
        if (wire != null) {
            s.detach(wire, false);
        }
        StoredSession stored = store.stored("m").orElseThrow();
        RecordingConnection live = new RecordingConnection(65535);
        s.attach(live, ClientInfo.system("m", "n@h"));
        Session rebuilt = new Session("m", ClientInfo.system("m", "n@h"), 8, 20, true, 50, SessionListener.NONE, stats,
                io.perch.broker.persist.SessionPersistence.NONE, new AtomicLong());
        rebuilt.restore(stored, 3600);
        RecordingConnection fromStore = new RecordingConnection(65535);
        rebuilt.attach(fromStore, ClientInfo.system("m", "n@h"));
        assertThat(live.sent).isNotEmpty();
        // Resends keep their packet ids; a first send takes the next free one, which a new
        // session object counts afresh, so only those ids may differ.
        assertThat(firstSendsWithoutIds(fromStore.sent)).isEqualTo(firstSendsWithoutIds(live.sent));
    }

    private static List<String> firstSendsWithoutIds(List<String> wire) {
        return wire.stream().map(w -> w.endsWith("/dup") || w.startsWith("rel/") ? w : w.substring(0, w.indexOf('/')))
                .toList();
    }
}
