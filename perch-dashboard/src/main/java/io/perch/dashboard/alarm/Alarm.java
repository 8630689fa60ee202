package io.perch.dashboard.alarm;

import java.util.Map;

/**
 * One alarm, as {@code GET /api/v4/alarms} lists it: raised when its condition starts, cleared
 * when it ends. Immutable; a condition that changes while raised (more messages dropped) gives a
 * new Alarm with the same {@code activatedAt}.
 *
 * @param name          what is wrong and where, e.g. {@code redis_pool_down/pool1}; one active alarm per name
 * @param details       figures behind the message (JSON object)
 * @param activatedAt   epoch ms when the condition was first seen
 * @param deactivatedAt epoch ms when it was last seen to end; 0 while active
 */
public record Alarm(String name, String message, Map<String, Object> details, long activatedAt, long deactivatedAt,
                    String node) {

    public boolean active() {
        return deactivatedAt == 0;
    }

    Alarm cleared(long at) {
        return new Alarm(name, message, details, activatedAt, at, node);
    }
}
