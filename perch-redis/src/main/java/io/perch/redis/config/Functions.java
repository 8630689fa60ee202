package io.perch.redis.config;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** The built-in functions (spec section 4) and the hook points each may run on. */
public final class Functions {
    private Functions() {
    }

    public static final String ON_CLIENT_CONNECTED = "on_client_connected";
    public static final String ON_CLIENT_DISCONNECTED = "on_client_disconnected";
    public static final String ON_SUBSCRIBE_LOOKUP = "on_subscribe_lookup";
    public static final String ON_MESSAGE_PUBLISH = "on_message_publish";
    public static final String ON_MESSAGE_RETAIN = "on_message_retain";
    public static final String ON_RETAIN_DELETE = "on_retain_delete";
    public static final String ON_MESSAGE_STORE_KEEP_LATEST = "on_message_store_keep_latest";
    public static final String ON_MESSAGE_FETCH_FOR_QUEUE = "on_message_fetch_for_queue";
    public static final String ON_MESSAGE_FETCH_FOR_PUBSUB = "on_message_fetch_for_pubsub";
    public static final String ON_MESSAGE_FETCH_FOR_KEEP_LATEST = "on_message_fetch_for_keep_latest";
    public static final String ON_RETAIN_LOOKUP = "on_retain_lookup";
    public static final String ON_MESSAGE_ACKED_FOR_QUEUE = "on_message_acked_for_queue";
    public static final String ON_MESSAGE_ACKED_FOR_PUBSUB = "on_message_acked_for_pubsub";
    public static final String ON_MESSAGE_ACKED_FOR_KEEP_LATEST = "on_message_acked_for_keep_latest";

    /** Hook points rules may name. session.created is the older docs' alias of client.connected. */
    public static final List<String> HOOK_POINTS = List.of("client.connected", "client.disconnected",
            "session.created", "session.subscribed", "session.unsubscribed", "message.publish",
            "message.delivered", "message.acked");

    private static final Map<String, Set<String>> BY_HOOK = Map.of(
            "client.connected", Set.of(ON_CLIENT_CONNECTED, ON_SUBSCRIBE_LOOKUP),
            "session.created", Set.of(ON_CLIENT_CONNECTED, ON_SUBSCRIBE_LOOKUP),
            "client.disconnected", Set.of(ON_CLIENT_DISCONNECTED),
            "message.publish", Set.of(ON_MESSAGE_PUBLISH, ON_MESSAGE_RETAIN, ON_RETAIN_DELETE,
                    ON_MESSAGE_STORE_KEEP_LATEST),
            "session.subscribed", Set.of(ON_MESSAGE_FETCH_FOR_QUEUE, ON_MESSAGE_FETCH_FOR_PUBSUB,
                    ON_MESSAGE_FETCH_FOR_KEEP_LATEST, ON_RETAIN_LOOKUP),
            "message.acked", Set.of(ON_MESSAGE_ACKED_FOR_QUEUE, ON_MESSAGE_ACKED_FOR_PUBSUB,
                    ON_MESSAGE_ACKED_FOR_KEEP_LATEST),
            "session.unsubscribed", Set.of(),
            "message.delivered", Set.of());

    public static Set<String> allowedOn(String hookPoint) {
        return BY_HOOK.getOrDefault(hookPoint, Set.of());
    }

    /** The hook point a function belongs on, for error messages; null for an unknown function. */
    public static String homeOf(String function) {
        for (String hp : HOOK_POINTS) {
            if (!hp.equals("session.created") && allowedOn(hp).contains(function)) {
                return hp;
            }
        }
        return null;
    }
}
