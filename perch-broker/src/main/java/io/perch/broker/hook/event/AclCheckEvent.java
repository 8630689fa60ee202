package io.perch.broker.hook.event;

/**
 * client.check_acl. Callbacks fold a decision; IGNORE means "no rule of mine matched" and
 * lets the next source decide. With no decision the broker applies {@code acl_nomatch}.
 */
public record AclCheckEvent(ClientInfo client, Action action, String topic, Decision decision) {
    public enum Action { PUBLISH, SUBSCRIBE }

    public enum Decision { IGNORE, ALLOW, DENY }

    public AclCheckEvent decide(Decision d) {
        return new AclCheckEvent(client, action, topic, d);
    }
}
