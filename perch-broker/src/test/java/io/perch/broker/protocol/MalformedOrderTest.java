package io.perch.broker.protocol;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.perch.broker.protocol.Bytes.b;
import static io.perch.broker.protocol.Bytes.packet;
import static io.perch.broker.protocol.Bytes.props;
import static io.perch.broker.protocol.Bytes.str;
import static io.perch.broker.protocol.Bytes.u16;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several packets in one read, as a pipelining client or a single TCP segment delivers them.
 * Clients need not wait for CONNACK (MQTT 3.1.1 and 5, section 3.1.4): what follows an
 * accepted CONNECT is processed in order, what follows a refused one is not (MQTT-3.1.4-5).
 * A subscriber on the same core proves whether a PUBLISH was routed.
 */
class MalformedOrderTest {
    private static EmbeddedBroker broker;

    @BeforeAll
    static void start() {
        broker = new EmbeddedBroker(b -> { });
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void packetsRightAfterConnectAreProcessedInOrder(int v) {
        String topic = "pipe/ok/" + v;
        try (RawClient sub = subscriber(topic); RawClient c = broker.client()) {
            byte[] out = c.send(Packets.connect(v, "pipe-ok-" + v), Packets.subscribe(v, 1, "pipe/own/" + v, 1),
                    Packets.publish(v, 1, topic, 2, "early"), Packets.PINGREQ);

            assertThat(Frames.split(out)).as("written: %s", Bytes.toHex(out))
                    .extracting(Frames::type).containsExactly(2, 9, 4, 13); // CONNACK, SUBACK, PUBACK, PINGRESP
            assertThat(c.isOpen()).isTrue();
            assertThat(Frames.split(sub.take())).extracting(Frames::type).containsExactly(3); // the PUBLISH
        }
    }

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void packetsAfterARefusedConnectAreNotProcessed(int v) {
        String topic = "pipe/refused/" + v;
        // v5: Receive Maximum 0 (0x82); 3.1.1: empty client id without clean session (0x02).
        byte[] connect = v == 5 ? Packets.connect(5, 0x02, "pipe-refused", props(b(0x21), u16(0)))
                : Packets.connect(4, 0x00, "", props());
        try (RawClient sub = subscriber(topic); RawClient c = broker.client()) {
            byte[] out = c.send(connect, Packets.publish(v, 1, topic, 2, "must not be routed"), Packets.PINGREQ);

            List<byte[]> frames = Frames.split(out);
            assertThat(frames).as("written: %s", Bytes.toHex(out)).hasSize(1);
            assertThat(frames.get(0)[0]).as("CONNACK").isEqualTo((byte) 0x20);
            assertThat(frames.get(0)[3] & 0xff).as("CONNACK code").isEqualTo(v == 5 ? 0x82 : 0x02);
            assertThat(c.isOpen()).isFalse();
            assertThat(sub.take()).as("routed to the subscriber").isEmpty();
        }
    }

    // ---- once the broker decides to close, the rest of the read is not acted upon (MQTT-4.8.0-1, MQTT 5 4.13.1;
    // ---- MQTT-3.14.4-1: nothing is sent after a DISCONNECT)

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void nothingAfterAProtocolErrorIsProcessed(int v) {
        assertTrailingPacketsIgnored(v, "pe", packet(0x82, u16(1), v == 5 ? props() : new byte[0]), v == 5 ? 0x82 : -1);
    }

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void nothingAfterASecondConnectIsProcessed(int v) {
        assertTrailingPacketsIgnored(v, "sc", Packets.connect(v, "sc-again-" + v), v == 5 ? 0x82 : -1);
    }

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void nothingAfterAMalformedPacketIsProcessed(int v) {
        assertTrailingPacketsIgnored(v, "mf", SessionCorpus.withFlags(Packets.subscribe(v, 1, "a", 0), 0), v == 5 ? 0x81 : -1);
    }

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void nothingAfterDisconnectIsProcessed(int v) {
        assertTrailingPacketsIgnored(v, "dc", Packets.disconnect(v), -1);
    }

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void aConnectAfterABadFirstPacketIsNotProcessed(int v) {
        String id = "late-connect-" + v;
        try (RawClient c = broker.client()) {
            byte[] out = c.send(Packets.PINGREQ, Packets.connect(v, id));
            assertThat(out).as("written: %s", Bytes.toHex(out)).isEmpty();
            assertThat(c.isOpen()).isFalse();
        }
        assertThat(broker.core.sessions.store().get(id)).as("session of the CONNECT after the bad first packet").isNull();
    }

    /**
     * Sends CONNECT, the packet that makes the broker close, then a QoS 1 PUBLISH and a
     * PINGREQ, all in one read: the broker answers CONNACK and (v5, when a reason is given)
     * DISCONNECT only, and routes nothing.
     */
    private void assertTrailingPacketsIgnored(int v, String tag, byte[] bad, int v5Reason) {
        String topic = "trail/" + tag + "/" + v;
        try (RawClient sub = subscriber(topic); RawClient c = broker.client()) {
            byte[] out = c.send(Packets.connect(v, "trail-" + tag + "-" + v), bad,
                    Packets.publish(v, 1, topic, 7, "must not be routed"), Packets.PINGREQ);

            List<byte[]> frames = Frames.split(out);
            boolean disconnect = v == 5 && v5Reason >= 0;
            assertThat(frames).as("written: %s", Bytes.toHex(out)).hasSize(disconnect ? 2 : 1);
            assertThat(frames.get(0)[0]).as("CONNACK").isEqualTo((byte) 0x20);
            assertThat(frames.get(0)[3]).as("CONNACK code").isZero();
            if (disconnect) {
                assertThat(frames.get(1)[0]).as("DISCONNECT").isEqualTo((byte) 0xE0);
                assertThat(frames.get(1)[2] & 0xff).as("DISCONNECT reason").isEqualTo(v5Reason);
            }
            assertThat(c.isOpen()).isFalse();
            assertThat(sub.take()).as("routed to the subscriber").isEmpty();
        }
    }

    // ---- a connection that never completes its CONNECT is closed after zone.external.idle_timeout

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void aHalfSentConnectIsClosedAfterTheIdleTimeout(int v) {
        byte[] connect = Packets.connect(v, "half-" + v);
        try (RawClient c = broker.client()) {
            c.channel.freezeTime();
            c.feed(Arrays.copyOf(connect, connect.length - 3));
            long idle = broker.core.config.idleTimeout.toMillis();
            c.channel.advanceTimeBy(idle / 2, TimeUnit.MILLISECONDS); // the embedded loop's clock, not a sleep
            c.channel.runScheduledPendingTasks();
            assertThat(c.isOpen()).as("open halfway through idle_timeout").isTrue();
            c.channel.advanceTimeBy(idle, TimeUnit.MILLISECONDS);
            c.channel.runScheduledPendingTasks();
            assertThat(c.isOpen()).as("open after idle_timeout").isFalse();
            assertThat(c.take()).isEmpty();
            assertThat(c.closeReason()).isEqualTo("idle_timeout");
        }
    }

    /** A v5 client subscribed to the topic at QoS 1, its SUBACK already read. */
    static RawClient subscriber(String topic) {
        RawClient sub = broker.client();
        sub.send(Packets.connect(5, "sub-" + topic));
        assertThat(Frames.split(sub.send(packet(0x82, u16(1), props(), str(topic), b(1)))))
                .extracting(Frames::type).containsExactly(9);
        return sub;
    }
}
