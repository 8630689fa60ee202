package io.perch.dashboard.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.perch.auth.AuthAdmin;
import io.perch.auth.acl.AclRules;
import io.perch.broker.api.BrokerService;
import io.perch.broker.hook.event.AclCheckEvent;
import io.perch.broker.hook.event.ClientInfo;
import io.perch.dashboard.http.ApiException;
import io.perch.dashboard.http.Json;
import io.perch.dashboard.http.Request;
import io.perch.dashboard.http.Response;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code /acl/rules}: the ACL file's rules in force, in the order they are checked; and
 * {@code /acl/check}: what the broker would decide for a client's publish or subscribe, from
 * the auth plugin's own ACL chain ({@link AuthAdmin#check}), naming the deciding source and
 * rule. Stateless.
 */
public final class AclApi {
    private final BrokerService broker;
    private final Json json;

    public AclApi(BrokerService broker, Json json) {
        this.broker = broker;
        this.json = json;
    }

    public Response rules(Request req) {
        List<AclRules.Rule> rules = broker.services().find(AuthAdmin.class).flatMap(AuthAdmin::aclFileRules).orElse(List.of());
        return json.page(req, rules.stream().map(AclApi::rule).toList());
    }

    private static Map<String, Object> rule(AclRules.Rule r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("permission", r.permission());
        m.put("who", r.who());
        m.put("action", r.action());
        m.put("topics", r.topics());
        m.put("text", r.text());
        return m;
    }

    public CompletionStage<Response> check(Request req) {
        JsonNode b = json.body(req);
        String topic = field(b, "topic");
        if (topic == null || topic.isEmpty()) {
            throw ApiException.missing("topic");
        }
        String action = field(b, "action");
        AclCheckEvent.Action a = "publish".equals(action) ? AclCheckEvent.Action.PUBLISH
                : "subscribe".equals(action) ? AclCheckEvent.Action.SUBSCRIBE : null;
        if (a == null) {
            throw ApiException.badParam("action must be publish or subscribe");
        }
        String clientId = Optional.ofNullable(field(b, "clientid")).orElse("");
        String user = field(b, "username");
        String ip = field(b, "ipaddress");
        ClientInfo client = new ClientInfo(clientId, user == null || user.isEmpty() ? null : user,
                ip == null || ip.isEmpty() ? null : ip, 0, 5, true, 0, System.currentTimeMillis(), broker.nodeName(),
                "dashboard");
        Optional<AuthAdmin> admin = broker.services().find(AuthAdmin.class);
        CompletionStage<AuthAdmin.AccessDecision> d = admin.isPresent() ? admin.get().check(client, a, topic)
                // No auth plugin: no ACL source, acl_nomatch decides, as for a client.
                : CompletableFuture.completedFuture(new AuthAdmin.AccessDecision(broker.access().aclNomatchAllow(),
                "nomatch", null));
        return d.thenApply(x -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("result", x.allowed() ? "allow" : "deny");
            m.put("decided_by", x.decidedBy());
            m.put("rule", x.rule());
            return json.ok(m);
        });
    }

    private static String field(JsonNode b, String name) {
        JsonNode n = b == null ? null : b.get(name);
        return n == null || n.isNull() ? null : n.asText();
    }
}
