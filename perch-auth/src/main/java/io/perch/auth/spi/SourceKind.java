package io.perch.auth.spi;

import io.perch.broker.plugin.ConfigEntry;

import java.util.List;

/**
 * A kind of source the auth plugin knows ({@code file}, {@code redis}, {@code jwt}): the keys
 * it owns and how it is built from them. One instance per kind in {@code AuthPlugin.KINDS}.
 */
public interface SourceKind {
    /** Its name in {@code auth.chain}. */
    String name();

    /** The key prefixes it owns, e.g. {@code "auth.file."} and {@code "acl_file"}. */
    List<String> prefixes();

    /**
     * Validates its entries (file order), throwing {@code ConfigException} naming the line and
     * the fix; returns null when they turn nothing on.
     */
    Sources configure(List<ConfigEntry> entries);
}
