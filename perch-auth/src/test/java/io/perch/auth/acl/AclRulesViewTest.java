package io.perch.auth.acl;

import io.perch.broker.hook.event.AclCheckEvent;
import io.perch.broker.hook.event.ClientInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static io.perch.broker.hook.event.AclCheckEvent.Action.PUBLISH;
import static io.perch.broker.hook.event.AclCheckEvent.Action.SUBSCRIBE;
import static org.assertj.core.api.Assertions.assertThat;

/** What the dashboard lists of an ACL file, and the rule that {@link AclRules#match} names as deciding. */
@Timeout(10)
class AclRulesViewTest {
    private static ClientInfo client(String id, String user, String ip) {
        return new ClientInfo(id, user, ip, 1, 5, true, 60, 0, "n", "tcp");
    }

    @Test
    void emqxRulesAreListedInFileOrderAndTheFirstMatchingOneDecides() {
        EmqxAclFile f = EmqxAclFile.parse("""
                {allow, {'and', [{user, "a"}, {ipaddr, "10.0.0.0/8"}]}, pubsub, ["x/%u/#"]}.
                {deny, {client, "c1"}, subscribe, [{eq, "#"}, "$SYS/#"]}.
                {allow, all}.
                """, "acl.conf");
        assertThat(f.rules()).extracting(AclRules.Rule::text).containsExactly(
                "{allow, {'and', [{user, \"a\"}, {ipaddr, \"10.0.0.0/8\"}]}, pubsub, [\"x/%u/#\"]}.",
                "{deny, {client, \"c1\"}, subscribe, [{eq, \"#\"}, \"$SYS/#\"]}.",
                "{allow, all}.");
        assertThat(f.rules().get(1).topics()).containsExactly("{eq, \"#\"}", "\"$SYS/#\"");
        AclRules.Match m = f.match(client("c1", "b", "10.1.1.1"), SUBSCRIBE, "#");
        assertThat(m.decision()).isEqualTo(AclCheckEvent.Decision.DENY);
        assertThat(m.rule()).isEqualTo(f.rules().get(1).text());
        assertThat(f.match(client("c2", "a", "10.1.1.1"), PUBLISH, "x/a/1").rule()).isEqualTo(f.rules().get(0).text());
        assertThat(f.check(client("c2", "a", "192.168.0.1"), PUBLISH, "x/a/1")).isEqualTo(AclCheckEvent.Decision.ALLOW);
    }

    @Test
    void mosquittoLinesKeepTheirTextAndADenyLineWins() {
        MosquittoAclFile f = MosquittoAclFile.parse(List.of("topic read public/#", "user bob", "topic write bob/#",
                "topic deny bob/secret", "user amy", "topic amy/#", "pattern read devices/%c/#"), "acl");
        assertThat(f.rules()).extracting(r -> r.who() + " | " + r.action() + " | " + r.text()).containsExactly(
                "anonymous | subscribe | topic read public/#",
                "user bob | publish | user bob: topic write bob/#",
                "user bob | pubsub | user bob: topic deny bob/secret",
                "user amy | pubsub | user amy: topic amy/#",
                "all (pattern) | subscribe | pattern read devices/%c/#");
        assertThat(f.rules().get(2).permission()).isEqualTo("deny");
        assertThat(f.match(client("c", "bob", null), PUBLISH, "bob/secret"))
                .isEqualTo(new AclRules.Match(AclCheckEvent.Decision.DENY, "user bob: topic deny bob/secret"));
        assertThat(f.match(client("c", "bob", null), PUBLISH, "bob/x").rule()).isEqualTo("user bob: topic write bob/#");
        assertThat(f.match(client("d1", "amy", null), SUBSCRIBE, "devices/d1/t").rule()).isEqualTo("pattern read devices/%c/#");
        assertThat(f.match(client("c", "amy", null), PUBLISH, "other")).isEqualTo(AclRules.Match.NONE);
    }
}
