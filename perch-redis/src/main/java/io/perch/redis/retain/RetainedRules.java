package io.perch.redis.retain;

import io.perch.broker.message.Message;
import io.perch.broker.topic.Topics;
import io.perch.redis.config.Functions;
import io.perch.redis.config.HookRule;
import io.perch.redis.config.PersistenceConfig;
import io.perch.redis.config.RuleAction;
import io.perch.redis.function.RetainedWrites;

import java.util.ArrayList;
import java.util.List;

/**
 * What the configured rules do with retained messages, as the retained store needs to know it:
 * which pool holds them, which topics a rule writes (with which TTL) and deletes. Immutable,
 * read from any thread.
 */
public final class RetainedRules {
    private final List<HookRule> retainRules;
    private final List<HookRule> deleteRules;

    public RetainedRules(List<HookRule> rules) {
        this.retainRules = function(rules, Functions.ON_MESSAGE_RETAIN);
        this.deleteRules = function(rules, Functions.ON_RETAIN_DELETE);
    }

    /**
     * The pool the retained store keeps its messages in: the first on_message_retain rule's, as
     * that is where the copies on_retain_lookup delivers are (with the shipped file the rules
     * and the sessions share pool1); without such a rule {@code persistence.pool}; null (the
     * broker keeps retained messages in memory) when there is neither.
     */
    public static String storePool(List<HookRule> rules, PersistenceConfig persistence) {
        List<HookRule> retain = function(rules, Functions.ON_MESSAGE_RETAIN);
        if (!retain.isEmpty()) {
            return retain.get(0).pool();
        }
        return persistence.redis() ? persistence.pool() : null;
    }

    /** Seconds the first on_message_retain rule of {@code pool} covering the topic gives the copy; 0 when none covers it. */
    long retainTtlSeconds(String pool, Message m) {
        for (HookRule r : retainRules) {
            if (r.pool().equals(pool) && covers(r, m.topic())) {
                return RetainedWrites.ttlSeconds(m, r);
            }
        }
        return 0;
    }

    /** True when an on_retain_delete rule of {@code pool} deletes the topic's copy on an empty retained publish. */
    boolean deletesOnPublish(String pool, String topic) {
        for (HookRule r : deleteRules) {
            if (r.pool().equals(pool) && covers(r, topic)) {
                return true;
            }
        }
        return false;
    }

    /** Where an operator's delete must go: the store's pool and every pool an on_message_retain rule writes. */
    List<String> deletePools(String storePool) {
        List<String> out = new ArrayList<>();
        out.add(storePool);
        for (HookRule r : retainRules) {
            if (!out.contains(r.pool())) {
                out.add(r.pool());
            }
        }
        return out;
    }

    private static boolean covers(HookRule rule, String topic) {
        return rule.topic() == null || Topics.matches(rule.topic(), topic);
    }

    private static List<HookRule> function(List<HookRule> rules, String name) {
        List<HookRule> out = new ArrayList<>();
        for (HookRule r : rules) {
            if (r.hookPoint().equals("message.publish") && r.action() instanceof RuleAction.Function f
                    && f.name().equals(name)) {
                out.add(r);
            }
        }
        return out;
    }
}
