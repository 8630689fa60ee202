package io.perch.broker.testkit;

import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;


/**
 * Collects what a client receives, whichever library it is: a Paho v3 callback, a Paho v5
 * callback, and (through {@link #hive()}) a HiveMQ publish consumer. Messages keep arrival order.
 */
public final class Inbox implements MqttCallbackExtended, MqttCallback {
    public static final Duration WAIT = Duration.ofSeconds(5);

    /** One received message; {@code raw} is the library's own object (for v5 properties). */
    public record Msg(String topic, byte[] payload, int qos, boolean retained, boolean dup, Object raw) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /** Paho v5 properties (null for other libraries). */
        public MqttProperties props() {
            return raw instanceof org.eclipse.paho.mqttv5.common.MqttMessage m ? m.getProperties() : null;
        }

        public Mqtt5Publish hive() {
            return (Mqtt5Publish) raw;
        }

        @Override
        public String toString() {
            return topic + ":" + text() + ":q" + qos + (retained ? ":r" : "") + (dup ? ":dup" : "");
        }
    }

    private final List<Msg> messages = new CopyOnWriteArrayList<>();
    private volatile Throwable lost;
    private volatile MqttDisconnectResponse disconnect;

    public List<Msg> messages() {
        return List.copyOf(messages);
    }

    public List<String> texts() {
        return messages.stream().map(Msg::text).toList();
    }

    public List<String> topics() {
        return messages.stream().map(Msg::topic).toList();
    }

    public int size() {
        return messages.size();
    }

    public void clear() {
        messages.clear();
    }

    /** Waits until at least n messages arrived and returns all received. */
    public List<Msg> await(int n) {
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> messages.size() >= n);
        return messages();
    }

    /** Waits for a message with this payload and returns it. */
    public Msg awaitText(String text) {
        return awaitMatch(m -> m.text().equals(text));
    }

    public Msg awaitMatch(Predicate<Msg> p) {
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> messages.stream().anyMatch(p));
        return messages.stream().filter(p).findFirst().orElseThrow();
    }

    public boolean hasText(String text) {
        return messages.stream().anyMatch(m -> m.text().equals(text));
    }

    /** Paho v3: the connection was lost (not closed by the client). */
    public Throwable lost() {
        return lost;
    }

    /** Paho v5: the server's DISCONNECT (or the loss). */
    public MqttDisconnectResponse disconnect() {
        return disconnect;
    }

    /** A HiveMQ publish consumer feeding this inbox. */
    public Consumer<Mqtt5Publish> hive() {
        return p -> messages.add(new Msg(p.getTopic().toString(), p.getPayloadAsBytes(), p.getQos().getCode(),
                p.isRetain(), false, p));
    }

    // ---- Paho v3 ------------------------------------------------------------------------

    @Override
    public void connectionLost(Throwable cause) {
        lost = cause;
    }

    @Override
    public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage m) {
        messages.add(new Msg(topic, m.getPayload(), m.getQos(), m.isRetained(), m.isDuplicate(), m));
    }

    @Override
    public void deliveryComplete(IMqttDeliveryToken token) {
    }

    @Override
    public void connectComplete(boolean reconnect, String serverURI) {
    }

    // ---- Paho v5 ------------------------------------------------------------------------

    @Override
    public void disconnected(MqttDisconnectResponse r) {
        disconnect = r;
    }

    @Override
    public void mqttErrorOccurred(MqttException e) {
    }

    @Override
    public void messageArrived(String topic, org.eclipse.paho.mqttv5.common.MqttMessage m) {
        messages.add(new Msg(topic, m.getPayload(), m.getQos(), m.isRetained(), m.isDuplicate(), m));
    }

    @Override
    public void deliveryComplete(IMqttToken token) {
    }

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {
    }
}
