package io.perch.server.fault;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the session store in Redis holds for one client at the end of a failed fault run, read
 * with {@link RespProbe} (keys as docs/redis-backend.md, "Durable sessions", gives them): how
 * many outbound entries it has in each phase, and the entries whose message is one the ledger
 * misses, with seq, phase and packet id. It tells a message the store never had from one stuck
 * in it (queued, or in flight under a packet id the client may hold) or one it let go.
 */
final class StoredSessionView {
    private StoredSessionView() {
    }

    /**
     * @param payloads the payloads of interest ({@link Ledger#payload}), as text
     * @param publishers clients whose inbound QoS 2 packet ids awaiting PUBREL are listed too
     */
    static String describe(int redisPort, String clientId, Set<String> payloads, List<String> publishers) {
        StringBuilder b = new StringBuilder();
        try {
            Map<Long, String> entries = new TreeMap<>();
            Object out = RespProbe.command(redisPort, "HGETALL", "perch:out:{" + clientId + "}");
            if (out instanceof List<?> kv) {
                for (int i = 0; i + 1 < kv.size(); i += 2) {
                    entries.put(Long.parseLong((String) kv.get(i)), (String) kv.get(i + 1));
                }
            }
            Map<String, Integer> phases = new TreeMap<>();
            List<String> matches = new ArrayList<>();
            for (Map.Entry<Long, String> e : entries.entrySet()) {
                // phase|packetId|messageId|qos|retain|...
                String[] f = e.getValue().split("\\|", 5);
                phases.merge(f[0], 1, Integer::sum);
                if (f.length < 4 || payloads.isEmpty()) {
                    continue;
                }
                Object payload = RespProbe.command(redisPort, "HGET", "perch:msg:" + f[2], "payload");
                if (payload instanceof String p && payloads.contains(p)) {
                    matches.add("seq " + e.getKey() + " " + f[0] + " packet id " + f[1] + " qos " + f[3] + ": " + p);
                }
            }
            b.append("stored session of ").append(clientId).append(": ").append(entries.size())
                    .append(" outbound entries ").append(phases).append('\n');
            b.append(matches.isEmpty() ? "none of them is a message the ledger misses\n"
                    : "entries of messages the ledger misses:\n  " + String.join("\n  ", matches) + '\n');
            for (String p : publishers) {
                b.append("QoS 2 packet ids of ").append(p).append(" awaiting PUBREL: ")
                        .append(RespProbe.command(redisPort, "SMEMBERS", "perch:rel:{" + p + "}")).append('\n');
            }
        } catch (RuntimeException e) {
            b.append("(the store could not be read: ").append(e.getMessage()).append(")\n");
        }
        return b.toString();
    }
}
