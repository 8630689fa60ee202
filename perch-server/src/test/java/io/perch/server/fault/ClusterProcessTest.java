package io.perch.server.fault;

import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three Perch nodes, each its own process, on one redis-server: they act as one broker.
 * Messages cross nodes at every QoS, a share group gets each message once in the whole
 * cluster, a persistent session follows its client to another node with what was queued for
 * it, two nodes racing for one client id end with one owner, and a node killed with SIGKILL
 * is found dead and its routes removed.
 */
class ClusterProcessTest {
    private static final Duration WITHIN = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private RedisServerProcess redis;
    private final List<BrokerProcess> nodes = new ArrayList<>();
    private final List<MqttClient> clients = new ArrayList<>();

    @AfterEach
    void stop() {
        for (MqttClient c : clients) {
            try {
                if (c.isConnected()) {
                    c.disconnectForcibly(100, 100);
                }
                c.close(true);
            } catch (MqttException ignored) {
                // already gone
            }
        }
        nodes.forEach(BrokerProcess::close);
        if (redis != null) {
            redis.close();
        }
    }

    private void startCluster(int n, String... extra) throws Exception {
        redis = RedisServerProcess.start();
        for (int i = 1; i <= n; i++) {
            List<String> lines = new ArrayList<>(List.of(
                    // Unbounded session queues: a full queue drops acknowledged messages by design
                    // (counted), which would hide what a node's death costs.
                    "zone.external.max_mqueue_len = 0",
                    "backend.redis.embedded = off",
                    "backend.redis.pool1.server = " + redis.server(),
                    "backend.redis.pool1.type = single",
                    "persistence.mode = redis",
                    "persistence.ack = redis",
                    "persistence.pool = pool1",
                    "cluster.enable = on",
                    "cluster.node_timeout = 4s",
                    "cluster.heartbeat_interval = 1s"));
            lines.addAll(List.of(extra)); // after the defaults above: a later line wins
            nodes.add(BrokerProcess.start(dir.resolve("node" + i), "perch" + i + "@127.0.0.1", lines));
        }
        // Every node has heard of every other one before the clients come.
        await().atMost(WITHIN).until(() -> liveNodes().size() == n);
    }

    private List<String> liveNodes() {
        Object r = RespProbe.command(redis.port(), "ZRANGE", "perch:{cluster}:nodes", "0", "-1");
        List<String> names = new ArrayList<>();
        if (r instanceof List<?> l) {
            l.forEach(x -> names.add(String.valueOf(x)));
        }
        return names;
    }

