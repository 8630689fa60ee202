package io.perch.broker.status;

import java.util.List;
import java.util.Map;

/**
 * What a storage backend tells the operator about itself, for the dashboard's backend page and
 * {@code ctl}: its connection pools, the rules it runs and where it keeps sessions. A backend
 * plugin registers one in {@link BackendStatuses} at start. {@link #snapshot()} is called from
 * HTTP threads: it answers at once from what the backend already knows (it never waits for the
 * backend's server) and never throws.
 */
@FunctionalInterface
public interface BackendStatus {
    Snapshot snapshot();

    /**
     * @param pools       every connection pool, in configuration order
     * @param rules       the loaded rules, in configuration order
     * @param sessionPool the pool that keeps durable sessions; null when sessions stay in memory
     */
    record Snapshot(List<Pool> pools, List<Rule> rules, String sessionPool) {
    }

    /**
     * One pool.
     *
     * @param mode          how it reaches its server: single, sentinel, cluster, or embedded
     * @param servers       host:port of each configured server
     * @param up            whether the last exchange with the server succeeded
     * @param since         epoch ms when {@code up} last changed (or the pool started); 0 when unknown
     * @param lastError     why the last connect or exchange failed; null when none did
     * @param backlog       writes waiting for the server
     * @param backlogMax    the most writes kept while the server is away
     * @param lastReplay    writes that were waiting when the server last came back (replayed then)
     * @param replayedTotal writes replayed after outages since start
     * @param durability    what a durable write waits for (e.g. "reply", "fsync"), for the operator
     * @param server        essentials of the server's own report (e.g. Redis INFO), by name; empty when not known
     * @param serverAt      epoch ms when {@code server} was read; 0 when never
     */
    record Pool(String name, String mode, List<String> servers, boolean up, long since, String lastError,
                long backlog, long backlogMax, long lastReplay, long replayedTotal, String durability,
                Map<String, String> server, long serverAt) {
    }

    /**
     * One rule, named {@code id} (its hook point and number, as in its config key): on
     * {@code hook}, for messages matching {@code topic} (null for all), run {@code function} on
     * {@code pool}. {@code meter} is the name of the counter of its Redis operations in the
     * metrics registry, tagged {@code rule} = {@code id} and result=success|failure (the rule's
     * own, also when another rule runs the same function); null when none is kept.
     */
    record Rule(String id, String hook, String function, String topic, String pool, String meter) {
    }
}
