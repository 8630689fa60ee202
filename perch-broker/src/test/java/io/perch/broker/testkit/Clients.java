package io.perch.broker.testkit;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Makes clients of every kind against one broker fixture and closes them all in
 * {@link #close()} (call it in {@code @AfterEach}, before closing the broker).
 */
public final class Clients implements AutoCloseable {
    private final BrokerFixture broker;
    private final List<AutoCloseable> open = new ArrayList<>();

    public Clients(BrokerFixture broker) {
        this.broker = broker;
    }

    // ---- Paho MQTT 3.1.1 ----------------------------------------------------------------

    /** A Paho v3 client on TCP, not yet connected, feeding {@code inbox} (may be null). */
    public MqttClient v3Client(String clientId, Inbox inbox) {
        return v3Client(broker.tcpUri(), clientId, inbox);
    }

    public MqttClient v3Client(String uri, String clientId, Inbox inbox) {
        try {
            MqttClient c = new MqttClient(uri, clientId, new MemoryPersistence());
            if (inbox != null) {
                c.setCallback(inbox);
            }
            open.add(() -> {
                if (c.isConnected()) {
                    c.disconnectForcibly(0, 10);
                }
                c.close(true);
            });
            return c;
        } catch (org.eclipse.paho.client.mqttv3.MqttException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Clean-session options with a 60 s keep alive. */
    public static MqttConnectOptions v3Options(boolean clean) {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(clean);
        o.setKeepAliveInterval(60);
        o.setMaxInflight(1000);
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1); // no silent fallback to 3.1 on refusal
        return o;
    }

    /** A connected Paho v3 client with a clean session. */
    public MqttClient v3(String clientId, Inbox inbox) {
        return v3(clientId, inbox, o -> { });
    }

    public MqttClient v3(String clientId, Inbox inbox, Consumer<MqttConnectOptions> tune) {
        MqttClient c = v3Client(clientId, inbox);
        MqttConnectOptions o = v3Options(true);
        tune.accept(o);
        try {
            c.connect(o);
        } catch (org.eclipse.paho.client.mqttv3.MqttException e) {
            throw new IllegalStateException(e);
        }
        return c;
    }

    // ---- Paho MQTT 5 --------------------------------------------------------------------

    public org.eclipse.paho.mqttv5.client.MqttClient v5Client(String clientId, Inbox inbox) {
        return v5Client(broker.tcpUri(), clientId, inbox);
    }

    public org.eclipse.paho.mqttv5.client.MqttClient v5Client(String uri, String clientId, Inbox inbox) {
        try {
            var c = new org.eclipse.paho.mqttv5.client.MqttClient(uri, clientId, new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
            if (inbox != null) {
                c.setCallback(inbox);
            }
            open.add(() -> {
                if (c.isConnected()) {
                    c.disconnectForcibly(0, 10, false);
                }
                c.close(true);
            });
            return c;
        } catch (org.eclipse.paho.mqttv5.common.MqttException e) {
            throw new IllegalStateException(e);
        }
    }

    public static MqttConnectionOptions v5Options(boolean cleanStart) {
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(cleanStart);
        o.setKeepAliveInterval(60);
        return o;
    }

    /** A connected Paho v5 client with clean start and no session expiry. */
    public org.eclipse.paho.mqttv5.client.MqttClient v5(String clientId, Inbox inbox) {
        return v5(clientId, inbox, o -> { });
    }

    public org.eclipse.paho.mqttv5.client.MqttClient v5(String clientId, Inbox inbox, Consumer<MqttConnectionOptions> tune) {
        var c = v5Client(clientId, inbox);
        MqttConnectionOptions o = v5Options(true);
        tune.accept(o);
        try {
            c.connect(o);
        } catch (org.eclipse.paho.mqttv5.common.MqttException e) {
            throw new IllegalStateException(e);
        }
        return c;
    }

    // ---- HiveMQ MQTT 5 ------------------------------------------------------------------

    /** A HiveMQ v5 client, not connected; every publish it receives goes to {@code inbox} (may be null). */
    public Mqtt5BlockingClient hive(String clientId, Inbox inbox) {
        Mqtt5BlockingClient c = Mqtt5Client.builder().identifier(clientId).serverHost("127.0.0.1")
                .serverPort(broker.tcpPort()).buildBlocking();
        if (inbox != null) {
            c.toAsync().publishes(MqttGlobalPublishFilter.ALL, inbox.hive());
        }
        open.add(() -> {
            if (c.getState().isConnectedOrReconnect()) {
                c.disconnect();
            }
        });
        return c;
    }

    /** A connected HiveMQ v5 client with clean start. */
    public Mqtt5BlockingClient hiveConnected(String clientId, Inbox inbox) {
        Mqtt5BlockingClient c = hive(clientId, inbox);
        c.connect();
        return c;
    }

    /** Publishes text with a HiveMQ client and waits for the acknowledgement (QoS 1/2). */
    public static void publish(Mqtt5BlockingClient c, String topic, String payload, int qos) {
        publish(c, topic, payload, qos, false);
    }

    public static void publish(Mqtt5BlockingClient c, String topic, String payload, int qos, boolean retain) {
        c.publishWith().topic(topic).payload(payload.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .qos(com.hivemq.client.mqtt.datatypes.MqttQos.fromCode(qos)).retain(retain).send();
    }

    // ---- raw ----------------------------------------------------------------------------

    /** A raw TCP connection that has sent nothing yet. */
    public RawClient raw() {
        RawClient c = RawClient.open(broker.tcpPort());
        open.add(c);
        return c;
    }

    /** A raw connection that sent this CONNECT; the CONNACK is the first packet to read. */
    public RawClient raw(MqttConnectMessage connect) {
        RawClient c = raw();
        c.send(connect);
        return c;
    }

    /** Adds something else to close with the clients. */
    public <T extends AutoCloseable> T track(T c) {
        open.add(c);
        return c;
    }

    @Override
    public void close() {
        for (int i = open.size() - 1; i >= 0; i--) {
            try {
                open.get(i).close();
            } catch (Exception ignored) {
                // best effort: the broker may already have closed it
            }
        }
        open.clear();
    }
}
