package io.perch.broker.hook.event;

import java.util.Arrays;

/**
 * client.authenticate. Callbacks fold a {@link Decision}: a source that knows the user returns
 * {@code stop(event.decide(...))}; one that does not returns {@code ok()} so the next runs.
 * When no source decides, the broker applies {@code allow_anonymous}.
 */
public record AuthenticateEvent(ClientInfo client, byte[] password, Decision decision, boolean superuser) {

    public enum Decision { IGNORE, ALLOW, DENY_BAD_CREDENTIALS, DENY_NOT_AUTHORIZED }

    public AuthenticateEvent decide(Decision d, boolean isSuperuser) {
        return new AuthenticateEvent(client, password, d, isSuperuser);
    }

    /** Never print a password, even by accident. */
    @Override
    public String toString() {
        return "AuthenticateEvent[client=" + client.clientId() + ", user=" + client.username()
                + ", password=" + (password == null ? "none" : "***") + ", decision=" + decision + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AuthenticateEvent a && a.client.equals(client) && Arrays.equals(a.password, password)
                && a.decision == decision && a.superuser == superuser;
    }

    @Override
    public int hashCode() {
        return client.hashCode() * 31 + decision.hashCode();
    }
}
