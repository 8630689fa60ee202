package io.perch.server.config;

import io.perch.broker.config.BrokerConfig;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.PerchPlugin;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A loaded, validated configuration: the engine's config, the server's own settings, every
 * discovered plugin (already configured) with the entries it received, and notices worth a
 * log line at start (e.g. a TLS listener left off for want of certificates).
 *
 * @param plugins in discovery order; each one's {@code configure} has been called
 */
public record PerchConfig(Path home, BrokerConfig broker, ServerSettings server,
                          Map<PerchPlugin, List<ConfigEntry>> plugins, List<String> notices) {
}
