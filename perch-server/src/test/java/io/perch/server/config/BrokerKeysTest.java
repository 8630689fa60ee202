package io.perch.server.config;

import io.perch.broker.config.BrokerConfig;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** Every scalar broker key: a good value lands in the right field, a bad one is refused with its line. */
class BrokerKeysTest {
    @TempDir
    Path home;

    static Stream<Arguments> goodValues() {
        return Stream.of(
                arguments("node.name", "emqx@10.0.0.1", f(b -> b.nodeName), "emqx@10.0.0.1"),
                arguments("node.io_threads", "1", f(b -> b.ioThreads), 1),
                arguments("node.io_threads", "auto", f(b -> b.ioThreads), 0),
                arguments("node.max_connections", "auto", f(b -> b.maxConnections), 0),
                arguments("node.max_connections", "50000", f(b -> b.maxConnections), 50000),
                arguments("allow_anonymous", "false", f(b -> b.allowAnonymous), false),
                arguments("acl_nomatch", "deny", f(b -> b.aclNoMatchAllow), false),
                arguments("acl_deny_action", "disconnect", f(b -> b.aclDenyDisconnect), true),
                arguments("mqtt.max_packet_size", "64KB", f(b -> b.maxPacketSize), 65536),
                arguments("mqtt.max_packet_size", "256MB", f(b -> b.maxPacketSize), 268435456),
                arguments("mqtt.max_clientid_len", "1024", f(b -> b.maxClientIdLen), 1024),
                arguments("mqtt.max_topic_levels", "7", f(b -> b.maxTopicLevels), 7),
                arguments("mqtt.max_topic_levels", "0", f(b -> b.maxTopicLevels), 0),
                arguments("mqtt.max_qos_allowed", "1", f(b -> b.maxQosAllowed), 1),
                arguments("mqtt.max_topic_alias", "10", f(b -> b.maxTopicAlias), 10),
                arguments("mqtt.retain_available", "off", f(b -> b.retainAvailable), false),
                arguments("mqtt.wildcard_subscription", "false", f(b -> b.wildcardSubscription), false),
                arguments("mqtt.shared_subscription", "off", f(b -> b.sharedSubscription), false),
                arguments("mqtt.max_stored_sessions", "100000", f(b -> b.maxStoredSessions), 100000),
                arguments("zone.external.idle_timeout", "500ms", f(b -> b.idleTimeout), Duration.ofMillis(500)),
                arguments("zone.external.keepalive_backoff", "0.5", f(b -> b.keepaliveBackoff), 0.5),
                arguments("zone.external.server_keepalive", "2m", f(b -> b.serverKeepalive), 120),
                arguments("mqtt.max_keepalive", "5m", f(b -> b.maxKeepalive), 300),
                arguments("mqtt.max_keepalive", "0", f(b -> b.maxKeepalive), 0),
                arguments("hooks.timeout", "5s", f(b -> b.hooksTimeout), Duration.ofSeconds(5)),
                arguments("hooks.timeout", "0", f(b -> b.hooksTimeout), Duration.ZERO),
                arguments("zone.external.max_inflight", "128", f(b -> b.maxInflight), 128),
                arguments("zone.external.max_mqueue_len", "0", f(b -> b.maxMqueueLen), 0),
                arguments("zone.external.max_mqueue_bytes", "64MB", f(b -> b.maxMqueueBytes), 64L * 1024 * 1024),
                arguments("zone.external.max_mqueue_bytes", "0", f(b -> b.maxMqueueBytes), 0L),
                arguments("zone.external.backpressure_queue_bytes", "8MB", f(b -> b.backpressureQueueBytes),
                        8L * 1024 * 1024),
                arguments("zone.external.backpressure_queue_bytes", "0", f(b -> b.backpressureQueueBytes), 0L),
                arguments("zone.external.backpressure_max_wait", "2s", f(b -> b.backpressureMaxWait),
                        java.time.Duration.ofSeconds(2)),
                arguments("zone.external.mqueue_store_qos0", "false", f(b -> b.mqueueStoreQos0), false),
                arguments("zone.external.max_awaiting_rel", "5", f(b -> b.maxAwaitingRel), 5),
                arguments("zone.external.await_rel_timeout", "1m", f(b -> b.awaitRelTimeout), Duration.ofMinutes(1)),
                arguments("zone.external.retry_interval", "0", f(b -> b.retryInterval), Duration.ZERO),
                arguments("zone.external.session_expiry_interval", "1d", f(b -> b.sessionExpiryInterval), Duration.ofDays(1)),
                arguments("zone.external.max_subscriptions", "100", f(b -> b.maxSubscriptions), 100),
                arguments("zone.external.publish_limit", "100,10s",
                        f(b -> b.publishLimitCount + "/" + b.publishLimitPeriod), "100/PT10S"),
                arguments("zone.external.publish_limit", "0, 1s",
                        f(b -> b.publishLimitCount + "/" + b.publishLimitPeriod), "0/PT1S"),
                arguments("broker.sys_interval", "30s", f(b -> b.sysInterval), Duration.ofSeconds(30)),
                arguments("broker.shared_dispatch_ack_enabled", "false", f(b -> b.sharedRedispatch), false));
    }

