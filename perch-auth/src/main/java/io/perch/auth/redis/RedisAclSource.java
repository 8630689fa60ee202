package io.perch.auth.redis;

import io.perch.auth.spi.AclSource;
import io.perch.broker.hook.event.AclCheckEvent;
import io.perch.broker.hook.event.ClientInfo;
import io.perch.broker.topic.Topics;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * ACL as emqx_acl_redis 4.x: {@code acl_cmd} (HGETALL mqtt_acl:%u) gives the client's rules,
 * each a topic filter (with {@code %u} and {@code %c} filled in) and its access: 1 subscribe,
 * 2 publish, 3 both (EMQX 5's subscribe, publish, all too). A rule matching the topic for the
 * action allows; rules present and none matching deny; no rules at all is "not mine". A
 * subscription's filter is matched as EMQ X does, word by word against the rule, so rule
 * {@code a/#} allows {@code a/+/b} but rule {@code a/b} does not allow {@code a/+}. A failed
 * query fails the stage (the ACL chain then denies).
 */
final class RedisAclSource implements AclSource {
    private static final int SUBSCRIBE = 1;
    private static final int PUBLISH = 2;
    private final RedisCommand aclCmd;
    private final RedisQueries redis;

    RedisAclSource(RedisCommand aclCmd, RedisQueries redis) {
        this.aclCmd = aclCmd;
        this.redis = redis;
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public CompletionStage<AclCheckEvent.Decision> check(ClientInfo client, AclCheckEvent.Action action, String topic) {
        String key = aclCmd.key(client);
        if (key == null) {
            return CompletableFuture.completedFuture(AclCheckEvent.Decision.IGNORE);
        }
        String target = topic;
        if (action == AclCheckEvent.Action.SUBSCRIBE) {
            Topics.Parsed p = Topics.parseSubscription(topic); // a shared subscription is checked by its filter
            if (p != null) {
                target = p.filter();
            }
        }
        String t = target;
        return redis.run(c -> c.hgetall(RedisAuthSource.bytes(key))).thenApply(rules -> decide(client, action, t, rules));
    }

    static AclCheckEvent.Decision decide(ClientInfo client, AclCheckEvent.Action action, String topic,
                                         Map<byte[], byte[]> rules) {
        if (rules.isEmpty()) {
            return AclCheckEvent.Decision.IGNORE;
        }
        int need = action == AclCheckEvent.Action.PUBLISH ? PUBLISH : SUBSCRIBE;
        for (Map.Entry<byte[], byte[]> rule : rules.entrySet()) {
            if ((access(RedisAuthSource.text(rule.getValue())) & need) == 0) {
                continue;
            }
            String filter = RedisCommand.fill(RedisAuthSource.text(rule.getKey()), client);
            if (filter != null && Topics.matches(filter, topic)) {
                return AclCheckEvent.Decision.ALLOW;
            }
        }
        return AclCheckEvent.Decision.DENY;
    }

    /** The access bits of a rule's value; 0 (the rule never matches) for one that is not understood. */
    static int access(String v) {
        if (v == null) {
            return 0;
        }
        return switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "1", "subscribe" -> SUBSCRIBE;
            case "2", "publish" -> PUBLISH;
            case "3", "all", "pubsub" -> SUBSCRIBE | PUBLISH;
            default -> 0;
        };
    }
}
