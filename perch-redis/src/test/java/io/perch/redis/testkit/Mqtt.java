package io.perch.redis.testkit;

import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A Paho MQTT 3.1.1 client over a real socket that records what it receives. */
public final class Mqtt implements AutoCloseable {
    public record Received(String topic, String payload, int qos, boolean retained) {
    }

    public final MqttClient client;
    public final List<Received> received = new CopyOnWriteArrayList<>();

    private Mqtt(MqttClient client) {
        this.client = client;
    }

    public static Mqtt connect(String uri, String clientId, boolean cleanSession) {
        try {
            MqttClient c = new MqttClient(uri, clientId, new MemoryPersistence());
            Mqtt m = new Mqtt(c);
            c.setCallback(new MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                }

                @Override
                public void messageArrived(String topic, MqttMessage message) {
                    m.received.add(new Received(topic, new String(message.getPayload(), StandardCharsets.UTF_8),
                            message.getQos(), message.isRetained()));
                }

                @Override
                public void deliveryComplete(IMqttDeliveryToken token) {
                }
            });
            MqttConnectOptions o = new MqttConnectOptions();
            o.setCleanSession(cleanSession);
            o.setAutomaticReconnect(false);
            o.setConnectionTimeout(5);
            o.setMaxInflight(1000);
            c.connect(o);
            return m;
        } catch (MqttException e) {
            throw new IllegalStateException(e);
        }
    }

    public void subscribe(String filter, int qos) {
        try {
            client.subscribe(filter, qos);
        } catch (MqttException e) {
            throw new IllegalStateException(e);
        }
    }

    public void publish(String topic, String payload, int qos, boolean retain) {
        try {
            client.publish(topic, payload.getBytes(StandardCharsets.UTF_8), qos, retain);
        } catch (MqttException e) {
            throw new IllegalStateException(e);
        }
    }

    public List<String> payloads() {
        return received.stream().map(Received::payload).toList();
    }

    /** A clean DISCONNECT. */
    public void disconnect() {
        try {
            if (client.isConnected()) {
                client.disconnect(2000);
            }
        } catch (MqttException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            if (client.isConnected()) {
                client.disconnectForcibly(500, 500);
            }
            client.close(true);
        } catch (MqttException ignored) {
            // closing after a failed test
        }
    }
}
