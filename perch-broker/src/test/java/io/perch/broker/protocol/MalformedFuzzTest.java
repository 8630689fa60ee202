package io.perch.broker.protocol;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Time-bounded, seeded fuzzing of the engine: valid sessions (3.1, 3.1.1, 5) mutated by
 * {@link PacketMutator}, fed in random chunks. For every input the broker must not throw out
 * of the pipeline, must write only well-formed packets, must release every buffer, and must
 * either answer or close: a connection still open afterwards must answer a PINGREQ, or, if
 * it is still waiting for the rest of a packet, close once the packet is completed with zero
 * bytes (a zero first byte is the reserved packet type 0, always malformed).
 *
 * <p>Reproduce with {@code -Dperch.fuzz.seed=S -Dperch.fuzz.millis=M}; each failure names its
 * seed, iteration and input, and iteration i uses only {@code new Random(mix(seed, i))}.
 */
class MalformedFuzzTest {
    private static final long SEED = Long.getLong("perch.fuzz.seed", 0x5EED_2024L);
    /** Total time budget; the first part runs with every buffer leak-tracked (PARANOID, about 10x slower). */
    private static final long MILLIS = Long.getLong("perch.fuzz.millis", 4000);
    private static final long PARANOID_MILLIS = Long.getLong("perch.fuzz.paranoid.millis", 1500);
    private static final int MAX_ITERATIONS = Integer.getInteger("perch.fuzz.iterations", 200_000);
    private static final int MAX_PACKET_SIZE = 4096;
    /**
     * Enough zeros to complete any packet the decoder may be waiting for: the payload (at most
     * max_packet_size) plus six two-byte-length strings that Netty reads even past the remaining length.
     */
    private static final byte[] DRAIN = new byte[MAX_PACKET_SIZE + 6 * 65537 + 16];

    @Test
    void mutatedSessionsNeverBreakTheBroker() {
        Logger engineLog = (Logger) LoggerFactory.getLogger("io.perch");
        Level level = engineLog.getLevel();
        engineLog.setLevel(Level.WARN); // thousands of connections: keep INFO out of the report
        int iterations = 0;
        int paranoidIterations = 0;
        try (LeakWatch watch = LeakWatch.paranoid();
             EmbeddedBroker broker = new EmbeddedBroker(b -> b.maxPacketSize(MAX_PACKET_SIZE).maxTopicAlias(10))) {
            long start = System.nanoTime();
            long deadline = start + MILLIS * 1_000_000;
            boolean paranoid = true;
            for (int i = 0; i < MAX_ITERATIONS && System.nanoTime() < deadline; i++) {
                if (paranoid && System.nanoTime() - start > PARANOID_MILLIS * 1_000_000) {
                    watch.trackEveryBuffer(false); // from here on the per-buffer refCnt checks of RawClient
                    paranoid = false;
                    paranoidIterations = i;
                }
                fuzzOne(broker, i);
                iterations++;
            }
            MalformedPacketTest.assertStillAcceptsClients(broker, "fuzz-after");
//Y
            assertThat(watch.engineWarnings()).as("engine warnings").isEmpty();
        } finally {
            engineLog.setLevel(level);
        }
        assertThat(iterations).as("iterations run in %d ms", MILLIS).isGreaterThan(100);
        System.out.printf("fuzz: seed %d, %d iterations (%d leak-tracked) in %d ms: %d closed, %d answered a PINGREQ,"
                + " %d closed by the drain%n", SEED, iterations, paranoidIterations, MILLIS, outcomes[0], outcomes[1], outcomes[2]);
    }

    /** How inputs ended: closed while fed, answered a PINGREQ after, closed by the drain. */
    private static final int[] outcomes = new int[3];

    private static void fuzzOne(EmbeddedBroker broker, int i) {
        Random rnd = new Random(SEED * 0x9E3779B97F4A7C15L + i);
        int version = 3 + rnd.nextInt(3);
        PacketMutator.Mutation m = new PacketMutator(rnd).mutate(Packets.session(version, "fz-" + i));
        try (RawClient c = broker.client()) {
            ByteArrayOutputStream written = new ByteArrayOutputStream();
            byte[] in = m.bytes();
            boolean chunked = rnd.nextBoolean();
            for (int pos = 0; pos < in.length; ) {
                int n = chunked ? 1 + rnd.nextInt(Math.min(in.length - pos, 48)) : in.length - pos;
                c.feed(java.util.Arrays.copyOfRange(in, pos, pos + n));
                written.writeBytes(c.take());
                pos += n;
            }
            Frames.split(written.toByteArray()); // only whole, well-framed packets
            if (!c.isOpen()) {
                outcomes[0]++;
            } else {
                List<byte[]> answer = Frames.split(c.send(Packets.PINGREQ));
                boolean ponged = !answer.isEmpty() && Frames.type(answer.get(answer.size() - 1)) == 13;
                outcomes[ponged ? 1 : 2]++;
                if (!ponged && c.isOpen()) {
                    c.feed(DRAIN);
                    Frames.split(c.take());
                    assertThat(c.isOpen()).as("connection neither answered a PINGREQ nor closed").isFalse();
                }
            }
            assertThat(c.closeReason()).as("close reason (\"error\": a handler threw)").isNotEqualTo("error");
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError(String.format("fuzz failure: seed %d iteration %d, MQTT level %d, mutation [%s], input %s",
                    SEED, i, version, m.description(), Bytes.toHex(m.bytes())), e);
        }
    }
}
