package io.perch.auth.acl;

import io.perch.broker.hook.event.AclCheckEvent;
import io.perch.broker.hook.event.ClientInfo;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.perch.broker.hook.event.AclCheckEvent.Action.PUBLISH;
import static io.perch.broker.hook.event.AclCheckEvent.Action.SUBSCRIBE;
import static io.perch.broker.hook.event.AclCheckEvent.Decision.ALLOW;
import static io.perch.broker.hook.event.AclCheckEvent.Decision.DENY;
import static io.perch.broker.hook.event.AclCheckEvent.Decision.IGNORE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Both ACL file forms, rule by rule, as EMQ X and Mosquitto document them. */
class AclFilesTest {
    /** EMQ X 4's shipped etc/acl.conf, comments included. */
    static final String EMQX_SHIPPED = String.join("\n",
            "%%--------------------------------------------------------------------",
            "%% [ACL](https://docs.emqx.io/broker/v3/en/config.html)",
            "%%",
            "%% -type(who() :: all | binary() |",
            "%%                {ipaddr, esockd_access:cidr()} |",
            "%%                {client, binary()} |",
            "%%                {user, binary()}).",
            "%%",
            "%% -type(access() :: subscribe | publish | pubsub).",
            "%%",
            "%% -type(rule() :: {allow, all} |",
            "%%                 {allow, who(), access(), list(topic())} |",
            "%%                 {deny, all} |",
            "%%                 {deny, who(), access(), list(topic())}).",
            "%%--------------------------------------------------------------------",
            "",
            "{allow, {user, \"dashboard\"}, subscribe, [\"$SYS/#\"]}.",
            "",
            "{allow, {ipaddr, \"127.0.0.1\"}, pubsub, [\"$SYS/#\", \"#\"]}.",
            "",
            "{deny, all, subscribe, [\"$SYS/#\", {eq, \"#\"}]}.",
            "",
            "{allow, all}.",
            "");

    private static ClientInfo client(String id, String user, String host) {
        return new ClientInfo(id, user, host, 50000, 5, true, 60, 0, "n", "tcp");
    }

    private static final ClientInfo ALICE = client("c1", "alice", "10.1.2.3");

    @Test
    void emqxShippedRulesDecideInFileOrder() {
        EmqxAclFile acl = EmqxAclFile.parse(EMQX_SHIPPED, "acl.conf");
        assertThat(acl.size()).isEqualTo(4);
        assertThat(acl.check(ALICE, SUBSCRIBE, "#")).as("{eq, \"#\"}").isEqualTo(DENY);
        assertThat(acl.check(ALICE, SUBSCRIBE, "$SYS/brokers")).isEqualTo(DENY);
        assertThat(acl.check(ALICE, SUBSCRIBE, "a/#")).as("only the literal # is denied").isEqualTo(ALLOW);
        assertThat(acl.check(client("d", "dashboard", "10.0.0.9"), SUBSCRIBE, "$SYS/#")).isEqualTo(ALLOW);
        assertThat(acl.check(client("l", null, "127.0.0.1"), SUBSCRIBE, "#")).as("localhost first").isEqualTo(ALLOW);
        assertThat(acl.check(ALICE, PUBLISH, "$SYS/x")).as("the deny is for subscribe only").isEqualTo(ALLOW);
    }

    @Test
    void theExampleShippedInEtcParsesAndKeepsEmqxDefaults() throws Exception {
        EmqxAclFile acl = EmqxAclFile.read(java.nio.file.Path.of("..", "etc", "acl.conf.example"));
        assertThat(acl.size()).isEqualTo(4);
        assertThat(acl.check(ALICE, SUBSCRIBE, "#")).isEqualTo(DENY);
        assertThat(acl.check(ALICE, PUBLISH, "a/b")).isEqualTo(ALLOW);
    }

    @Test
    void emqxPlaceholdersCidrsAndCombinationsAndNoMatch() {
        EmqxAclFile acl = EmqxAclFile.parse(String.join("\n",
                "{allow, all, publish, [\"devices/%u/#\", \"clients/%c\"]}.",
                "{allow, {'and', [{user, \"alice\"}, {ipaddr, \"10.0.0.0/8\"}]}, subscribe, [\"fleet/+/status\"]}.",
                "{deny, {ipaddrs, [\"192.168.0.0/16\", \"::1\"]}, pubsub, all}.",
                "{deny, {client, \"c1\"}, subscribe, [\"secret/#\"]}."), "acl.conf");
        assertThat(acl.check(ALICE, PUBLISH, "devices/alice/t")).isEqualTo(ALLOW);
        assertThat(acl.check(ALICE, PUBLISH, "devices/bob/t")).as("nothing matches").isEqualTo(IGNORE);
        assertThat(acl.check(ALICE, PUBLISH, "clients/c1")).isEqualTo(ALLOW);
        assertThat(acl.check(client("c2", "#", "10.0.0.1"), PUBLISH, "devices/x/t"))
                .as("a wildcard username never fills a placeholder").isEqualTo(IGNORE);
        assertThat(acl.check(ALICE, SUBSCRIBE, "fleet/+/status")).isEqualTo(ALLOW);
        assertThat(acl.check(ALICE, SUBSCRIBE, "fleet/#")).as("a rule's + does not cover a #").isEqualTo(IGNORE);
        assertThat(acl.check(client("c1", "alice", "11.0.0.1"), SUBSCRIBE, "fleet/a/status")).isEqualTo(IGNORE);
        assertThat(acl.check(client("x", "x", "192.168.4.4"), SUBSCRIBE, "any")).isEqualTo(DENY);
        assertThat(acl.check(client("x", "x", "0:0:0:0:0:0:0:1"), PUBLISH, "any")).isEqualTo(DENY);
        assertThat(acl.check(ALICE, SUBSCRIBE, "$share/g/secret/a")).as("the shared form names the same topic")
                .isEqualTo(DENY);
    }

