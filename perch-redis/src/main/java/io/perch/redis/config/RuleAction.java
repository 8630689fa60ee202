package io.perch.redis.config;

import java.util.List;

/** What a rule does: a built-in function, or the user's Redis commands (spec section 7). */
public sealed interface RuleAction {
    record Function(String name) implements RuleAction {
    }

    /** {@code pipeline} is true when the list began with the element "pipeline" (kept out of {@code commands}). */
    record Commands(List<String> commands, boolean pipeline) implements RuleAction {
    }
}
