package io.perch.broker.it;

import io.perch.broker.stats.BrokerStats;
import io.perch.broker.testkit.BrokerTest;
import io.perch.broker.testkit.Inbox;
import io.perch.broker.testkit.LogCapture;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A fuzzer's burst from one host (malformed CONNECTs, protocol errors, WebSocket frames that
 * break RFC 6455, each on its own connection) logs a line or two, not one per connection, while
 * the metrics count every event; and the broker still serves a well-behaved client.
 */
class LogFloodTest extends BrokerTest {
    private static final int BURST = 50;
    /** CONNECT 3.1.1 with Will QoS 3 and no Will Flag: malformed (MQTT-3.1.2-11). */
    private static final byte[] BAD_CONNECT = {0x10, 13, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x18, 0, 60, 0, 1, 'a'};
    /** PINGREQ as the first packet: a protocol error (MQTT-3.1.0-1). */
    private static final byte[] PING_FIRST = {(byte) 0xC0, 0};
    /** A binary frame holding a PINGREQ, unmasked: a client's frames must be masked (RFC 6455 5.1). */
    private static final byte[] UNMASKED_FRAME = {(byte) 0x82, 2, (byte) 0xC0, 0};

    @Test
    void burstOfBadConnectionsLogsOnceAndCountsAll() throws Exception {
        start();
        BrokerStats stats = broker.broker().service().stats();
        List<String> lines;
        try (LogCapture log = new LogCapture()) {
            for (int i = 0; i < BURST; i++) {
                sendAndAwaitClose(broker.tcpPort(), BAD_CONNECT, false);
                sendAndAwaitClose(broker.tcpPort(), PING_FIRST, false);
                sendAndAwaitClose(broker.wsPort(), UNMASKED_FRAME, true);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> stats.webSocketErrors.sum() == BURST
                    && stats.malformedPackets.sum() == BURST && stats.protocolErrors.sum() == BURST);
            lines = log.infoAndAbove();
        }
        assertThat(lines).as("one line for the host, not one per connection").hasSize(1);
        assertThat(lines.get(0)).startsWith("INFO ").contains("host 127.0.0.1", "logged at DEBUG");

        Inbox inbox = new Inbox();
        MqttClient sub = clients.v3("after-burst", inbox);
        sub.subscribe("after/#", 1);
        sub.publish("after/x", "still serving".getBytes(StandardCharsets.UTF_8), 1, false);
        assertThat(inbox.await(1)).extracting(Inbox.Msg::text).containsExactly("still serving");
    }

    /** Opens a socket (upgrading to WebSocket first when asked), writes the bytes, waits for the broker to close it. */
    private static void sendAndAwaitClose(int port, byte[] bytes, boolean webSocket) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            if (webSocket) {
                out.write(("GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                        + "Sec-WebSocket-Protocol: mqtt\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                String head = readHead(in);
                assertThat(head).startsWith("HTTP/1.1 101");
            }
            out.write(bytes);
            out.flush();
            // The broker closes: read to EOF (a close frame may come first); a timeout fails the test.
            while (in.read() >= 0) {
                // drain
            }
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        while (!b.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            b.append((char) c);
        }
        return b.toString();
    }
}
