package io.perch.broker.route;

import io.perch.broker.hook.event.ClientInfo;
import io.perch.broker.message.Message;
import io.perch.broker.message.MessageIdGenerator;
import io.perch.broker.message.PublishProperties;
import io.perch.broker.message.SubscriptionOptions;
import io.perch.broker.session.MemorySessionStore;
import io.perch.broker.session.Pending;
import io.perch.broker.session.Session;
import io.perch.broker.session.SessionListener;
import io.perch.broker.stats.BrokerStats;
import io.perch.broker.testkit.RecordingConnection;
import io.perch.broker.topic.SubscriptionTree;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The router without sockets: overlapping subscriptions, No Local, share groups preferring
 * connected members, subscribers whose session is not in memory, and the departing member.
 */
class RouterTest {
    private final MessageIdGenerator ids = new MessageIdGenerator("n@h");
    private final SubscriptionTree<String> tree = new SubscriptionTree<>();
    private final MemorySessionStore sessions = new MemorySessionStore();
    private final Map<String, RecordingConnection> wires = new HashMap<>();
    private final List<String> notInMemory = new ArrayList<>();
    private final Router router = new Router(tree, sessions, (id, p, writes) -> {
        notInMemory.add(id + ":" + new String(p.message().payload()));
        return id.startsWith("stored");
    }, 2);

    private Session session(String id, boolean connected) {
        Session s = new Session(id, ClientInfo.system(id, "n@h"), 10, 100, true, 10, SessionListener.NONE,
                new BrokerStats());
        sessions.put(s);
        if (connected) {
            RecordingConnection wire = new RecordingConnection(65535);
            wires.put(id, wire);
            s.attach(wire, ClientInfo.system(id, "n@h"));
        }
        return s;
    }

    /** What each connected client got: payload, QoS and subscription identifiers. */
    private Map<String, List<String>> received() {
        Map<String, List<String>> out = new HashMap<>();
        wires.forEach((id, w) -> {
            if (!w.publishes.isEmpty()) {
                out.put(id, w.publishes.stream().map(p -> new String(p.message().payload()) + ":q" + p.qos() + ":ids"
                        + Arrays.toString(p.subscriptionIds())).toList());
            }
        });
        return out;
    }

    private Message message(String topic, String text, int qos, String from) {
        return new Message(ids.next(), topic, text.getBytes(), qos, false, from, null, 0, 0, PublishProperties.NONE);
    }

    private static SubscriptionOptions opts(int qos, boolean noLocal, int subId) {
        return new SubscriptionOptions(qos, noLocal, false, 0, subId, null);
    }

    @Test
    void overlappingSubscriptionsGiveOneDeliveryAtTheHighestQosWithEveryIdentifier() {
        session("a", true);
        tree.add("t/+", "a", opts(0, false, 1));
        tree.add("t/#", "a", opts(2, false, 2));
        assertThat(router.route(message("t/x", "m", 2, "p"))).isEqualTo(1);
        assertThat(received().get("a")).hasSize(1);
        assertThat(received().get("a").get(0)).isIn("m:q2:ids[1, 2]", "m:q2:ids[2, 1]"); // MQTT-3.3.4-2/-3
    }

    @Test
    void noLocalSkipsThePublishersOwnSession() {
        session("self", true);
        session("other", true);
        tree.add("t", "self", opts(1, true, 0));
        tree.add("t", "other", opts(1, false, 0));
        assertThat(router.route(message("t", "m", 1, "self"))).isEqualTo(1);
        assertThat(received()).containsOnlyKeys("other");
    }

    @Test
    void aShareGroupPrefersAConnectedMemberAndCountsOnce() {
        session("away", false);
        session("here", true);
        tree.addShared("g", "jobs", "away", opts(1, false, 0));
        tree.addShared("g", "jobs", "here", opts(1, false, 0));
        for (int i = 0; i < 4; i++) {
            assertThat(router.route(message("jobs", "j" + i, 1, "p"))).isEqualTo(1);
        }
        assertThat(received().get("here")).hasSize(4);
    }

    @Test
    void aSubscriberWhoseSessionIsNotInMemoryIsHandedToTheStoreSink() {
        tree.add("t", "stored-1", opts(1, false, 0));
        tree.add("t", "gone", opts(1, false, 0));
        assertThat(router.route(message("t", "m", 1, "p"))).as("only the stored one counts").isEqualTo(1);
        assertThat(notInMemory).containsExactlyInAnyOrder("stored-1:m", "gone:m");
    }

    @Test
    void aGroupWithOnlyStoredMembersHandsTheMessageToOneOfThem() {
        tree.addShared("g", "jobs", "stored-a", opts(1, false, 0));
        tree.addShared("g", "jobs", "stored-b", opts(1, false, 0));
        assertThat(router.route(message("jobs", "j", 1, "p"))).isEqualTo(1);
        assertThat(notInMemory).hasSize(1);
    }

    @Test
    void whatADepartingMemberHeldGoesToAnotherMemberOrStaysWithIt() {
        Session leaving = session("leaving", false);
        session("staying", true);
        tree.addShared("g", "jobs", "leaving", opts(1, false, 0));
        tree.addShared("g", "jobs", "staying", opts(1, false, 0));
        Pending held = Pending.shared(message("jobs", "h", 1, "p"), 1, false, null, "g", "jobs");
        router.redistribute(leaving, List.of(held));
        assertThat(received().get("staying")).hasSize(1);

        tree.removeShared("g", "jobs", "staying");
        tree.removeShared("g", "jobs", "leaving");
        router.redistribute(leaving, List.of(held)); // the group is gone: kept for the member
        assertThat(leaving.queueSize()).isEqualTo(1);
    }
}
