package io.perch.broker.it;

import io.perch.broker.config.ListenerConfig;
import io.perch.broker.testkit.BrokerTest;
import io.perch.broker.testkit.Clients;
import io.perch.broker.testkit.Inbox;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code mqtt_piggyback}: with {@code multiple} (the default) the packets a connection is sent
 * between two flushes share one WebSocket frame; with {@code single} each has a frame of its
 * own. Frames are read by the JDK's WebSocket client, which reports where each frame ends.
 */
@Timeout(60)
class WebSocketPiggybackTest extends BrokerTest {
    private static final int BURST = 20;

    @Test
    void packetsSentInOneTurnShareAFrameByDefault() throws Exception {
        start();
        List<byte[]> frames = burstToItself("multi");
        List<List<byte[]>> packets = frames.stream().map(WebSocketPiggybackTest::packets).toList();
        List<byte[]> publishes = publishes(packets);
        assertThat(publishes).extracting(p -> new String(p, StandardCharsets.UTF_8))
                .containsExactlyElementsOf(IntStream.range(0, BURST).mapToObj(i -> "m" + i).toList());
        // The burst came in one frame and was routed in one read: its copies go out in fewer frames.
        assertThat(packets).anySatisfy(inFrame -> assertThat(inFrame.size()).isGreaterThan(1));
        assertThat(frames.size()).isLessThan(packets.stream().mapToInt(List::size).sum());
    }

    @Test
    void singleSendsEachPacketInAFrameOfItsOwn() throws Exception {
        start(b -> b.listeners(List.of(ListenerConfig.tcp("127.0.0.1", 0),
                ListenerConfig.ws("127.0.0.1", 0, "/mqtt").withPiggyback(false))));
        List<byte[]> frames = burstToItself("single");
        List<List<byte[]>> packets = frames.stream().map(WebSocketPiggybackTest::packets).toList();
        assertThat(packets).allSatisfy(inFrame -> assertThat(inFrame).hasSize(1));
        assertThat(publishes(packets)).hasSize(BURST);
    }

    @Test
    void pahoOverWebSocketGetsALongBurstWholeAndInOrder() throws Exception {
        start();
        Inbox inbox = new Inbox();
        MqttClient sub = clients.v3Client(broker.wsUri(), "ws-burst-sub", inbox);
        sub.connect(Clients.v3Options(true));
        sub.subscribe("burst/#", 1);
        MqttClient pub = clients.v3("tcp-burst-pub", null);
        int n = 2_000;
        for (int i = 0; i < n; i++) {
            // QoS 0 from the publisher: nothing waits for an acknowledgement, so copies pile up per flush.
            pub.publish("burst/x", ("b" + i).getBytes(StandardCharsets.UTF_8), 0, false);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> inbox.messages().size() >= n);
        assertThat(inbox.texts()).containsExactlyElementsOf(IntStream.range(0, n).mapToObj(i -> "b" + i).toList());
    }

    /**
     * Connects a raw MQTT 3.1.1 client over WebSocket that subscribes to its own topic, then sends
     * {@link #BURST} QoS 0 publishes in one frame; returns the frames it got, CONNACK to last copy.
     */
    private List<byte[]> burstToItself(String clientId) throws Exception {
        ConcurrentLinkedQueue<byte[]> frames = new ConcurrentLinkedQueue<>();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().subprotocols("mqtt")
                .buildAsync(URI.create(broker.wsUri()), new Frames(frames)).get(10, TimeUnit.SECONDS);
        clients.track(() -> ws.abort());
        ws.sendBinary(ByteBuffer.wrap(connect(clientId)), true).get(5, TimeUnit.SECONDS);
        await().until(() -> count(frames, 0x20) == 1); // CONNACK
        ws.sendBinary(ByteBuffer.wrap(subscribe("self/" + clientId)), true).get(5, TimeUnit.SECONDS);
        await().until(() -> count(frames, 0x90) == 1); // SUBACK
        ByteArrayOutputStream burst = new ByteArrayOutputStream();
        for (int i = 0; i < BURST; i++) {
            burst.writeBytes(publish("self/" + clientId, "m" + i));
        }
        ws.sendBinary(ByteBuffer.wrap(burst.toByteArray()), true).get(5, TimeUnit.SECONDS);
        await().until(() -> count(frames, 0x30) == BURST);
        return List.copyOf(frames);
    }

    /** Collects whole frames: the JDK may hand a frame over in parts, the last one marked. */
    private static final class Frames implements WebSocket.Listener {
        private final ConcurrentLinkedQueue<byte[]> frames;
        private final ByteArrayOutputStream current = new ByteArrayOutputStream();

        Frames(ConcurrentLinkedQueue<byte[]> frames) {
            this.frames = frames;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            current.writeBytes(b);
            if (last) {
                frames.add(current.toByteArray());
                current.reset();
            }
            ws.request(1);
            return null;
        }
    }

    private static long count(ConcurrentLinkedQueue<byte[]> frames, int type) {
        return frames.stream().flatMap(f -> packets(f).stream()).filter(p -> (p[0] & 0xF0) == type).count();
    }

    /** The whole MQTT packets of one frame; a frame that ends inside a packet fails the test. */
    private static List<byte[]> packets(byte[] frame) {
        return io.perch.broker.protocol.Frames.split(frame);
    }

    /** The payloads of the QoS 0 PUBLISH packets, in the order received. */
    private static List<byte[]> publishes(List<List<byte[]>> packets) {
        List<byte[]> out = new ArrayList<>();
        for (List<byte[]> inFrame : packets) {
            for (byte[] p : inFrame) {
                if ((p[0] & 0xF0) == 0x30) {
                    int at = 1;
                    while ((p[at++] & 0x80) != 0) {
                        // remaining length bytes
                    }
                    int topicLength = ((p[at] & 0xFF) << 8) | (p[at + 1] & 0xFF);
                    at += 2 + topicLength;
                    byte[] payload = new byte[p.length - at];
                    System.arraycopy(p, at, payload, 0, payload.length);
                    out.add(payload);
                }
            }
        }
        return out;
    }

    private static byte[] connect(String clientId) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(string("MQTT"));
        body.write(4); // 3.1.1
        body.write(0x02); // clean session
        body.write(0);
        body.write(60); // keep alive
        body.writeBytes(string(clientId));
        return packet(0x10, body.toByteArray());
    }

    private static byte[] subscribe(String filter) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(0);
        body.write(1); // packet id
        body.writeBytes(string(filter));
        body.write(0); // QoS 0
        return packet(0x82, body.toByteArray());
    }

    private static byte[] publish(String topic, String payload) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(string(topic));
        body.writeBytes(payload.getBytes(StandardCharsets.UTF_8));
        return packet(0x30, body.toByteArray());
    }

    private static byte[] string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[b.length + 2];
        out[0] = (byte) (b.length >> 8);
        out[1] = (byte) b.length;
        System.arraycopy(b, 0, out, 2, b.length);
        return out;
    }

    /** A packet whose body is under 128 bytes (one length byte), as all of this test's are. */
    private static byte[] packet(int first, byte[] body) {
        assertThat(body.length).isLessThan(128);
        byte[] out = new byte[body.length + 2];
        out[0] = (byte) first;
        out[1] = (byte) body.length;
        System.arraycopy(body, 0, out, 2, body.length);
        return out;
    }
}
