package io.perch.redis.function;

import io.perch.redis.client.RedisCall;
import io.perch.redis.config.RuleAction;

import java.util.ArrayList;
import java.util.List;

/**
 * A rule's {@code commands} action. All its commands go out as one op on the pool's ordered
 * pipeline, so they always share a round trip and run in order; {@code "pipeline"} is
 * accepted for EMQ X files and changes nothing here. Replies are not used. Counted as
 * {@code backend.redis.commands}.
 */
final class CommandsAction {
    static final String METRIC = "commands";
    private final List<CommandTemplate> templates = new ArrayList<>();

    CommandsAction(RuleAction.Commands action) {
        for (String c : action.commands()) {
            templates.add(new CommandTemplate(c));
        }
    }

    void run(PoolRuntime pool, CommandTemplate.Vars vars) {
        List<RedisCall> calls = new ArrayList<>(templates.size());
        for (CommandTemplate t : templates) {
            calls.add(t.bind(vars));
        }
        pool.write(METRIC, calls);
    }
}