    @Test
    void emqxErrorsNameTheLine() {
        assertThatThrownBy(() -> EmqxAclFile.parse("{allow, all}.\n\n{allow, {user, alice}, publish, [\"t\"]}.", "acl.conf"))
                .hasMessageStartingWith("acl.conf:3: ").hasMessageContaining("\"string\"");
        assertThatThrownBy(() -> EmqxAclFile.parse("{allow, all}\n", "acl.conf")).hasMessageContaining("expected '.'");
        assertThatThrownBy(() -> EmqxAclFile.parse("{permit, all}.", "acl.conf")).hasMessageContaining("allow or deny");
        assertThatThrownBy(() -> EmqxAclFile.parse("{allow, all, read, [\"t\"]}.", "acl.conf"))
                .hasMessageContaining("publish, subscribe or pubsub");
    }

    @Test
    void mosquittoDenyWinsGrantsAccumulateAndAnonymousLinesComeFirst() {
        MosquittoAclFile acl = MosquittoAclFile.parse(List.of(
                "# anonymous clients",
                "topic read public/#",
                "",
                "user alice",
                "topic readwrite home/alice/#",
                "topic deny home/alice/secret",
                "topic write sensors/+/data",
                "",
                "user bob",
                "topic home/bob/#",
                "",
                "pattern read users/%u/inbox",
                "pattern write clients/%c/out"), "acl_file");
        assertThat(acl.check(client("a", null, "h"), SUBSCRIBE, "public/x")).isEqualTo(ALLOW);
        assertThat(acl.check(client("a", null, "h"), PUBLISH, "public/x")).as("read only").isEqualTo(IGNORE);
        assertThat(acl.check(ALICE, SUBSCRIBE, "public/x")).as("anonymous lines are not alice's").isEqualTo(IGNORE);
        assertThat(acl.check(ALICE, PUBLISH, "home/alice/door")).isEqualTo(ALLOW);
        assertThat(acl.check(ALICE, PUBLISH, "home/alice/secret")).isEqualTo(DENY);
        assertThat(acl.check(ALICE, SUBSCRIBE, "home/alice/#")).as("the deny line covers a topic inside").isEqualTo(ALLOW);
        assertThat(acl.check(ALICE, PUBLISH, "sensors/7/data")).isEqualTo(ALLOW);
        assertThat(acl.check(ALICE, SUBSCRIBE, "sensors/7/data")).as("write only").isEqualTo(IGNORE);
        assertThat(acl.check(client("b", "bob", "h"), SUBSCRIBE, "home/bob/x")).as("no access word: readwrite")
                .isEqualTo(ALLOW);
        assertThat(acl.check(ALICE, SUBSCRIBE, "users/alice/inbox")).isEqualTo(ALLOW);
        assertThat(acl.check(ALICE, SUBSCRIBE, "users/bob/inbox")).isEqualTo(IGNORE);
        assertThat(acl.check(ALICE, PUBLISH, "clients/c1/out")).isEqualTo(ALLOW);
    }

    @Test
    void mosquittoErrorsNameTheLine() {
        assertThatThrownBy(() -> MosquittoAclFile.parse(List.of("user alice", "topc read x"), "acl_file"))
                .hasMessageStartingWith("acl_file:2: ").hasMessageContaining("'topc'");
        assertThatThrownBy(() -> MosquittoAclFile.parse(List.of("topic read"), "acl_file"))
                .hasMessageContaining("needs a topic");
    }

    @Test
    void aDecisionIsPureAcrossCalls() {
        EmqxAclFile acl = EmqxAclFile.parse("{deny, all}.", "acl.conf");
        for (int i = 0; i < 3; i++) {
            assertThat(acl.check(ALICE, PUBLISH, "t")).isEqualTo(AclCheckEvent.Decision.DENY);
        }
    }
}
