package io.perch.broker.plugin;

import java.util.List;

/**
 * A module that plugs into the broker (the Redis backend, Redis auth, the dashboard...).
 * Found with {@link java.util.ServiceLoader}. Life cycle: {@link #configure} with every
 * config entry under the plugin's prefixes (it validates them and throws
 * {@link ConfigException} naming the line); {@link #stores} once, before the broker is built,
 * for the stores it supplies; then {@link #start} before the listeners bind, so that hooks
 * are in place for the first client; {@link #stop} after the listeners close.
 */
public interface PerchPlugin {
    String name();

    /** Key prefixes this plugin owns, e.g. {@code "backend.redis."}. A key nobody owns stops start-up. */
    List<String> configPrefixes();

    /** Validates and keeps the plugin's entries (file order). Called once, before start. */
    void configure(List<ConfigEntry> entries);

    /** True when the config asks for this plugin to run (e.g. it has at least one rule or pool). */
    boolean enabled();

    /**
     * The stores this plugin supplies (live sessions, retained messages, the
     * {@link io.perch.broker.persist.SessionPersistence} that keeps sessions beyond the
     * process), asked once after {@link #configure} and only when {@link #enabled}, before the
     * broker exists (a store is built before the plugin starts; it may wait for {@link #start}
     * to connect). At most one plugin may supply each kind. The default supplies none.
     */
    default PluginStores stores() {
        return PluginStores.NONE;
    }

    /**
     * What {@link #configure} leaves for {@link #start} but can be checked without binding a
     * port or connecting anywhere: files the config names exist and parse (certificates,
     * password files...). {@code perch check} calls it after configure on enabled plugins;
     * throw {@link ConfigException} naming the line. The default checks nothing.
     *
     * @param home the Perch home, against which relative paths resolve
     */
    default void check(java.nio.file.Path home) {
    }

    void start(PluginContext context) throws Exception;

    void stop();
}
