package io.perch.dashboard.api;

import io.perch.broker.api.BrokerService;
import io.perch.broker.api.ListenerView;
import io.perch.broker.stats.BrokerStats;
import io.perch.dashboard.http.AdminPassword;
import io.perch.dashboard.http.Json;
import io.perch.dashboard.http.Request;
import io.perch.dashboard.http.Response;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Node-level endpoints: {@code /brokers}, {@code /nodes}, {@code /stats}, {@code /metrics},
 * {@code /listeners} and Perch's own {@code /status}. Perch is one node, so every list has
 * one element, in EMQ X 4's shape ({@code [{"node":..., "stats":{...}}]}).
 */
public final class NodeApi {
    private final BrokerService broker;
    private final Json json;
    private final AdminPassword admin;
    private final StatsHighWater highWater;

    public NodeApi(BrokerService broker, Json json, AdminPassword admin) {
        this(broker, json, admin, new StatsHighWater());
    }

    public NodeApi(BrokerService broker, Json json, AdminPassword admin, StatsHighWater highWater) {
        this.broker = broker;
        this.json = json;
        this.admin = admin;
        this.highWater = highWater;
    }

    public Response status(Request req) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("node", broker.nodeName());
        m.put("version", broker.version());
        m.put("status", "running");
        // Readiness as /api/v4/health/readiness tells it, so that `ctl status` can say what is down.
        var checks = broker.health().run();
        m.put("ready", io.perch.broker.health.HealthChecks.allUp(checks));
        m.put("checks", HealthApi.checks(checks));
        m.put("uptime", Times.uptime(System.currentTimeMillis() - broker.startedAt()));
        // The UI shows a banner while this is true: admin/public is known to everyone.
        m.put("default_password", admin.isDefault());
        // Where to change it: the config line (file:line) or the stored hash file; never the password.
        m.put("password_source", admin.source());
        // The UI shows node columns and filters only when there is more than one node to tell apart.
        m.put("clustered", broker.cluster().enabled());
        return json.ok(m);
    }

    public Response brokers(Request req) {
        return json.ok(List.of(brokerInfo()));
    }

    public Response broker(Request req) {
        if (!broker.nodeName().equals(req.param("node"))) {
            throw io.perch.dashboard.http.ApiException.notFound("no such node");
        }
        return json.ok(brokerInfo());
    }

    /** EMQ X 4's {@code /brokers} entry of this node. */
    public Map<String, Object> brokerInfo() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("datetime", Times.format(System.currentTimeMillis()));
        m.put("node", broker.nodeName());
        m.put("node_status", "Running");
        m.put("otp_release", "Java " + Runtime.version());
        m.put("sysdescr", "Perch MQTT broker");
        m.put("uptime", Times.uptime(System.currentTimeMillis() - broker.startedAt()));
        m.put("version", broker.version());
        return m;
    }

    /**
     * This node with its full local details; when clustered, every other node Redis knows too,
     * with what it announced (its heartbeat, liveness and details), so one dashboard lists them all.
     */
    public Response nodes(Request req) {
        io.perch.broker.cluster.Cluster cluster = broker.cluster();
        if (!cluster.enabled()) {
            return json.ok(List.of(localNode()));
        }
        List<Map<String, Object>> out = new java.util.ArrayList<>();
        boolean selfListed = false;
        long now = System.currentTimeMillis();
        for (io.perch.broker.cluster.NodeInfo n : cluster.nodes()) {
            if (n.name().equals(broker.nodeName())) {
                Map<String, Object> m = localNode();
                heartbeat(m, n, now);
                out.add(m);
                selfListed = true;
            } else {
                out.add(remoteNode(n, now));
            }
        }
        if (!selfListed) {
            out.add(0, localNode()); // not heartbeated yet, or Redis unreachable: this node still runs
        }
        return json.ok(out);
    }

    private static Map<String, Object> remoteNode(io.perch.broker.cluster.NodeInfo n, long now) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("node", n.name());
        m.put("name", n.name());
        m.put("node_status", n.alive() ? "Running" : "Stopped");
        if (n.details().containsKey("version")) {
            m.put("version", n.details().get("version"));
        }
        heartbeat(m, n, now);
        m.put("details", n.details());
        return m;
    }

    /** Heartbeat time (Redis's clock) and its age by this node's clock, for {@code ctl cluster status}. */
    private static void heartbeat(Map<String, Object> m, io.perch.broker.cluster.NodeInfo n, long now) {
        m.put("heartbeat", Times.format(n.heartbeatAt()));
        m.put("heartbeat_at", n.heartbeatAt());
        m.put("heartbeat_age_ms", Math.max(0, now - n.heartbeatAt()));
        m.put("alive", n.alive());
    }

    private Map<String, Object> localNode() {
        Runtime rt = Runtime.getRuntime();
        BrokerStats.Gauges g = broker.stats().gauges();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("node", broker.nodeName());
        m.put("name", broker.nodeName());
        m.put("node_status", "Running");
        m.put("connections", g == null ? 0 : g.connections());
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        m.put("load1", load < 0 ? 0 : Math.round(load * 100) / 100.0);
        m.put("memory_total", rt.totalMemory());
        m.put("memory_used", rt.totalMemory() - rt.freeMemory());
        m.put("max_fds", -1);
        m.put("process_available", -1);
        m.put("process_used", Thread.activeCount());
        m.put("otp_release", "Java " + Runtime.version());
        m.put("uptime", Times.uptime(System.currentTimeMillis() - broker.startedAt()));
        m.put("version", broker.version());
        // Perch's additions, for the dashboard's node page. uptime stays EMQ X's text; this is a number.
        m.put("uptime_seconds", Math.max(0, (System.currentTimeMillis() - broker.startedAt()) / 1000));
        m.put("memory_max", rt.maxMemory());
        Double cpu = processCpu();
        if (cpu != null) {
            m.put("process_cpu", cpu);
        }
        m.put("io_threads", broker.ioThreads());
        m.put("listeners", broker.listeners().stream().map(NodeApi::nodeListener).toList());
        return m;
    }

    /** The JVM's recent CPU use, 0..1 of the whole machine; null when the platform does not tell. */
    static Double processCpu() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            double load = os.getProcessCpuLoad();
            if (load >= 0 && !Double.isNaN(load)) {
                return Math.round(load * 1000) / 1000.0;
            }
        }
        return null;
    }

    private static Map<String, Object> nodeListener(ListenerView l) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", l.name());
        m.put("type", l.type());
        m.put("address", l.host());
        m.put("port", l.port());
        if (l.path() != null) {
            m.put("path", l.path());
        }
        m.put("connections", l.connections());
        m.put("max_connections", l.maxConnections());
        return m;
    }

    public Response stats(Request req) {
        return json.ok(List.of(Map.of("node", broker.nodeName(), "stats", stats())));
    }

    /**
     * EMQ X 4 stats names: {@code x.count} is the live gauge, {@code x.max} the highest value
     * seen since start (see {@link StatsHighWater}).
     */
    public Map<String, Object> stats() {
        return highWater.sample(liveStats());
    }

    /** The live gauges only. */
    public Map<String, Object> liveStats() {
        BrokerStats.Gauges g = broker.stats().gauges();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("connections.count", g == null ? 0 : g.connections());
        m.put("sessions.count", g == null ? 0 : g.sessions());
        m.put("subscriptions.count", g == null ? 0 : g.subscriptions());
        m.put("subscriptions.shared.count", g == null ? 0 : g.sharedSubscriptions());
        m.put("routes.count", g == null ? 0 : g.routes());
        m.put("topics.count", g == null ? 0 : g.routes());
        m.put("retained.count", g == null ? broker.retained().size() : g.retained());
        return m;
    }

    public Response metrics(Request req) {
        return json.ok(List.of(Map.of("node", broker.nodeName(), "metrics", metrics())));
    }

    public Map<String, Object> metrics() {
        BrokerStats s = broker.stats();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bytes.received", s.bytesReceived.sum());
        m.put("bytes.sent", s.bytesSent.sum());
        m.put("packets.received", s.packetsReceived.sum());
        m.put("packets.sent", s.packetsSent.sum());
        m.put("packets.malformed", s.malformedPackets.sum());
        m.put("client.connected", s.connectionsTotal.sum());
        m.put("client.auth.failure", s.authFailures.sum());
        m.put("client.acl.deny", s.aclDenied.sum());
        m.put("packets.connack.error", s.connectRefused.sum());
        m.put("messages.received", s.messagesReceived.sum());
        m.put("messages.sent", s.messagesSent.sum());
        for (int q = 0; q < 3; q++) {
            m.put("messages.qos" + q + ".received", s.messagesReceivedByQos[q].sum());
            m.put("messages.qos" + q + ".sent", s.messagesSentByQos[q].sum());
        }
        m.put("messages.dropped", s.messagesDropped.sum());
        m.put("messages.dropped.no_subscribers", s.messagesDroppedNoSubscribers.sum());
        m.put("messages.dropped.queue_full", s.messagesDroppedQueueFull.sum());
        m.put("messages.dropped.expired", s.messagesDroppedExpired.sum());
        m.put("messages.retried", s.messagesRetried.sum());
        m.put("messages.acked", s.messagesAcked.sum());
        m.put("session.takeovered", s.sessionsTakenOver.sum());
        m.put("session.terminated", s.sessionsExpired.sum());
        return m;
    }

    public Response listeners(Request req) {
        return json.ok(List.of(Map.of("node", broker.nodeName(), "listeners", listenersHere())));
    }

    /** This node's listeners as EMQ X 4's {@code /listeners} entry lists them. */
    public List<Map<String, Object>> listenersHere() {
        return broker.listeners().stream().map(NodeApi::listener).toList();
    }

    private static Map<String, Object> listener(ListenerView l) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("protocol", "mqtt:" + l.type());
        m.put("identifier", l.name());
        m.put("listen_on", l.host() + ":" + l.port());
        m.put("port", l.port());
        if (l.path() != null) {
            m.put("path", l.path());
        }
        m.put("current_conns", l.connections());
        m.put("max_conns", l.maxConnections());
        m.put("acceptors", 1);
        m.put("shutdown_count", List.of());
        // Perch's additions, for the dashboard's listeners page.
        m.put("type", l.type());
        m.put("tls", l.type().equals("ssl") || l.type().equals("wss"));
        m.put("verify_peer", l.verifyPeer());
        m.put("max_conn_per_ip", l.maxConnPerIp());
        m.put("max_conn_rate", l.maxConnRate());
        return m;
    }
}
