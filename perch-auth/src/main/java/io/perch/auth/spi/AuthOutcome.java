package io.perch.auth.spi;

/**
 * What an {@link AuthSource} says of a client: {@link #IGNORE} (not mine: ask the next source),
 * allowed (and whether as a superuser, who skips ACL checks), or denied.
 */
public record AuthOutcome(Kind kind, boolean superuser) {
    public enum Kind { IGNORE, ALLOW, DENY }

    public static final AuthOutcome IGNORE = new AuthOutcome(Kind.IGNORE, false);
    public static final AuthOutcome ALLOW = new AuthOutcome(Kind.ALLOW, false);
    public static final AuthOutcome SUPERUSER = new AuthOutcome(Kind.ALLOW, true);
    public static final AuthOutcome DENY = new AuthOutcome(Kind.DENY, false);

    public static AuthOutcome allow(boolean superuser) {
        return superuser ? SUPERUSER : ALLOW;
    }
}
