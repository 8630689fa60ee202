package io.perch.server;

import io.perch.broker.plugin.ConfigException;
import io.perch.broker.plugin.PerchPlugin;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/** Finds the plugins on the class path (META-INF/services/io.perch.broker.plugin.PerchPlugin). */
public final class Plugins {
    private Plugins() {
    }

    /**
     * Every plugin, sorted by name so that start order does not depend on class-path order
     * (hook order is set by hook priorities, not by this).
     */
    public static List<PerchPlugin> discover(ClassLoader loader) {
        List<PerchPlugin> found = new ArrayList<>();
        try {
            for (PerchPlugin p : ServiceLoader.load(PerchPlugin.class, loader)) {
                found.add(p);
            }
        } catch (ServiceConfigurationError e) {
            throw new ConfigException("cannot load a plugin: " + e.getMessage());
        }
        found.sort(Comparator.comparing(PerchPlugin::name));
        return found;
    }
}
