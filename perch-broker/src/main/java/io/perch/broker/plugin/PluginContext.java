package io.perch.broker.plugin;

import io.micrometer.core.instrument.MeterRegistry;
import io.perch.broker.api.BrokerService;

import java.nio.file.Path;

/**
 * What a plugin gets at start: the broker (hooks are registered through
 * {@code broker.hooks()}), the metrics registry, and the directories it may use.
 *
 * @param homeDir the Perch home (repository root or install dir); {@code etc/}, {@code data/} are below it
 * @param dataDir where plugins keep state (e.g. {@code data/redis} for the embedded Redis)
 */
public record PluginContext(BrokerService broker, MeterRegistry metrics, Path homeDir, Path dataDir) {
}
