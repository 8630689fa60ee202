package io.perch.dashboard;

import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttPingSender;
import org.eclipse.paho.client.mqttv3.internal.ClientComms;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import java.util.ArrayList;
import java.util.List;

/**
 * Many real MQTT connections (Paho's async client, connected in parallel) so list pages have
 * something to page through. Keepalive 0 and a ping sender that does nothing: Paho's default
 * one starts a timer thread per client, and a test's few seconds need no pings.
 */
final class ClientFleet implements AutoCloseable {
    private final List<MqttAsyncClient> clients = new ArrayList<>();

    /** Connects {@code count} clients named {@code prefix + 001...}, each with the given username; returns once all are connected. */
    static ClientFleet connect(String uri, String prefix, int count, String username) throws Exception {
        ClientFleet fleet = new ClientFleet();
        try {
            List<IMqttToken> tokens = new ArrayList<>(count);
            for (int i = 1; i <= count; i++) {
                MqttAsyncClient c = new MqttAsyncClient(uri, String.format("%s%03d", prefix, i), new MemoryPersistence(), new NoPings());
                fleet.clients.add(c);
                MqttConnectOptions o = new MqttConnectOptions();
                o.setKeepAliveInterval(0);
                o.setUserName(username);
                o.setPassword("pw".toCharArray());
                tokens.add(c.connect(o));
            }
            for (IMqttToken t : tokens) {
                t.waitForCompletion(30_000);
            }
            return fleet;
        } catch (Exception | Error e) {
            fleet.close();
            throw e;
        }
    }

    @Override
    public void close() {
        for (MqttAsyncClient c : clients) {
            try {
                if (c.isConnected()) {
                    // Without a DISCONNECT packet: Paho waits out the whole timeout for its token
                    // (a second per client), and closing the socket ends the session as well.
                    c.disconnectForcibly(0, 1000, false);
                }
                c.close(true);
            } catch (Exception ignored) {
                // closing the rest matters more than one client that will not close
            }
        }
    }

    private static final class NoPings implements MqttPingSender {
        @Override
        public void init(ClientComms comms) {
        }

        @Override
        public void start() {
        }

        @Override
        public void stop() {
        }

        @Override
        public void schedule(long delayInMilliseconds) {
        }
    }
}
