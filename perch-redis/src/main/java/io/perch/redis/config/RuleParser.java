package io.perch.redis.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.ConfigException;
import io.perch.broker.topic.Topics;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/** Parses one {@code backend.redis.hook.<hookpoint>.<n> = {json}} line; every problem names the line. */
final class RuleParser {
    static final long DEFAULT_EXPIRED_TIME = 7200;
    private static final Set<String> FIELDS = Set.of("topic", "action", "pool", "expired_time", "offset");
    private final ObjectMapper json = new ObjectMapper();

    HookRule parse(ConfigEntry e, String rest) {
        int dot = rest.lastIndexOf('.');
        if (dot <= 0) {
            throw new ConfigException(e, "expected backend.redis.hook.<hookpoint>.<n>, e.g. "
                    + "backend.redis.hook.message.publish.1");
        }
        String hook = rest.substring(0, dot);
        String n = rest.substring(dot + 1);
        if (!Functions.HOOK_POINTS.contains(hook)) {
            throw new ConfigException(e, "unknown hook point '" + hook + "'; use one of " + Functions.HOOK_POINTS);
        }
        int order;
        try {
            order = Integer.parseInt(n);
        } catch (NumberFormatException x) {
            throw new ConfigException(e, "the rule number '" + n + "' is not an integer; write e.g. " + hook + ".1");
        }
        JsonNode root;
        try {
            root = json.readTree(e.value());
        } catch (JsonProcessingException x) {
            throw new ConfigException(e, "invalid JSON (" + x.getOriginalMessage()
                    + "); write e.g. {\"topic\": \"#\", \"action\": {\"function\": \"on_message_publish\"}, \"pool\": \"pool1\"}");
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException(e, "the rule must be a JSON object");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw new ConfigException(e, "unknown field \"" + f + "\"; a rule has " + FIELDS);
            }
        }
        String topic = null;
        if (root.has("topic") && !root.get("topic").isNull()) {
            if (!root.get("topic").isTextual() || !Topics.isValidFilter(root.get("topic").asText(), 0)) {
                throw new ConfigException(e, "\"topic\" must be an MQTT topic filter such as \"queue/#\"");
            }
            topic = root.get("topic").asText();
        }
        RuleAction action = action(e, hook, root.get("action"));
        String pool = null;
        if (root.has("pool")) {
            if (!root.get("pool").isTextual() || root.get("pool").asText().isEmpty()) {
                throw new ConfigException(e, "\"pool\" must name a pool, e.g. \"pool1\"");
            }
            pool = root.get("pool").asText();
        }
        long expired = DEFAULT_EXPIRED_TIME;
        if (root.has("expired_time")) {
            JsonNode x = root.get("expired_time");
            if (!x.isNumber() && !(x.isTextual() && x.asText().matches("-?\\d+"))) {
                throw new ConfigException(e, "\"expired_time\" must be a number of seconds");
            }
            long v = x.asLong();
            expired = v <= 0 ? DEFAULT_EXPIRED_TIME : v;
        }
        boolean oldest = false;
        if (root.has("offset")) {
            String o = root.get("offset").asText();
            if (!o.equals("earliest") && !o.equals("latest")) {
                throw new ConfigException(e, "\"offset\" is \"latest\" (default: start at now) or \"earliest\"");
            }
            oldest = o.equals("earliest");
        }
        return new HookRule(hook, order, topic, action, pool, expired, oldest, e);
    }

    private RuleAction action(ConfigEntry e, String hook, JsonNode a) {
        if (a == null || !a.isObject()) {
            throw new ConfigException(e, "missing \"action\": write {\"function\": \"...\"} or {\"commands\": [\"...\"]}");
        }
        boolean hasFn = a.has("function");
        boolean hasCmds = a.has("commands");
        if (hasFn == hasCmds) {
            throw new ConfigException(e, "\"action\" needs exactly one of \"function\" or \"commands\"");
        }
        if (hasFn) {
            String fn = a.get("function").asText();
            if (Functions.homeOf(fn) == null) {
                throw new ConfigException(e, "unknown function '" + fn + "'; functions for " + hook + ": "
                        + Functions.allowedOn(hook));
            }
            if (!Functions.allowedOn(hook).contains(fn)) {
                throw new ConfigException(e, "function " + fn + " runs on " + Functions.homeOf(fn) + ", not on " + hook);
            }
            return new RuleAction.Function(fn);
        }
        JsonNode c = a.get("commands");
        if (!c.isArray() || c.isEmpty()) {
            throw new ConfigException(e, "\"commands\" must be a non-empty list of strings such as [\"DEL mqtt:acked:${clientid}:${topic}\"]");
        }
        List<String> cmds = new ArrayList<>();
        for (JsonNode x : c) {
            if (!x.isTextual() || x.asText().isBlank()) {
                throw new ConfigException(e, "every element of \"commands\" must be a non-empty string");
            }
            cmds.add(x.asText().trim());
        }
        boolean pipeline = cmds.get(0).equalsIgnoreCase("pipeline");
        if (pipeline) {
            cmds.remove(0);
            if (cmds.isEmpty()) {
                throw new ConfigException(e, "\"pipeline\" must be followed by at least one command");
            }
        }
        return new RuleAction.Commands(List.copyOf(cmds), pipeline);
    }
}
