package io.perch.redis.session;

import io.perch.redis.client.RedisCall;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Merges the body references that the unfenced batches of one write add into one {@code HINCRBY}
 * per body, at the place of the first. A message queued for ten stored sessions then costs Redis
 * one command for its references instead of ten: with ten subscribers away that is 12 commands
 * per message instead of 21, less work for Redis's one thread (docs/performance.md).
 *
 * <p>Counting sooner is safe: a count only goes up earlier in the same script, never later, so no
 * release in the write finds fewer references than it did before. Fenced batches are not merged:
 * a refused one must take none of its references with it.
 *
 * <p>One per write, used by the thread that builds it (under the staging's monitor).
 */
final class RefCounts {
    /** Body key -> where its merged HINCRBY is in the write and how many references it adds. */
    private final Map<ByteBuffer, int[]> first = new HashMap<>();

    /**
     * Appends the calls of {@code w} to {@code calls}, leaving out the reference adds of bodies
     * an earlier call of this write counts already (counted there instead).
     *
     * @param dropped where the positions of session deletes go (their replies hold message ids)
     * @param marks   on a Redis Cluster, where forward marks go to be sent after the write; null
     *                to keep them in place
     */
    void append(SessionWrites.Writes w, List<RedisCall> calls, List<Integer> dropped, List<RedisCall> marks) {
        List<RedisCall> own = w.calls();
        int nextRef = 0;
        int nextDrop = 0;
        for (int i = 0; i < own.size(); i++) {
            if (marks != null && w.marks().contains(i)) {
                marks.add(own.get(i));
                continue;
            }
            if (nextRef < w.refAdds().size() && w.refAdds().get(nextRef).index() == i) {
                ByteBuffer body = ByteBuffer.wrap(w.refAdds().get(nextRef++).body());
                int[] counted = first.get(body);
                if (counted != null) {
                    counted[1]++;
                    continue;
                }
                first.put(body, new int[]{calls.size(), 1});
            }
            if (nextDrop < w.dropped().size() && w.dropped().get(nextDrop) == i) {
                nextDrop++;
                dropped.add(calls.size());
            }
            calls.add(own.get(i));
        }
    }

    /** Puts each merged count in place of its first {@code HINCRBY}. */
    void finish(List<RedisCall> calls) {
        first.forEach((body, counted) -> {
            if (counted[1] > 1) {
                calls.set(counted[0], SessionWrites.addRefs(body.array(), counted[1]));
            }
        });
    }
}
