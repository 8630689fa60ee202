package io.perch.broker.sys;

import io.perch.broker.api.BrokerService;
import io.perch.broker.core.BrokerCore;
import io.perch.broker.hook.HookPoints;
import io.perch.broker.hook.HookRegistry;
import io.perch.broker.hook.HookResult;
import io.perch.broker.hook.event.ClientEvent;
import io.perch.broker.hook.event.DisconnectedEvent;
import io.perch.broker.message.Message;
import io.perch.broker.stats.BrokerStats;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code $SYS/brokers/<node>/...} topics as EMQ X 4 names them: version, sysdescr, uptime,
 * datetime, stats/* counts, metrics/* totals and per-second rates over the last interval,
 * and client connected/disconnected events (JSON); and {@code $SYS/brokers}, the running
 * nodes. Published retained at {@code broker.sys_interval}; in a cluster they reach
 * subscribers on every node like any message, while the retained copies stay in each node's
 * memory. $SYS topics are never matched by a leading wildcard, so subscribers ask for them
 * explicitly.
 */
public final class SysPublisher {
    private final BrokerCore core;
    private final BrokerService service;
    private final String prefix;
    private final List<HookRegistry.Registration> registrations = new ArrayList<>();
    private ScheduledFuture<?> task;
    private long lastAt;
    private long lastReceived;
    private long lastSent;
    private long lastDropped;

    public SysPublisher(BrokerCore core, BrokerService service) {
        this.core = core;
        this.service = service;
        this.prefix = "$SYS/brokers/" + core.config.nodeName + "/";
    }

    public void start() {
        long period = core.config.sysInterval.toMillis();
        publish("version", service.version());
        publish("sysdescr", "Perch MQTT broker");
        publishBrokers();
        if (period > 0) {
            lastAt = System.currentTimeMillis();
            task = core.workers.scheduleAtFixedRate(this::tick, period, period, TimeUnit.MILLISECONDS);
        }
        registrations.add(core.hooks.register(HookPoints.CLIENT_CONNECTED, 1000, "sys.connected", (ClientEvent e) -> {
            publishEvent("clients/" + e.client().clientId() + "/connected", "{\"clientid\":\"" + json(e.client().clientId())
                    + "\",\"username\":" + (e.client().username() == null ? "null" : "\"" + json(e.client().username()) + "\"")
                    + ",\"ipaddress\":\"" + e.client().peerHost() + "\",\"proto_ver\":" + e.client().protocolVersion()
                    + ",\"keepalive\":" + e.client().keepAlive() + ",\"connected_at\":" + e.client().connectedAt() + "}");
            return CompletableFuture.completedFuture(HookResult.ok());
        }));
        registrations.add(core.hooks.register(HookPoints.CLIENT_DISCONNECTED, 1000, "sys.disconnected", (DisconnectedEvent e) -> {
            publishEvent("clients/" + e.client().clientId() + "/disconnected", "{\"clientid\":\"" + json(e.client().clientId())
                    + "\",\"reason\":\"" + json(e.reason()) + "\",\"disconnected_at\":" + System.currentTimeMillis() + "}");
            return CompletableFuture.completedFuture(HookResult.ok());
        }));
    }

    public void stop() {
        if (task != null) {
            task.cancel(false);
        }
        registrations.forEach(HookRegistry.Registration::close);
        registrations.clear();
    }

    private void tick() {
        BrokerStats s = core.stats;
        BrokerStats.Gauges g = s.gauges();
        long now = System.currentTimeMillis();
        // Again each interval, as EMQ X does: a node's retained $SYS copies stay in its memory,
        // so a subscriber on another node learns them from the next tick.
        publish("version", service.version());
        publish("sysdescr", "Perch MQTT broker");
        publishBrokers();
        publish("uptime", (now - service.startedAt()) / 1000 + " seconds");
        publish("datetime", Instant.ofEpochMilli(now).toString());
        if (g != null) {
            publish("stats/connections/count", String.valueOf(g.connections()));
            publish("stats/sessions/count", String.valueOf(g.sessions()));
            publish("stats/subscriptions/count", String.valueOf(g.subscriptions()));
            publish("stats/subscriptions/shared/count", String.valueOf(g.sharedSubscriptions()));
            publish("stats/topics/count", String.valueOf(g.routes()));
            publish("stats/retained/count", String.valueOf(g.retained()));
        }
        long received = s.messagesReceived.sum();
        long sent = s.messagesSent.sum();
        long dropped = s.messagesDropped.sum();
        publish("metrics/messages/received", String.valueOf(received));
        publish("metrics/messages/sent", String.valueOf(sent));
        publish("metrics/messages/dropped", String.valueOf(dropped));
        publish("metrics/bytes/received", String.valueOf(s.bytesReceived.sum()));
        publish("metrics/bytes/sent", String.valueOf(s.bytesSent.sum()));
        double secs = Math.max(1, now - lastAt) / 1000.0;
        publish("metrics/messages/received/rate", String.format("%.1f", (received - lastReceived) / secs));
        publish("metrics/messages/sent/rate", String.format("%.1f", (sent - lastSent) / secs));
        publish("metrics/messages/dropped/rate", String.format("%.1f", (dropped - lastDropped) / secs));
        lastAt = now;
        lastReceived = received;
        lastSent = sent;
        lastDropped = dropped;
    }

    /** {@code $SYS/brokers}: the running nodes' names, comma-separated (this node's alone when not clustered). */
    private void publishBrokers() {
        List<String> running = new ArrayList<>();
        for (io.perch.broker.cluster.NodeInfo n : core.cluster.nodes()) {
            if (n.alive()) {
                running.add(n.name());
            }
        }
        if (!running.contains(core.config.nodeName)) {
            running.add(0, core.config.nodeName);
        }
        Message m = service.newMessage("$SYS/brokers", String.join(",", running).getBytes(StandardCharsets.UTF_8), 0, true, "$SYS");
        core.publisher.publish(null, m);
    }

    private void publish(String suffix, String value) {
        Message m = service.newMessage(prefix + suffix, value.getBytes(StandardCharsets.UTF_8), 0, true, "$SYS");
        core.publisher.publish(null, m);
    }

    private void publishEvent(String suffix, String json) {
        Message m = service.newMessage(prefix + suffix, json.getBytes(StandardCharsets.UTF_8), 0, false, "$SYS");
        core.publisher.publish(null, m);
    }

    private static String json(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '"' || ch == '\\') {
                b.append('\\').append(ch);
            } else if (ch < 0x20) {
                b.append(String.format("\\u%04x", (int) ch));
            } else {
                b.append(ch);
            }
        }
        return b.toString();
    }
}
