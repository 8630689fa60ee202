package io.perch.redis.testkit;

import io.perch.broker.hook.HookPoints;
import io.perch.broker.hook.event.ClientEvent;
import io.perch.broker.hook.event.ClientInfo;
import io.perch.broker.hook.event.DeliveryEvent;
import io.perch.broker.hook.event.DisconnectedEvent;
import io.perch.broker.hook.event.PublishEvent;
import io.perch.broker.hook.event.SubscribedEvent;
import io.perch.broker.hook.event.UnsubscribedEvent;
import io.perch.broker.message.Message;
import io.perch.broker.message.SubscriptionOptions;

import java.nio.charset.StandardCharsets;

/** Fires hook events through the recording broker's real registry, as the engine would. */
public final class Events {
    private final RecordingBroker broker;

    public Events(RecordingBroker broker) {
        this.broker = broker;
    }

    public ClientInfo client(String cid) {
        return new ClientInfo(cid, null, "127.0.0.1", 50000, 4, false, 60, System.currentTimeMillis(),
                broker.nodeName(), "tcp:external");
    }

    public void connected(String cid) {
        broker.sessions.add(cid);
        broker.connected.add(cid);
        broker.hooks().run(HookPoints.CLIENT_CONNECTED, new ClientEvent(client(cid), false));
    }

    public void disconnected(String cid) {
        broker.connected.remove(cid);
        broker.hooks().run(HookPoints.CLIENT_DISCONNECTED, new DisconnectedEvent(client(cid), "normal"));
    }

    public void subscribed(String cid, String filter, int qos) {
        broker.sessions.add(cid);
        broker.hooks().run(HookPoints.SESSION_SUBSCRIBED,
                new SubscribedEvent(client(cid), filter, SubscriptionOptions.ofQos(qos), true));
    }

    public void unsubscribed(String cid, String filter) {
        broker.hooks().run(HookPoints.SESSION_UNSUBSCRIBED, new UnsubscribedEvent(client(cid), filter));
    }

    public Message publish(String from, String topic, String payload, int qos, boolean retain) {
        return publish(from, topic, payload.getBytes(StandardCharsets.UTF_8), qos, retain);
    }

    public Message publish(String from, String topic, byte[] payload, int qos, boolean retain) {
        return publish(broker.newMessage(topic, payload, qos, retain, from));
    }

    /** Publishes a message built by the test (e.g. with an expiry or MQTT 5 properties). */
    public Message publish(Message m) {
        broker.hooks().run(HookPoints.MESSAGE_PUBLISH, new PublishEvent(client(m.from()), m, true));
        return m;
    }

    public void acked(String cid, Message m) {
        broker.hooks().run(HookPoints.MESSAGE_ACKED, new DeliveryEvent(client(cid), m));
    }

    public void delivered(String cid, Message m) {
        broker.hooks().run(HookPoints.MESSAGE_DELIVERED, new DeliveryEvent(client(cid), m));
    }
}
