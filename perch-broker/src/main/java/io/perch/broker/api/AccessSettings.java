package io.perch.broker.api;

/**
 * The broker's own access settings, which apply after the authentication and ACL sources:
 * {@code allow_anonymous} (a client no source recognises is let in), {@code acl_nomatch}
 * (allow when no ACL source decides) and {@code acl_deny_action} ({@code disconnect} or
 * {@code ignore}).
 */
public record AccessSettings(boolean allowAnonymous, boolean aclNomatchAllow, boolean aclDenyDisconnect) {
}
