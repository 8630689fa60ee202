package io.perch.server.testplugin;

import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.ConfigException;
import io.perch.broker.plugin.PerchPlugin;
import io.perch.broker.plugin.PluginContext;
import io.perch.broker.plugin.PluginStores;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real plugin for tests: claims one prefix, keeps what it was given, and records its life
 * cycle. {@code <prefix>enabled = true} turns it on; {@code <prefix>fail = yes} makes
 * configure reject that line, as a plugin with a bad rule would.
 */
public class RecordingPlugin implements PerchPlugin {
    private final String name;
    private final String prefix;
    public final List<List<ConfigEntry>> configured = new CopyOnWriteArrayList<>();
    public final List<String> events = new CopyOnWriteArrayList<>();
    public volatile PluginContext context;
    /** What {@link #stores()} answers; a test sets it before the server is built. */
    public volatile PluginStores supplies = PluginStores.NONE;
    private volatile boolean enabled;

    public RecordingPlugin(String name, String prefix) {
        this.name = name;
        this.prefix = prefix;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<String> configPrefixes() {
        return List.of(prefix);
    }

    @Override
    public void configure(List<ConfigEntry> entries) {
        configured.add(new ArrayList<>(entries));
        for (ConfigEntry e : entries) {
            if (e.key().equals(prefix + "fail")) {
                throw new ConfigException(e, "this plugin rejects it");
            }
            if (e.key().equals(prefix + "enabled")) {
                enabled = e.value().equals("true");
            }
        }
        events.add("configure");
    }

    @Override
    public boolean enabled() {
        return enabled;
    }

    @Override
    public PluginStores stores() {
        events.add("stores");
        return supplies;
    }

    @Override
    public void start(PluginContext context) {
        this.context = context;
        events.add("start");
    }

    @Override
    public void stop() {
        events.add("stop");
    }
}
