package io.perch.redis.cluster;

import io.perch.broker.cluster.Forward;
import io.perch.broker.message.Message;
import io.perch.broker.message.MessageIdGenerator;
import io.perch.broker.message.PublishProperties;
import io.perch.broker.message.UserProperty;
import io.perch.redis.codec.MessageHash;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Every field of a forwarded message, and the control records, survive the trip through stream fields. */
class StreamCodecTest {
    private final MessageIdGenerator ids = new MessageIdGenerator("n1");

    private static InboxRecord roundTrip(List<byte[]> kv) {
        return StreamCodec.decode(MessageHash.asMap(kv));
    }

    @Test
    void aRichMessageRoundTrips() {
        long now = System.currentTimeMillis();
        byte[] payload = new byte[256];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) i; // every byte value, NUL and invalid UTF-8 included
        }
        Message m = new Message(ids.next(), "a/b/ü", payload, 2, true, "pub-1", "alice", now, now + 60_000,
                new PublishProperties(1, "application/octet-stream", "re/ply", new byte[]{0, (byte) 0xff, 7},
                        List.of(new UserProperty("k", "v"), new UserProperty("k", "v2|x"), new UserProperty("", ""))));
        Forward f = new Forward(m, true, List.of("$share/g1/a/+", "$queue/a/#"));

        InboxRecord.Forwarded back = (InboxRecord.Forwarded) roundTrip(StreamCodec.encode(f));

        Message b = back.forward().message();
        assertThat(b.id()).isEqualTo(m.id());
        assertThat(b.topic()).isEqualTo(m.topic());
        assertThat(b.payload()).isEqualTo(payload);
        assertThat(b.qos()).isEqualTo(2);
        assertThat(b.retain()).isTrue();
        assertThat(b.from()).isEqualTo("pub-1");
        assertThat(b.username()).isEqualTo("alice");
        assertThat(b.timestamp()).isEqualTo(now);
        assertThat(b.expiresAt()).isEqualTo(now + 60_000);
        assertThat(b.properties().payloadFormat()).isEqualTo(1);
        assertThat(b.properties().contentType()).isEqualTo("application/octet-stream");
        assertThat(b.properties().responseTopic()).isEqualTo("re/ply");
        assertThat(b.properties().correlationData()).isEqualTo(new byte[]{0, (byte) 0xff, 7});
        assertThat(b.properties().userProperties()).isEqualTo(m.properties().userProperties());
        assertThat(back.forward().plain()).isTrue();
        assertThat(back.forward().groups()).containsExactly("$share/g1/a/+", "$queue/a/#");
    }

    /** A message routed again under its first id says so: the receiving node's holders write it again. */
    @Test
    void aMessageRoutedAgainSaysSo() {
        Message m = new Message(ids.next(), "t", new byte[]{1}, 2, false, "p", null, 1_700_000_000_123L, 0,
                PublishProperties.NONE);
        InboxRecord.Forwarded back = (InboxRecord.Forwarded) roundTrip(StreamCodec.encode(new Forward(m, true, List.of(), true)));
        assertThat(back.forward().again()).isTrue();
        assertThat(back.forward().message().id()).isEqualTo(m.id());
    }

    @Test
    void aPlainMessageWithoutSenderOrPropertiesRoundTrips() {
        Message m = new Message(ids.next(), "t", new byte[0], 0, false, null, null, 1_700_000_000_123L, 0,
                PublishProperties.NONE);

        InboxRecord.Forwarded back = (InboxRecord.Forwarded) roundTrip(StreamCodec.encode(new Forward(m, false, List.of())));

        Message b = back.forward().message();
        assertThat(b.id()).isEqualTo(m.id());
        assertThat(b.payload()).isEmpty();
        assertThat(b.from()).isNull();
        assertThat(b.username()).isNull();
        assertThat(b.timestamp()).isEqualTo(1_700_000_000_123L);
        assertThat(b.expiresAt()).isZero();
        assertThat(b.properties().isEmpty()).isTrue();
        assertThat(back.forward().plain()).isFalse();
        assertThat(back.forward().again()).isFalse();
        assertThat(back.forward().groups()).isEmpty();
    }

    @Test
    void anExpiredMessageIsStillDecoded() {
        Message m = new Message(ids.next(), "t", "x".getBytes(StandardCharsets.UTF_8), 1, false, "p", null, 1000, 2000,
                PublishProperties.NONE);
        InboxRecord.Forwarded back = (InboxRecord.Forwarded) roundTrip(StreamCodec.encode(new Forward(m, true, List.of())));
        assertThat(back.forward().message().expiresAt()).isEqualTo(2000);
    }

    @Test
    void controlRecordsRoundTrip() {
        assertThat(roundTrip(StreamCodec.encode(new InboxRecord.Release("c{1}", "node-b", "r1"))))
                .isEqualTo(new InboxRecord.Release("c{1}", "node-b", "r1"));
        assertThat(roundTrip(StreamCodec.encode(new InboxRecord.Released("c{1}", "r1"))))
                .isEqualTo(new InboxRecord.Released("c{1}", "r1"));
    }

    @Test
    void anUnknownTypeIsReportedNotFatal() {
        assertThat(StreamCodec.decode(Map.of("type".getBytes(StandardCharsets.UTF_8), "later".getBytes(StandardCharsets.UTF_8))))
                .isEqualTo(new InboxRecord.Unknown("later"));
    }
}