    private static Function<BrokerConfig, Object> f(Function<BrokerConfig, Object> getter) {
        return getter;
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("goodValues")
    void bindsGoodValue(String key, String value, Function<BrokerConfig, Object> getter, Object expected) {
        BrokerConfig b = bind(new ConfigEntry(key, value, "etc/perch.conf", 3));
        assertThat(getter.apply(b)).isEqualTo(expected);
    }

    @Test
    void everyScalarKeyIsCoveredAbove() {
        assertThat(goodValues().map(a -> (String) a.get()[0]).distinct().toList())
                .containsExactlyInAnyOrderElementsOf(BrokerKeys.KEYS.keySet());
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
                arguments("node.name", "perch", "expected name@host, e.g. perch@127.0.0.1"),
                arguments("node.name", "@host", "expected name@host, e.g. perch@127.0.0.1"),
                arguments("node.name", "a@b@c", "expected name@host, e.g. perch@127.0.0.1"),
                arguments("node.io_threads", "0", "expected auto or a whole number from 1 to 1024"),
                arguments("node.io_threads", "many", "expected auto or a whole number from 1 to 1024"),
                arguments("node.max_connections", "0", "expected auto or a whole number of at least 1"),
                arguments("node.max_connections", "-5", "expected auto or a whole number of at least 1"),
                arguments("node.max_connections", "lots", "expected auto or a whole number of at least 1"),
                arguments("node.max_connections", "99999999999", "expected auto or a whole number of at least 1"),
                arguments("allow_anonymous", "yes", "expected true, false, on or off"),
                arguments("acl_nomatch", "maybe", "expected allow or deny"),
                arguments("acl_deny_action", "kick", "expected ignore or disconnect"),
                arguments("mqtt.max_packet_size", "512MB", "expected a size like 1MB, 64KB or a number of bytes, at most 268435456 bytes"),
                arguments("mqtt.max_clientid_len", "10", "expected a whole number from 23 to 65535"),
                arguments("mqtt.max_qos_allowed", "3", "expected a whole number from 0 to 2"),
                arguments("mqtt.max_topic_alias", "70000", "expected a whole number from 0 to 65535"),
                arguments("zone.external.idle_timeout", "15 seconds", "expected a duration like 15s, 500ms, 1m, 2h, 1d or a number of seconds"),
                arguments("zone.external.keepalive_backoff", "0", "expected a number greater than 0.0"),
                arguments("zone.external.server_keepalive", "1d", "expected a whole number of seconds from 0 to 65535 (e.g. 60 or 1m)"),
                arguments("zone.external.max_inflight", "0", "expected a whole number from 1 to 65535"),
                arguments("zone.external.max_mqueue_len", "-1", "expected a whole number from 0 to 2147483647"),
                arguments("zone.external.max_mqueue_bytes", "2048GB", "expected a size like 1MB, 64KB or a number of bytes, at most 1099511627776 bytes"),
                arguments("mqtt.max_stored_sessions", "-1", "expected a whole number from 0 to 2147483647"),
                arguments("zone.external.publish_limit", "100", "expected count,duration such as 100,10s (0,1s for no limit)"),
                arguments("zone.external.publish_limit", "x,10s", "expected count,duration such as 100,10s (0,1s for no limit)"),
                arguments("zone.external.publish_limit", "100,0s", "expected count,duration such as 100,10s (0,1s for no limit)"),
                arguments("broker.sys_interval", "1y", "expected a duration like 15s, 500ms, 1m, 2h, 1d or a number of seconds"));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("badValues")
    void refusesBadValueNamingFileAndLine(String key, String value, String expected) {
        assertThatThrownBy(() -> bind(new ConfigEntry(key, value, "etc/perch.conf", 42)))
                .isInstanceOf(ConfigException.class)
                .hasMessage("etc/perch.conf:42: " + key + " = " + value + ": " + expected);
    }

    private BrokerConfig bind(ConfigEntry e) {
        return new PerchConfigLoader(home, List.of()).bind(List.of(e)).broker();
    }
}
