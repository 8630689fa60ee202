package io.perch.redis.config;

import io.perch.broker.plugin.ConfigEntry;

/**
 * One {@code backend.redis.hook.<hookpoint>.<n> = {json}} rule.
 *
 * @param hookPoint   the hook point as written (session.created is kept, and runs on client.connected)
 * @param order       the {@code <n>}; rules of one hook point run in ascending order
 * @param topic       the filter the event's topic must match, or null for every event
 * @param expiredTime seconds a stored message lives (message.publish rules), 7200 when missing or <= 0
 * @param startOldest pubsub fetch with no read position starts at the oldest stored message
 *                    ({@code "offset": "earliest"}) instead of EMQ X's "now"
 */
public record HookRule(String hookPoint, int order, String topic, RuleAction action, String pool, long expiredTime,
                       boolean startOldest, ConfigEntry source) {

    public String label() {
        return action instanceof RuleAction.Function f ? f.name() : "commands";
    }
}
