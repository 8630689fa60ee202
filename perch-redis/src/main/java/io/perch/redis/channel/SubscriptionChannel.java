package io.perch.redis.channel;

import com.fasterxml.jackson.databind.JsonNode;
import io.perch.broker.core.RecentOffenders;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.perch.broker.api.BrokerService;
import io.perch.broker.message.SubscriptionOptions;
import io.perch.redis.client.BackendMetrics;
import io.perch.redis.client.PoolConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Subscription commands through Redis pub/sub (spec section 8): an application PUBLISHes
 * {@code {"type": "subscribe", "topic": "t/1", "clientid": "c1", "qos": 1}} or
 * {@code {"type": "unsubscribe", ...}} on the pool's channel and the broker (un)subscribes that
 * connected client. Bad JSON or an unknown client is logged and counted as
 * {@code backend.redis.channel} failure, never fatal. Lettuce resubscribes after a reconnect;
 * when Redis is absent at start the first connection is retried every two seconds.
 */
public final class SubscriptionChannel implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SubscriptionChannel.class);
    public static final String METRIC = "channel";
    private final ObjectMapper json = new ObjectMapper();
    private final PoolConnector connector;
    private final String channel;
    private final BrokerService broker;
    private final BackendMetrics metrics;
    private final Executor brokerSide;
    private final ScheduledExecutorService timer;
    private volatile StatefulRedisPubSubConnection<String, String> connection;
    private volatile ScheduledFuture<?> retry;
    private volatile boolean closed;

    public SubscriptionChannel(PoolConnector connector, String channel, BrokerService broker, BackendMetrics metrics,
                               Executor brokerSide, ScheduledExecutorService timer) {
        this.connector = connector;
        this.channel = channel;
        this.broker = broker;
        this.metrics = metrics;
        this.brokerSide = brokerSide;
        this.timer = timer;
    }

    public void start() {
        if (!tryConnect()) {
            retry = timer.scheduleWithFixedDelay(() -> {
                if (tryConnect() && retry != null) {
                    retry.cancel(false);
                }
            }, 2, 2, TimeUnit.SECONDS);
        }
    }

    /** True once SUBSCRIBE has been acknowledged. */
    public boolean isSubscribed() {
        return connection != null && connection.isOpen();
    }

    private synchronized boolean tryConnect() {
        if (closed || connection != null) {
            return true;
        }
        try {
            StatefulRedisPubSubConnection<String, String> c = connector.connectPubSub();
            c.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String ch, String message) {
                    brokerSide.execute(() -> handle(message));
                }
            });
            c.sync().subscribe(channel);
            connection = c;
            log.info("Redis pool {}: listening for subscription commands on channel {}", connector.config().name(), channel);
            return true;
        } catch (RuntimeException e) {
            log.debug("Redis pool {}: channel {} not subscribed yet: {}", connector.config().name(), channel, e.toString());
            return false;
        }
    }

    void handle(String message) {
        JsonNode cmd;
        try {
            cmd = json.readTree(message);
        } catch (Exception e) {
            reject("not JSON", "malformed");
            return;
        }
        if (cmd == null || !cmd.isObject() || !cmd.path("type").isTextual() || !cmd.path("topic").isTextual()
                || !cmd.path("clientid").isTextual()) {
            reject("needs type, topic and clientid", "malformed");
            return;
        }
        String type = cmd.get("type").asText();
        String topic = cmd.get("topic").asText();
        String cid = cmd.get("clientid").asText();
        boolean ok;
        switch (type) {
            case "subscribe" -> {
                int qos = Math.max(0, Math.min(2, cmd.path("qos").asInt(0)));
                ok = broker.subscribe(cid, topic, SubscriptionOptions.ofQos(qos));
            }
            case "unsubscribe" -> ok = broker.unsubscribe(cid, topic);
            default -> {
                reject("unknown type '" + type + "'", "malformed");
                return;
            }
        }
        if (ok) {
            metrics.success(METRIC);
        } else {
            reject(type + " " + topic + " for client " + cid + ": no such session" + (type.equals("unsubscribe") ? " or subscription" : ""),
                    "client " + cid);
        }
    }

    /**
     * Counted always; logged at WARN once per {@code key} (a client id, or "malformed") in
     * {@link RecentOffenders#WINDOW_NANOS}, later ones at DEBUG: an application that keeps
     * sending commands for absent clients must not flood the log.
     */
    private void reject(String why, String key) {
        metrics.failure(METRIC);
        if (offenders.firstInWindow(key)) {
            log.warn("channel {}: ignored a command: {} (more like it within 10 minutes are logged at DEBUG, "
                    + "all counted in backend_redis_channel_total{result=\"failure\"})", channel, why);
        } else {
            log.debug("channel {}: ignored a command: {}", channel, why);
        }
    }

    /** Who was logged lately (this channel's own: its keys are its own). */
    private final RecentOffenders offenders = new RecentOffenders();

    @Override
    public synchronized void close() {
        closed = true;
        if (retry != null) {
            retry.cancel(false);
        }
        if (connection != null) {
            connection.close();
        }
    }
}
