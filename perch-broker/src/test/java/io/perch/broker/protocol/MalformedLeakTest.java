package io.perch.broker.protocol;

import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole malformed-packet corpus under Netty's PARANOID leak detection: no buffer the
 * engine touched may be garbage-collected unreleased. (Each case also checks, through
 * {@link RawClient#close()}, that the buffers it fed in are back to their own reference.)
 */
class MalformedLeakTest {

    @Test
    void detectorCatchesADeliberateLeak() {
        String tag = "deliberate-leak-" + UUID.randomUUID();
        try (LeakWatch watch = LeakWatch.paranoid()) {
            LeakWatch.leakDeliberately(tag);
            assertThat(watch.leaksAfterGc()).anyMatch(l -> l.contains(tag));
        }
    }

    @Test
    void corpusLeaksNothing() {
        try (LeakWatch watch = LeakWatch.paranoid();
             EmbeddedBroker broker = new EmbeddedBroker(
                     b -> b.maxPacketSize(ConnectCorpus.MAX_PACKET_SIZE).maxTopicAlias(ConnectCorpus.MAX_TOPIC_ALIAS))) {
            int n = 0;
            for (MalformedCase c : MalformedPacketTest.corpus()) {
                MalformedPacketTest.run(broker, c, "leak-" + n++);
            }
            MalformedPacketTest.assertStillAcceptsClients(broker, "leak-after");
            assertThat(n).isGreaterThan(50);
            assertThat(watch.leaksAfterGc()).as("leak reports").isEmpty();
            assertThat(watch.engineWarnings()).as("engine warnings").isEmpty();
        }
    }
}
