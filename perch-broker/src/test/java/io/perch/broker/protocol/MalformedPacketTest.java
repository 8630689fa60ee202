package io.perch.broker.protocol;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The corpus of malformed and out-of-order packets against the real engine, one connection
 * per case, all on one {@link io.perch.broker.core.BrokerCore}: each case must end as its
 * {@link Outcome} says, count (or not) as a malformed packet, release every buffer, and leave
 * the broker able to accept the next client.
 */
class MalformedPacketTest {
    private static EmbeddedBroker broker;
    private static final AtomicInteger ids = new AtomicInteger();

    @BeforeAll
    static void start() {
        broker = new EmbeddedBroker(b -> b.maxPacketSize(ConnectCorpus.MAX_PACKET_SIZE).maxTopicAlias(ConnectCorpus.MAX_TOPIC_ALIAS));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    static List<MalformedCase> corpus() {
        List<MalformedCase> all = new ArrayList<>(ConnectCorpus.cases());
        all.addAll(SessionCorpus.cases());
        return all;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void brokerAnswersAndSurvives(MalformedCase c) {
        run(broker, c, "case-" + ids.incrementAndGet());
        assertStillAcceptsClients(broker, "after-" + ids.incrementAndGet());
    }

    @Test
    void corpusCoversBothProtocolFamilies() {
        assertThat(corpus()).extracting(MalformedCase::version).contains(4, 5);
        assertThat(corpus()).filteredOn(MalformedCase::malformed).isNotEmpty();
        assertThat(corpus()).filteredOn(c -> !c.malformed()).isNotEmpty();
    }

    /** Plays one case on a fresh connection and checks its outcome, the malformed counter and buffer release. */
    static void run(EmbeddedBroker broker, MalformedCase c, String clientId) {
        try (RawClient client = broker.client()) {
            if (c.afterConnect()) {
                byte[] connack = client.send(Packets.connect(c.version(), clientId));
                assertThat(connack).as("CONNACK of the valid CONNECT: %s", Bytes.toHex(connack))
                        .startsWith(0x20).hasSizeGreaterThanOrEqualTo(4);
                assertThat(connack[3]).as("CONNACK code").isZero();
            }
            long before = broker.malformed();
            byte[] written = client.send(c.bytes());
            c.expected().check(written, client.isOpen());
            assertThat(broker.malformed() - before).as("stats.malformedPackets increase").isEqualTo(c.malformed() ? 1 : 0);
            assertThat(client.closeReason()).as("close reason (\"error\" means a handler threw)").isNotEqualTo("error");
        }
    }

    /** A fresh connection on the same core connects (v5 and 3.1.1) and is answered. */
    static void assertStillAcceptsClients(EmbeddedBroker broker, String clientId) {
        for (int version : new int[] {5, 4}) {
            try (RawClient fresh = broker.client()) {
                byte[] connack = fresh.send(Packets.connect(version, clientId + "-v" + version));
                assertThat(connack[0]).as("CONNACK type").isEqualTo((byte) 0x20);
                assertThat(connack[3]).as("CONNACK code for a valid CONNECT").isZero();
                assertThat(fresh.send(Packets.PINGREQ)).containsExactly(Packets.PINGRESP);
                fresh.send(Packets.disconnect(version));
                assertThat(fresh.isOpen()).isFalse();
            }
        }
    }
}