    private MqttClient client(BrokerProcess node, String id, boolean clean, List<String> got) throws MqttException {
        MqttClient c = new MqttClient("tcp://127.0.0.1:" + node.port(), id, new MemoryPersistence());
        clients.add(c);
        c.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                got.add(topic + " " + new String(message.getPayload(), StandardCharsets.UTF_8));
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        });
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(clean);
        o.setAutomaticReconnect(false);
        o.setConnectionTimeout(10);
        // Paho's synchronous publish can return before its in-flight count drops (paho.mqtt.java
        // #551): on a starved machine a loop of them hits the default window of 10.
        o.setMaxInflight(1000);
        c.connect(o);
        return c;
    }

    @Test
    void messagesCrossNodesAtEveryQos() throws Exception {
        startCluster(3);
        List<String> got = new CopyOnWriteArrayList<>();
        MqttClient sub = client(nodes.get(0), "sub-1", true, got);
        sub.subscribe(new String[]{"q0/#", "q1/+", "q2/x"}, new int[]{0, 1, 2});
        MqttClient pub2 = client(nodes.get(1), "pub-2", true, new CopyOnWriteArrayList<>());
        MqttClient pub3 = client(nodes.get(2), "pub-3", true, new CopyOnWriteArrayList<>());
        // The subscriber's routes (one batch) reach both publishers' nodes within a heartbeat or at once by the hint.
        await().atMost(WITHIN).untilAsserted(() -> {
            pub2.publish("q1/probe", "p2".getBytes(StandardCharsets.UTF_8), 1, false);
            pub3.publish("q1/probe", "p3".getBytes(StandardCharsets.UTF_8), 1, false);
            assertThat(got).contains("q1/probe p2", "q1/probe p3");
        });
        got.clear(); // probes still on their way are not counted below
        for (int i = 0; i < 20; i++) {
            pub2.publish("q0/a", ("a" + i).getBytes(StandardCharsets.UTF_8), 0, false);
            pub3.publish("q1/b", ("b" + i).getBytes(StandardCharsets.UTF_8), 1, false);
            pub3.publish("q2/x", ("c" + i).getBytes(StandardCharsets.UTF_8), 2, false);
        }
        await().atMost(WITHIN).untilAsserted(() -> assertThat(got.stream().filter(s -> !s.startsWith("q1/probe")))
                .hasSize(60));
        // In order per publisher and topic, QoS 2 exactly once.
        assertThat(got.stream().filter(s -> s.startsWith("q2/x")).toList())
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 20).mapToObj(i -> "q2/x c" + i).toList());
        assertThat(got.stream().filter(s -> s.startsWith("q1/b")).toList())
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 20).mapToObj(i -> "q1/b b" + i).toList());
    }

    @Test
    void aShareGroupGetsEachMessageOnceAcrossNodes() throws Exception {
        startCluster(3);
        List<String> a = new CopyOnWriteArrayList<>();
        List<String> b = new CopyOnWriteArrayList<>();
        client(nodes.get(0), "member-a", true, a).subscribe("$share/g/jobs/#", 1);
        client(nodes.get(1), "member-b", true, b).subscribe("$share/g/jobs/#", 1);
        MqttClient pub = client(nodes.get(2), "pub-jobs", true, new CopyOnWriteArrayList<>());
        // Both members' routes known on the publisher's node: each gets some of a batch.
        AtomicInteger sent = new AtomicInteger();
        await().atMost(WITHIN).untilAsserted(() -> {
            for (int i = 0; i < 10; i++) {
                pub.publish("jobs/1", ("j" + sent.getAndIncrement()).getBytes(StandardCharsets.UTF_8), 1, false);
            }
            assertThat(a).isNotEmpty();
            assertThat(b).isNotEmpty();
        });
        await().atMost(WITHIN).untilAsserted(() -> assertThat(a.size() + b.size()).isEqualTo(sent.get()));
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        assertThat(all).doesNotHaveDuplicates();
    }

    @Test
    void retainedMessagesAreTheSameOnEveryNode() throws Exception {
        startCluster(3);
        MqttClient pub = client(nodes.get(1), "pub-retain", true, new CopyOnWriteArrayList<>());
        pub.publish("status/door", "open".getBytes(StandardCharsets.UTF_8), 1, true);
        for (int n : new int[]{0, 2}) {
            List<String> got = new CopyOnWriteArrayList<>();
            await().atMost(WITHIN).untilAsserted(() -> {
                MqttClient sub = client(nodes.get(n), "late-" + n + "-" + got.size() + "-" + System.nanoTime(), true, got);
                sub.subscribe("status/#", 1);
                assertThat(got).contains("status/door open");
            });
        }
        // A change on one node replaces what the others' caches hold; an empty retained message deletes it.
        pub.publish("status/door", "closed".getBytes(StandardCharsets.UTF_8), 1, true);
        List<String> after = new CopyOnWriteArrayList<>();
        await().atMost(WITHIN).untilAsserted(() -> {
            after.clear();
            MqttClient sub = client(nodes.get(2), "later-" + System.nanoTime(), true, after);
            sub.subscribe("status/#", 1);
            await().atMost(Duration.ofSeconds(2)).until(() -> !after.isEmpty());
            assertThat(after).containsExactly("status/door closed");
        });
        pub.publish("status/door", new byte[0], 1, true);
        await().atMost(WITHIN).untilAsserted(() -> {
            List<String> none = new CopyOnWriteArrayList<>();
            MqttClient sub = client(nodes.get(0), "last-" + System.nanoTime(), true, none);
            sub.subscribe("status/#", 1);
            MqttClient probe = client(nodes.get(0), "probe-" + System.nanoTime(), true, new CopyOnWriteArrayList<>());
            probe.publish("status/probe", "p".getBytes(StandardCharsets.UTF_8), 1, false);
            await().atMost(Duration.ofSeconds(5)).until(() -> none.contains("status/probe p"));
            assertThat(none).containsExactly("status/probe p");
        });
    }

    @Test
    void eachNodePublishesItsOwnSysTopicsAndEveryNodeSeesThem() throws Exception {
        startCluster(3, "broker.sys_interval = 1s");
        List<String> got = new CopyOnWriteArrayList<>();
        MqttClient sub = client(nodes.get(0), "sys-watcher", true, got);
        sub.subscribe(new String[]{"$SYS/brokers", "$SYS/brokers/+/version", "$SYS/brokers/+/uptime",
                "$SYS/brokers/+/clients/+/connected"}, new int[]{0, 0, 0, 0});
        List<String> names = List.of("perch1@127.0.0.1", "perch2@127.0.0.1", "perch3@127.0.0.1");
        // Each node publishes its own each second; they reach a subscriber on any node like any message.
        await().atMost(WITHIN).untilAsserted(() -> {
            assertThat(got).anyMatch(s -> s.startsWith("$SYS/brokers ") && List.of(s.substring(13).split(","))
                    .containsAll(names));
            for (String n : names) {
                assertThat(got).anyMatch(s -> s.startsWith("$SYS/brokers/" + n + "/version "));
                assertThat(got).anyMatch(s -> s.matches("\\$SYS/brokers/" + java.util.regex.Pattern.quote(n) + "/uptime \\d+ seconds"));
            }
        });
        client(nodes.get(2), "sys-newcomer", true, new CopyOnWriteArrayList<>());
        await().atMost(WITHIN).untilAsserted(() -> assertThat(got)
                .anyMatch(s -> s.startsWith("$SYS/brokers/perch3@127.0.0.1/clients/sys-newcomer/connected {\"clientid\":\"sys-newcomer\"")));
        assertThat(got).noneMatch(s -> s.contains("/clients/sys-newcomer/") && !s.contains("/perch3@127.0.0.1/"));
    }

    @Test
    void aPersistentSessionFollowsItsClientToAnotherNode() throws Exception {
        startCluster(3);
        List<String> first = new CopyOnWriteArrayList<>();
        MqttClient dev = client(nodes.get(0), "device-7", false, first);
        dev.subscribe("cmd/device-7", 1);
        dev.disconnect();
        MqttClient pub = client(nodes.get(1), "pub-cmd", true, new CopyOnWriteArrayList<>());
        // Queued on node 1 while the device is away: published on node 2, acknowledged.
        await().atMost(WITHIN).until(() -> routeKnown("perch1@127.0.0.1", "cmd/device-7"));
        for (int i = 0; i < 10; i++) {
            pub.publish("cmd/device-7", ("m" + i).getBytes(StandardCharsets.UTF_8), 1, false);
        }
        List<String> later = new CopyOnWriteArrayList<>();
        MqttClient back = client(nodes.get(2), "device-7", false, later);
        assertThat(back.isConnected()).isTrue();
        await().atMost(WITHIN).untilAsserted(() -> assertThat(later).containsExactlyElementsOf(
                java.util.stream.IntStream.range(0, 10).mapToObj(i -> "cmd/device-7 m" + i).toList()));
        assertThat(RespProbe.command(redis.port(), "HGET", "perch:owner:{device-7}", "node")).isEqualTo("perch3@127.0.0.1");
        // Live takeover: connecting on node 1 again closes the connection on node 3.
        MqttClient again = client(nodes.get(0), "device-7", false, new CopyOnWriteArrayList<>());
        await().atMost(WITHIN).until(() -> !back.isConnected());
        assertThat(again.isConnected()).isTrue();
        assertThat(RespProbe.command(redis.port(), "HGET", "perch:owner:{device-7}", "node")).isEqualTo("perch1@127.0.0.1");
    }

    @Test
    void messagesPublishedWhileASessionMovesBetweenNodesAllReachIt() throws Exception {
        startCluster(3);
        MqttClient dev = client(nodes.get(0), "mover", false, new CopyOnWriteArrayList<>());
        dev.subscribe("move/#", 1);
        dev.disconnect();
        await().atMost(WITHIN).until(() -> routeKnown("perch1@127.0.0.1", "move/#"));
        MqttClient pub = client(nodes.get(1), "pub-move", true, new CopyOnWriteArrayList<>());
        int total = 400;
        AtomicInteger acked = new AtomicInteger();
        Thread publisher = new Thread(() -> {
            try {
                for (int i = 0; i < total; i++) {
                    pub.publish("move/x", ("n" + i).getBytes(StandardCharsets.UTF_8), 1, false); // returns once acknowledged
                    acked.incrementAndGet();
                }
            } catch (MqttException e) {
                throw new IllegalStateException(e);
            }
        });
        publisher.start();
        await().atMost(WITHIN).until(() -> acked.get() >= 50);
        // The session moves from node 1 to node 3 while messages keep coming from node 2.
        List<String> got = new CopyOnWriteArrayList<>();
        client(nodes.get(2), "mover", false, got);
        publisher.join(WITHIN.toMillis());
        assertThat(acked.get()).isEqualTo(total);
        List<String> expected = java.util.stream.IntStream.range(0, total).mapToObj(i -> "move/x n" + i).toList();
        await().atMost(WITHIN).untilAsserted(() -> assertThat(got).containsAll(expected));
        assertThat(got).as("no message twice, in publish order; %s", firstDifference(got, expected))
                .containsExactlyElementsOf(expected);
    }

    /** Where {@code got} first differs from {@code expected}, and what came there: the head of a long report. */
    private static String firstDifference(List<String> got, List<String> expected) {
        for (int i = 0; i < Math.min(got.size(), expected.size()); i++) {
            if (!got.get(i).equals(expected.get(i))) {
                return "at " + i + " expected \"" + expected.get(i) + "\", then came " + got.subList(i, Math.min(got.size(), i + 12));
            }
        }
        return "sizes " + got.size() + " and " + expected.size();
    }

    @Test
    void twoNodesRacingForOneClientIdEndWithOneOwner() throws Exception {
        startCluster(3);
        ApiClient api = new ApiClient(nodes.get(0));
        for (int round = 0; round < 5; round++) {
            String id = "racer-" + round;
            Thread[] threads = new Thread[2];
            for (int k = 0; k < 2; k++) {
                int node = 1 + k;
                threads[k] = new Thread(() -> {
                    try {
                        client(nodes.get(node), id, false, new CopyOnWriteArrayList<>());
                    } catch (MqttException e) {
                        // refused or closed: the other one won
                    }
                });
                threads[k].start();
            }
            for (Thread t : threads) {
                t.join(WITHIN.toMillis());
            }
            // The brokers' own view (the cluster-wide client list), not the clients': a 3.1.1
            // client closed right after its CONNACK can take Paho a while to notice.
            await().atMost(WITHIN).untilAsserted(() -> {
                List<String> connectedOn = api.connectedOn(id);
                assertThat(connectedOn).as("nodes where client " + id + " is connected").hasSize(1);
                assertThat(RespProbe.command(redis.port(), "HGET", "perch:owner:{" + id + "}", "node")).isEqualTo(connectedOn.get(0));
            });
        }
    }

    /**
     * A node asks the owner of a client id to let it go even when the owner joined after the
     * node's last look at the node list. Heartbeats are 20 s apart here, so node 1 has not seen
     * node 2 when the client comes: it used to take the client over without asking, and the
     * client stayed connected on both nodes.
     */
    @Test
    void anOwnerThatJoinedSinceTheNodesLastLookIsStillAskedToLetGo() throws Exception {
        startCluster(2, "cluster.heartbeat_interval = 20s", "cluster.node_timeout = 61s");
        String id = "late-owner";
        MqttClient first = client(nodes.get(1), id, false, new CopyOnWriteArrayList<>());
        client(nodes.get(0), id, false, new CopyOnWriteArrayList<>());
        ApiClient api = new ApiClient(nodes.get(0));
        await().atMost(WITHIN).untilAsserted(() -> {
            assertThat(api.connectedOn(id)).as("nodes where client " + id + " is connected")
                    .containsExactly("perch1@127.0.0.1");
            assertThat(first.isConnected()).as("the first connection, on node 2").isFalse();
        });
        assertThat(RespProbe.command(redis.port(), "HGET", "perch:owner:{" + id + "}", "node"))
                .isEqualTo("perch1@127.0.0.1");
    }

    /**
     * The subscriber's node is killed with SIGKILL mid-stream; the subscriber reconnects to
     * another node at once, which waits until the dead node is found dead and its sessions and
     * unread inbox are taken over, then takes the session from there. The checker of the
     * single-node crash tests accounts for every message: none acknowledged is lost, QoS 2 is
     * delivered once, and each publisher's messages arrive in the order they were published.
     */
    @Test
    void aNodeKilledMidStreamLosesNoAcknowledgedMessage() throws Exception {
        startCluster(3);
        Ledger ledger = new Ledger();
        BrokerProcess doomed = nodes.get(1);
        BrokerProcess next = nodes.get(2);
        int perPublisher = Integer.getInteger("perch.cluster.fault.messages", 1500);
        try (FaultSubscriber sub = new FaultSubscriber("k-sub", () -> doomed.port() > 0 ? doomed.port() : next.port(),
                ledger, new String[]{"k/q1", "k/q2"}, new int[]{1, 2});
             FaultPublisher q1 = new FaultPublisher("k-pub-q1", nodes.get(0)::port, ledger, "k/q1", 1, perPublisher);
             FaultPublisher q2 = new FaultPublisher("k-pub-q2", nodes.get(0)::port, ledger, "k/q2", 2, perPublisher)) {
            sub.start();
            await().atMost(WITHIN).until(() -> sub.connected() && routeKnown("perch2@127.0.0.1", "k/q2"));
            q1.start();
            q2.start();
            await().atMost(WITHIN).until(() -> ledger.ackedCount() >= perPublisher * 2L / 3);
            doomed.kill9();
            Duration drain = Duration.ofSeconds(90);
            await("every message acknowledged").atMost(drain)
                    .until(() -> q1.allHandedOver() && q2.allHandedOver() && ledger.ackedCount() == perPublisher * 2L);
            try {
                await("every acknowledged message delivered").atMost(drain).until(() -> ledger.ackedNotDelivered() == 0);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("not every acknowledged message was delivered within " + drain + ": "
                        + ledger.summarize().line() + "\n" + ledger.summarize().problems()
                        + "\nleft in the dead node's inbox: " + RespProbe.command(redis.port(), "XLEN",
                        "perch:cluster:inbox:perch2@127.0.0.1") + ", stored for the subscriber: "
                        + RespProbe.command(redis.port(), "HLEN", "perch:out:{k-sub}"), e);
            }
            Ledger.Summary summary = ledger.summarize();
            System.out.println("cluster fault run: node killed mid-stream, " + summary.line()
                    + " subscriber session present " + sub.sessionPresent());
            System.out.print(summary.problems()); // what went wrong, with examples
            assertThat(summary.lost()).as(summary.problems()).isZero();
            assertThat(summary.duplicatesQos2()).as(summary.problems()).isZero();
            assertThat(summary.outOfOrder()).as("order per publisher; " + summary.problems()).isZero();
            assertThat(summary.unexpected()).as(summary.problems()).isZero();
            List<Boolean> present = sub.sessionPresent();
            assertThat(present).as("reconnected after the kill").hasSizeGreaterThan(1);
            assertThat(present.subList(1, present.size())).as("the session followed the client to node 3")
                    .containsOnly(true);
        }
    }

    /**
     * A stored session that expires gives up its client id: after the node that holds it is
     * killed and restarted (the session comes back dormant, or the reaping node adopts it), its
     * expiry clears the owner and leaves every node's owned set, so neither grows with clients
     * that are gone.
     */
    @Test
    void anExpiredStoredSessionIsNobodysAfterANodeRestart() throws Exception {
        startCluster(2, "zone.external.session_expiry_interval = 3s");
        MqttClient c = client(nodes.get(0), "expiring-1", false, new CopyOnWriteArrayList<>());
        c.subscribe("e/#", 1);
        c.disconnect();
        assertThat(RespProbe.command(redis.port(), "SISMEMBER", "perch:cluster:owned:perch1@127.0.0.1", "expiring-1"))
                .isEqualTo(1L);
        nodes.get(0).kill9();
        nodes.get(0).restart();
        await().atMost(WITHIN).untilAsserted(() -> {
            assertThat(RespProbe.command(redis.port(), "HGET", "perch:owner:{expiring-1}", "node")).isNull();
            for (String n : List.of("perch1@127.0.0.1", "perch2@127.0.0.1")) {
                assertThat(RespProbe.command(redis.port(), "SISMEMBER", "perch:cluster:owned:" + n, "expiring-1"))
                        .isEqualTo(0L);
            }
            assertThat(RespProbe.command(redis.port(), "EXISTS", "perch:session:{expiring-1}")).isEqualTo(0L);
        });
    }

    @Test
    void aKilledNodeIsFoundDeadAndItsRoutesGo() throws Exception {
        startCluster(3);
        client(nodes.get(2), "sub-on-3", true, new CopyOnWriteArrayList<>()).subscribe("gone/#", 1);
        await().atMost(WITHIN).until(() -> routeKnown("perch3@127.0.0.1", "gone/#"));
        nodes.get(2).kill9();
        await().atMost(WITHIN).untilAsserted(() -> {
            assertThat(liveNodes()).containsExactlyInAnyOrder("perch1@127.0.0.1", "perch2@127.0.0.1");
            assertThat(routeKnown("perch3@127.0.0.1", "gone/#")).isFalse();
        });
    }

    /**
     * The REST API of a node without clients answers for the whole cluster: clients and
     * subscriptions of the other nodes with their node, paging across nodes, a client found and
     * kicked where it is, one node's list, the routes with their nodes, and a node that stops
     * answering reported as unavailable.
     */
    @Test
    void theRestApiAnswersForTheWholeCluster() throws Exception {
        startCluster(3);
        String n1 = "perch1@127.0.0.1";
        String n2 = "perch2@127.0.0.1";
        client(nodes.get(0), "api-a1", true, new CopyOnWriteArrayList<>()).subscribe("api/a/#", 1);
        List<String> a2got = new CopyOnWriteArrayList<>();
        client(nodes.get(0), "api-a2", true, a2got);
        client(nodes.get(1), "api-b1", true, new CopyOnWriteArrayList<>()).subscribe("api/b/+", 2);
        MqttClient b2 = client(nodes.get(1), "api-b2", true, new CopyOnWriteArrayList<>());
        ApiClient api3 = new ApiClient(nodes.get(2));

        ApiClient.Answer all = api3.get("/clients");
        assertThat(all.status()).isEqualTo(200);
        assertThat(all.texts("clientid")).containsExactly("api-a1", "api-a2", "api-b1", "api-b2");
        assertThat(all.texts("node")).containsExactly(n1, n1, n2, n2);
        assertThat(all.body().path("meta").path("count").asInt()).isEqualTo(4);
        assertThat(all.body().has("unavailable_nodes")).isFalse();
        // Paging across nodes: each client exactly once, in order, the count the cluster's.
        for (int limit : new int[]{1, 3}) {
            List<String> paged = new ArrayList<>();
            for (int page = 1; page <= 4; page++) {
                ApiClient.Answer p = api3.get("/clients?_page=" + page + "&_limit=" + limit);
                assertThat(p.body().path("meta").path("count").asInt()).isEqualTo(4);
                paged.addAll(p.texts("clientid"));
            }
            assertThat(paged).as("limit " + limit).containsExactly("api-a1", "api-a2", "api-b1", "api-b2");
        }
        assertThat(api3.get("/clients?_order=desc&_limit=2").texts("clientid")).containsExactly("api-b2", "api-b1");
        ApiClient.Answer filtered = api3.get("/clients?_like_clientid=b");
        assertThat(filtered.texts("clientid")).containsExactly("api-b1", "api-b2");
        assertThat(filtered.body().path("meta").path("count").asInt()).isEqualTo(2);
        assertThat(api3.get("/clients?conn_state=maybe").status()).isEqualTo(400);

        // One node's clients, one client wherever it is.
        ApiClient.Answer ofN1 = api3.get("/nodes/" + n1 + "/clients");
        assertThat(ofN1.texts("clientid")).containsExactly("api-a1", "api-a2");
        assertThat(ofN1.body().path("meta").path("count").asInt()).isEqualTo(2);
        assertThat(api3.get("/nodes/" + n2 + "/clients/api-b1").texts("node")).containsExactly(n2);
        assertThat(api3.get("/nodes/" + n2 + "/clients/api-a1").status()).isEqualTo(404);
        assertThat(api3.get("/nodes/nobody@nowhere/clients").status()).isEqualTo(404);
        ApiClient.Answer a1 = api3.get("/clients/api-a1");
        assertThat(a1.status()).isEqualTo(200);
        assertThat(a1.texts("node")).containsExactly(n1);
        assertThat(api3.get("/clients/nobody").status()).isEqualTo(404);

        // Subscriptions of every node; one client's, wherever it is.
        ApiClient.Answer subs = api3.get("/subscriptions");
        assertThat(subs.texts("topic")).containsExactly("api/a/#", "api/b/+");
        assertThat(subs.texts("node")).containsExactly(n1, n2);
        assertThat(subs.body().path("meta").path("count").asInt()).isEqualTo(2);
        assertThat(api3.get("/subscriptions/api-b1").texts("topic")).containsExactly("api/b/+");
        assertThat(api3.get("/nodes/" + n1 + "/subscriptions").texts("clientid")).containsExactly("api-a1");

        // Routes with the nodes that have them (other nodes' routes arrive by hint or heartbeat).
        await().atMost(WITHIN).untilAsserted(() -> {
            ApiClient.Answer routes = api3.get("/routes");
            List<String> pairs = new ArrayList<>();
            routes.body().path("data").forEach(r -> pairs.add(r.path("topic").asText() + " " + r.path("node").asText()));
            assertThat(pairs).contains("api/a/# " + n1, "api/b/+ " + n2);
        });

        // Stats, metrics, brokers and listeners: an entry per node, each with its own figures.
        String n3 = "perch3@127.0.0.1";
        ApiClient.Answer stats = api3.get("/stats");
        assertThat(stats.texts("node")).containsExactlyInAnyOrder(n1, n2, n3);
        Map<String, Integer> connections = new java.util.HashMap<>();
        stats.body().path("data").forEach(e -> connections.put(e.path("node").asText(),
                e.path("stats").path("connections.count").asInt()));
        assertThat(connections).containsEntry(n1, 2).containsEntry(n2, 2).containsEntry(n3, 0);
        assertThat(api3.get("/metrics").texts("node")).containsExactlyInAnyOrder(n1, n2, n3);
        assertThat(api3.get("/brokers").texts("node")).containsExactlyInAnyOrder(n1, n2, n3);
        assertThat(api3.get("/brokers/" + n1).body().path("data").path("node").asText()).isEqualTo(n1);
        ApiClient.Answer listeners = api3.get("/listeners");
        assertThat(listeners.texts("node")).containsExactlyInAnyOrder(n1, n2, n3);
        listeners.body().path("data").forEach(e -> assertThat(e.path("listeners").size()).as(e.toString()).isPositive());
        ApiClient.Answer statsOfN2 = api3.get("/nodes/" + n2 + "/stats");
        assertThat(statsOfN2.texts("node")).containsExactly(n2);
        assertThat(statsOfN2.body().path("data").path(0).path("stats").path("connections.count").asInt()).isEqualTo(2);
        assertThat(api3.get("/nodes/nobody@nowhere/metrics").status()).isEqualTo(404);

        // Subscribe and unsubscribe a client of node 1 through node 3's API.
        assertThat(api3.post("/mqtt/subscribe", "{\"clientid\":\"api-a2\",\"topic\":\"api/sub/x\",\"qos\":1}")
                .status()).isEqualTo(200);
        MqttClient probe = client(nodes.get(2), "api-probe", true, new CopyOnWriteArrayList<>());
        probe.publish("api/sub/x", "via-api".getBytes(StandardCharsets.UTF_8), 1, false);
        await().atMost(WITHIN).until(() -> a2got.contains("api/sub/x via-api"));
        assertThat(api3.post("/mqtt/unsubscribe", "{\"clientid\":\"api-a2\",\"topic\":\"api/sub/x\"}")
                .status()).isEqualTo(200);
        await().atMost(WITHIN).until(() -> api3.get("/subscriptions/api-a2").texts("topic").isEmpty());
        assertThat(api3.post("/mqtt/subscribe", "{\"clientid\":\"nobody\",\"topic\":\"x\"}").status())
                .isEqualTo(404);
        assertThat(api3.post("/mqtt/subscribe", "{\"topic\":\"x\"}").status()).isEqualTo(400);
        // The batch forms, item by item wherever each client is, answered in the items' order.
        ApiClient.Answer batch = api3.post("/mqtt/subscribe_batch", "[{\"clientid\":\"api-a2\",\"topic\":\"api/batch/x\",\"qos\":1},"
                + "{\"clientid\":\"nobody\",\"topic\":\"api/batch/y\"},{\"clientid\":\"api-a2\"}]");
        assertThat(batch.status()).isEqualTo(200);
        assertThat(batch.texts("topic")).containsExactly("api/batch/x", "api/batch/y", "");
        assertThat(batch.texts("code")).containsExactly("0", "112", "107"); // done on node 1; on no node; no topic
        await().atMost(WITHIN).until(() -> api3.get("/subscriptions/api-a2").texts("topic").contains("api/batch/x"));
        assertThat(api3.post("/mqtt/unsubscribe_batch", "[{\"clientid\":\"api-a2\",\"topic\":\"api/batch/x\"}]")
                .texts("code")).containsExactly("0");
        await().atMost(WITHIN).until(() -> api3.get("/subscriptions/api-a2").texts("topic").isEmpty());
        probe.disconnect();
        await().atMost(WITHIN).until(() -> api3.get("/clients/api-probe").status() == 404);

        // A kick from another node disconnects the client where it is.
        ApiClient api1 = new ApiClient(nodes.get(0));
        assertThat(api1.delete("/clients/api-b2").status()).isEqualTo(200);
        await().atMost(WITHIN).until(() -> !b2.isConnected());
        await().atMost(WITHIN).until(() -> api3.get("/clients/api-b2").status() == 404);
        assertThat(api1.delete("/clients/api-b2").status()).isEqualTo(404);

        // A node that stops answering is reported, not a 500 and not a hang.
        nodes.get(1).kill9();
        ApiClient.Answer without = api3.get("/clients");
        assertThat(without.status()).isEqualTo(200);
        assertThat(without.texts("clientid")).containsExactly("api-a1", "api-a2");
        assertThat(without.body().path("unavailable_nodes").path(0).path("node").asText()).isEqualTo(n2);
        assertThat(api3.get("/clients/api-b1").status()).isEqualTo(503);
        ApiClient.Answer statsWithout = api3.get("/stats");
        assertThat(statsWithout.status()).isEqualTo(200);
        assertThat(statsWithout.texts("node")).containsExactlyInAnyOrder(n1, n3);
        assertThat(statsWithout.body().path("unavailable_nodes").path(0).path("node").asText()).isEqualTo(n2);
        assertThat(api3.get("/nodes/" + n2 + "/stats").status()).isEqualTo(503);
    }

    /**
     * The alarms of every node from any node, as EMQ X 4's API answers: a node at its connection
     * limit raises connections_near_limit/node, which another node's API lists with the node
     * that raised it, active and then cleared; clearing the history there clears it on the node
     * that holds it; a node that stops answering is listed in unavailable_nodes.
     */
    @Test
    void theAlarmsAnswerForTheWholeCluster() throws Exception {
        startCluster(2, "node.max_connections = 1", "dashboard.alarms.check_interval = 200ms");
        String n1 = "perch1@127.0.0.1";
        ApiClient api1 = new ApiClient(nodes.get(0));
        ApiClient api2 = new ApiClient(nodes.get(1));
        String name = "connections_near_limit/node";
        MqttClient full = client(nodes.get(0), "alarm-fills-1", true, new CopyOnWriteArrayList<>());
        await().atMost(WITHIN).untilAsserted(() -> {
            ApiClient.Answer active = api2.get("/alarms?activated=true");
            assertThat(active.status()).isEqualTo(200);
            assertThat(active.texts("name")).containsExactly(name);
            assertThat(active.texts("node")).containsExactly(n1);
        });
        full.disconnect();
        await().atMost(WITHIN).untilAsserted(() -> {
            ApiClient.Answer history = api2.get("/alarms?activated=false");
            assertThat(history.texts("name")).containsExactly(name);
            assertThat(history.texts("node")).containsExactly(n1);
        });
        assertThat(api2.get("/alarms").texts("node")).containsExactly(n1);
        assertThat(api2.get("/alarms").body().has("unavailable_nodes")).isFalse();

        // Clearing through node 2 forgets node 1's history, as node 1's own API shows.
        ApiClient.Answer cleared = api2.delete("/alarms/deactivated");
        assertThat(cleared.status()).isEqualTo(200);
        assertThat(cleared.body().has("unavailable_nodes")).isFalse();
        assertThat(api1.get("/alarms?activated=false").texts("name")).isEmpty();

        nodes.get(0).kill9();
        ApiClient.Answer without = api2.get("/alarms");
        assertThat(without.status()).isEqualTo(200);
        assertThat(without.body().path("unavailable_nodes").path(0).path("node").asText()).isEqualTo(n1);
        assertThat(api2.delete("/alarms/deactivated").body().path("unavailable_nodes").path(0).path("node").asText())
                .isEqualTo(n1);
    }

    private boolean routeKnown(String node, String key) {
        Object r = RespProbe.command(redis.port(), "SISMEMBER", "perch:{cluster}:routes:" + node, key);
        return Long.valueOf(1).equals(r);
    }
}
