package io.perch.server.config;

import io.perch.broker.config.BrokerConfig;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.ConfigException;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import static io.perch.server.config.ConfigValues.bool;
import static io.perch.server.config.ConfigValues.choice;
import static io.perch.server.config.ConfigValues.decimal;
import static io.perch.server.config.ConfigValues.duration;
import static io.perch.server.config.ConfigValues.integer;
import static io.perch.server.config.ConfigValues.seconds;
import static io.perch.server.config.ConfigValues.size;
import static io.perch.server.config.ConfigValues.text;

/**
 * The engine's scalar keys (everything but {@code listener.*}, see {@link ListenerKeys}) and
 * how each one sets {@link BrokerConfig.Builder}. Order follows EMQ X 4's emqx.conf, which
 * etc/perch.conf mirrors.
 */
final class BrokerKeys {
    @FunctionalInterface
    interface Binder {
        void bind(ConfigEntry e, BrokerConfig.Builder b);
    }

    /** MQTT's largest packet: 256 MB of remaining length plus the fixed header, rounded. */
    private static final long MAX_PACKET = 256L * 1024 * 1024;

    /** A bound for max_mqueue_bytes that no real session queue reaches (1 TB), so that a typo in the unit shows. */
    private static final long MAX_QUEUE_BYTES = 1L << 40;

    static final Map<String, Binder> KEYS = keys();

    private BrokerKeys() {
    }

    private static Map<String, Binder> keys() {
        Map<String, Binder> k = new LinkedHashMap<>();
        k.put("node.name", (e, b) -> b.nodeName(nodeName(e)));
        k.put("node.io_threads", (e, b) -> b.ioThreads(e.value().equals("auto") ? 0 : ioThreads(e)));
        k.put("node.max_connections", (e, b) -> b.maxConnections(e.value().equals("auto") ? 0 : maxConnections(e)));
        k.put("allow_anonymous", (e, b) -> b.allowAnonymous(bool(e)));
        k.put("acl_nomatch", (e, b) -> b.aclNoMatchAllow(choice(e, "allow", "deny").equals("allow")));
        k.put("acl_deny_action", (e, b) -> b.aclDenyDisconnect(choice(e, "ignore", "disconnect").equals("disconnect")));
        k.put("mqtt.max_packet_size", (e, b) -> b.maxPacketSize((int) size(e, MAX_PACKET)));
        k.put("mqtt.max_clientid_len", (e, b) -> b.maxClientIdLen(integer(e, 23, 65535)));
        k.put("mqtt.max_topic_levels", (e, b) -> b.maxTopicLevels(integer(e, 0, 65535)));
        k.put("mqtt.max_qos_allowed", (e, b) -> b.maxQosAllowed(integer(e, 0, 2)));
        k.put("mqtt.max_topic_alias", (e, b) -> b.maxTopicAlias(integer(e, 0, 65535)));
        k.put("mqtt.retain_available", (e, b) -> b.retainAvailable(bool(e)));
        k.put("mqtt.wildcard_subscription", (e, b) -> b.wildcardSubscription(bool(e)));
        k.put("mqtt.shared_subscription", (e, b) -> b.sharedSubscription(bool(e)));
        k.put("mqtt.max_stored_sessions", (e, b) -> b.maxStoredSessions(integer(e, 0, Integer.MAX_VALUE)));
        k.put("zone.external.idle_timeout", (e, b) -> b.idleTimeout(duration(e)));
        k.put("zone.external.keepalive_backoff", (e, b) -> b.keepaliveBackoff(decimal(e, 0)));
        k.put("zone.external.server_keepalive", (e, b) -> b.serverKeepalive(seconds(e, 65535)));
        k.put("mqtt.max_keepalive", (e, b) -> b.maxKeepalive(seconds(e, 65535)));
        k.put("hooks.timeout", (e, b) -> b.hooksTimeout(duration(e)));
        k.put("zone.external.max_inflight", (e, b) -> b.maxInflight(integer(e, 1, 65535)));
        k.put("zone.external.max_mqueue_len", (e, b) -> b.maxMqueueLen(integer(e, 0, Integer.MAX_VALUE)));
        k.put("zone.external.max_mqueue_bytes", (e, b) -> b.maxMqueueBytes(size(e, MAX_QUEUE_BYTES)));
        k.put("zone.external.backpressure_queue_bytes", (e, b) -> b.backpressureQueueBytes(size(e, MAX_QUEUE_BYTES)));
        k.put("zone.external.backpressure_max_wait", (e, b) -> b.backpressureMaxWait(duration(e)));
        k.put("zone.external.mqueue_store_qos0", (e, b) -> b.mqueueStoreQos0(bool(e)));
        k.put("zone.external.max_awaiting_rel", (e, b) -> b.maxAwaitingRel(integer(e, 0, 65535)));
        k.put("zone.external.await_rel_timeout", (e, b) -> b.awaitRelTimeout(duration(e)));
        k.put("zone.external.retry_interval", (e, b) -> b.retryInterval(duration(e)));
        k.put("zone.external.session_expiry_interval", (e, b) -> b.sessionExpiryInterval(duration(e)));
        k.put("zone.external.max_subscriptions", (e, b) -> b.maxSubscriptions(integer(e, 0, Integer.MAX_VALUE)));
        k.put("zone.external.publish_limit", BrokerKeys::publishLimit);
        k.put("broker.sys_interval", (e, b) -> b.sysInterval(duration(e)));
        k.put("broker.shared_dispatch_ack_enabled", (e, b) -> b.sharedRedispatch(bool(e)));
        return Collections.unmodifiableMap(k);
    }

    private static int ioThreads(ConfigEntry e) {
        try {
            return integer(e, 1, 1024);
        } catch (ConfigException ex) {
            throw new ConfigException(e, "expected auto or a whole number from 1 to 1024");
        }
    }

    private static int maxConnections(ConfigEntry e) {
        try {
            return integer(e, 1, Integer.MAX_VALUE);
        } catch (ConfigException ex) {
            throw new ConfigException(e, "expected auto or a whole number of at least 1");
        }
    }

    /** {@code count,period}, e.g. {@code 100,10s}: at most 100 PUBLISHes per 10 seconds per connection. */
    private static void publishLimit(ConfigEntry e, BrokerConfig.Builder b) {
        String expected = "expected count,duration such as 100,10s (0,1s for no limit)";
        int comma = e.value().indexOf(',');
        if (comma < 0) {
            throw new ConfigException(e, expected);
        }
        ConfigEntry count = new ConfigEntry(e.key(), e.value().substring(0, comma).strip(), e.file(), e.line());
        ConfigEntry period = new ConfigEntry(e.key(), e.value().substring(comma + 1).strip(), e.file(), e.line());
        int n;
        Duration d;
        try {
            n = integer(count, 0, Integer.MAX_VALUE);
            d = duration(period);
        } catch (ConfigException ex) {
            throw new ConfigException(e, expected);
        }
        if (d.isZero()) {
            throw new ConfigException(e, expected);
        }
        b.publishLimit(n, d);
    }

    private static String nodeName(ConfigEntry e) {
        String v = text(e);
        int at = v.indexOf('@');
        if (at <= 0 || at == v.length() - 1 || v.indexOf('@', at + 1) >= 0 || v.chars().anyMatch(Character::isWhitespace)) {
            throw new ConfigException(e, "expected name@host, e.g. perch@127.0.0.1");
        }
        return v;
    }
}
