package io.perch.broker.hook;

import io.perch.broker.hook.event.*;

import java.util.List;
import java.util.Optional;

/** Every hook point the broker fires, with the EMQ X names that rule files use. */
public final class HookPoints {
    private HookPoints() {
    }

    public static final HookPoint<ConnectEvent> CLIENT_CONNECT = new HookPoint<>("client.connect", ConnectEvent.class);
    public static final HookPoint<ConnackEvent> CLIENT_CONNACK = new HookPoint<>("client.connack", ConnackEvent.class);
    public static final HookPoint<ClientEvent> CLIENT_CONNECTED = new HookPoint<>("client.connected", ClientEvent.class);
    public static final HookPoint<DisconnectedEvent> CLIENT_DISCONNECTED = new HookPoint<>("client.disconnected", DisconnectedEvent.class);
    public static final HookPoint<AuthenticateEvent> CLIENT_AUTHENTICATE = new HookPoint<>("client.authenticate", AuthenticateEvent.class);
    public static final HookPoint<AclCheckEvent> CLIENT_CHECK_ACL = new HookPoint<>("client.check_acl", AclCheckEvent.class);
    /** Enhanced authentication (MQTT 5 AUTH exchange). With no callback the broker refuses it. */
    public static final HookPoint<EnhancedAuthEvent> CLIENT_ENHANCED_AUTH = new HookPoint<>("client.enhanced_authenticate", EnhancedAuthEvent.class);
    public static final HookPoint<SessionEvent> SESSION_CREATED = new HookPoint<>("session.created", SessionEvent.class);
    public static final HookPoint<SubscribedEvent> SESSION_SUBSCRIBED = new HookPoint<>("session.subscribed", SubscribedEvent.class);
    public static final HookPoint<UnsubscribedEvent> SESSION_UNSUBSCRIBED = new HookPoint<>("session.unsubscribed", UnsubscribedEvent.class);
    public static final HookPoint<SessionEvent> SESSION_RESUMED = new HookPoint<>("session.resumed", SessionEvent.class);
    public static final HookPoint<SessionEvent> SESSION_DISCARDED = new HookPoint<>("session.discarded", SessionEvent.class);
    public static final HookPoint<SessionEvent> SESSION_TAKENOVER = new HookPoint<>("session.takenover", SessionEvent.class);
    public static final HookPoint<SessionEvent> SESSION_TERMINATED = new HookPoint<>("session.terminated", SessionEvent.class);
    public static final HookPoint<PublishEvent> MESSAGE_PUBLISH = new HookPoint<>("message.publish", PublishEvent.class);
    public static final HookPoint<DeliveryEvent> MESSAGE_DELIVERED = new HookPoint<>("message.delivered", DeliveryEvent.class);
    public static final HookPoint<DeliveryEvent> MESSAGE_ACKED = new HookPoint<>("message.acked", DeliveryEvent.class);
    public static final HookPoint<DroppedEvent> MESSAGE_DROPPED = new HookPoint<>("message.dropped", DroppedEvent.class);

    public static final List<HookPoint<?>> ALL = List.of(
            CLIENT_CONNECT, CLIENT_CONNACK, CLIENT_CONNECTED, CLIENT_DISCONNECTED, CLIENT_AUTHENTICATE,
            CLIENT_CHECK_ACL, CLIENT_ENHANCED_AUTH, SESSION_CREATED, SESSION_SUBSCRIBED, SESSION_UNSUBSCRIBED,
            SESSION_RESUMED, SESSION_DISCARDED, SESSION_TAKENOVER, SESSION_TERMINATED, MESSAGE_PUBLISH,
            MESSAGE_DELIVERED, MESSAGE_ACKED, MESSAGE_DROPPED);

    /** Looks a hook point up by its EMQ X name, e.g. {@code "session.subscribed"}. */
    public static Optional<HookPoint<?>> byName(String name) {
        for (HookPoint<?> p : ALL) {
            if (p.name().equals(name)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
