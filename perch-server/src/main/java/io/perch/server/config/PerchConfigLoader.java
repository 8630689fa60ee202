package io.perch.server.config;

import io.perch.broker.config.BrokerConfig;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.ConfigException;
import io.perch.broker.plugin.PerchPlugin;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Loads the configuration the way EMQ X 4 does, in this order: the main file, then every
 * {@code *.conf} in the {@code plugins} directory beside it (sorted by name), then
 * {@code --set key=value} overrides. A later entry of a key replaces an earlier one (it keeps
 * the earlier one's place, so rule order stays stable). Every key must have an owner: the
 * engine ({@code node.*}, {@code listener.*}, {@code mqtt.*}, {@code zone.*}...), the server
 * ({@code log.*}, {@code data.dir}) or a plugin's prefix. Anything else stops start-up.
 */
public final class PerchConfigLoader {
    private final Path home;
    private final List<PerchPlugin> plugins;

    /**
     * @param home    the Perch home: relative paths in values (certificates, data.dir, log.dir) resolve against it
     * @param plugins discovered plugins; each is configured with the entries under its prefixes
     */
    public PerchConfigLoader(Path home, List<PerchPlugin> plugins) {
        this.home = home.toAbsolutePath().normalize();
        this.plugins = List.copyOf(plugins);
    }

    /**
     * @param mainFile  the main config file; errors name it as given (relative to home when relative)
     * @param overrides {@code key=value} strings from {@code --set}
     */
    public PerchConfig load(Path mainFile, List<String> overrides) {
        return bind(read(mainFile, overrides));
    }

    /**
     * The entries of the main file, its plugins directory and the overrides, unbound. A missing
     * main file names the absolute path tried (a relative one resolves against the home).
     */
    public List<ConfigEntry> read(Path mainFile, List<String> overrides) {
        Path main = home.resolve(mainFile).normalize();
        if (!Files.exists(main)) {
            throw new ConfigException(mainFile + ": config file not found"
                    + (mainFile.isAbsolute() ? "" : " (looked for " + main + ")"));
        }
        List<ConfigEntry> all = new ArrayList<>(ConfigFileParser.parse(home.resolve(mainFile), mainFile.toString()));
        for (Path p : pluginFiles(mainFile)) {
            all.addAll(ConfigFileParser.parse(home.resolve(p), p.toString()));
        }
        for (String o : overrides) {
            all.add(ConfigFileParser.parseOverride(o));
        }
        return all;
    }

    /** Binds already-read entries (tests, and {@link #load}). */
    public PerchConfig bind(List<ConfigEntry> entries) {
        Map<String, PerchPlugin> prefixes = claimedPrefixes();
        Map<String, ConfigEntry> merged = new LinkedHashMap<>();
        for (ConfigEntry e : entries) {
            merged.put(e.key(), e);
        }
        BrokerConfig.Builder builder = BrokerConfig.builder();
        List<ConfigEntry> listenerEntries = new ArrayList<>();
        List<ConfigEntry> serverEntries = new ArrayList<>();
        Map<PerchPlugin, List<ConfigEntry>> pluginEntries = new LinkedHashMap<>();
        for (PerchPlugin p : plugins) {
            pluginEntries.put(p, new ArrayList<>());
        }
        for (ConfigEntry e : merged.values()) {
            String key = e.key();
            BrokerKeys.Binder binder = BrokerKeys.KEYS.get(key);
            if (binder != null) {
                binder.bind(e, builder);
            } else if (ListenerKeys.KEYS.contains(key)) {
                listenerEntries.add(e);
            } else if (ServerSettings.KEYS.contains(key)) {
                serverEntries.add(e);
            } else {
                PerchPlugin owner = ownerOf(key, prefixes);
                if (owner == null) {
                    throw unknown(e, prefixes.keySet());
                }
                pluginEntries.get(owner).add(e);
            }
        }
        ListenerKeys.Bound listeners = ListenerKeys.bind(listenerEntries, home);
        builder.listeners(listeners.listeners());
        ServerSettings server = ServerSettings.bind(serverEntries, home);
        Map<PerchPlugin, List<ConfigEntry>> configured = new LinkedHashMap<>();
        for (Map.Entry<PerchPlugin, List<ConfigEntry>> pe : pluginEntries.entrySet()) {
            List<ConfigEntry> own = List.copyOf(pe.getValue());
            pe.getKey().configure(own);
            configured.put(pe.getKey(), own);
        }
        return new PerchConfig(home, builder.build(), server, Collections.unmodifiableMap(configured),
                List.copyOf(listeners.notices()));
    }

    /** Every key the engine and the server own, for docs and tests. */
    public static Set<String> ownKeys() {
        Set<String> keys = new LinkedHashSet<>(BrokerKeys.KEYS.keySet());
        keys.addAll(ListenerKeys.KEYS);
        keys.addAll(ServerSettings.KEYS);
        return keys;
    }

    private List<Path> pluginFiles(Path mainFile) {
        Path parent = mainFile.getParent();
        Path dir = parent == null ? Path.of("plugins") : parent.resolve("plugins");
        if (!Files.isDirectory(home.resolve(dir))) {
            return List.of();
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(home.resolve(dir), "*.conf")) {
            for (Path p : ds) {
                files.add(dir.resolve(p.getFileName()));
            }
        } catch (IOException e) {
            throw new ConfigException(dir + ": cannot list: " + e.getMessage());
        }
        files.sort(null);
        return files;
    }

    /** Prefix to plugin; a prefix that overlaps the server's keys or another plugin's stops start-up. */
    private Map<String, PerchPlugin> claimedPrefixes() {
        Map<String, PerchPlugin> claimed = new LinkedHashMap<>();
        Set<String> own = ownKeys();
        for (PerchPlugin p : plugins) {
            for (String prefix : p.configPrefixes()) {
                for (String k : own) {
                    if (k.startsWith(prefix)) {
                        throw new ConfigException("plugin " + p.name() + " claims prefix '" + prefix
                                + "', which covers the broker key '" + k + "'");
                    }
                }
                for (Map.Entry<String, PerchPlugin> c : claimed.entrySet()) {
                    if (c.getKey().startsWith(prefix) || prefix.startsWith(c.getKey())) {
                        throw new ConfigException("plugins " + c.getValue().name() + " and " + p.name()
                                + " both claim keys under '" + prefix + "'");
                    }
                }
                claimed.put(prefix, p);
            }
        }
        return claimed;
    }

    private static PerchPlugin ownerOf(String key, Map<String, PerchPlugin> prefixes) {
        for (Map.Entry<String, PerchPlugin> c : prefixes.entrySet()) {
            if (key.startsWith(c.getKey())) {
                return c.getValue();
            }
        }
        return null;
    }

    private static ConfigException unknown(ConfigEntry e, Collection<String> prefixes) {
        String suggestion = KeySuggester.closest(e.key(), ownKeys(), prefixes);
        return new ConfigException(e.where() + ": unknown key '" + e.key() + "'"
                + (suggestion == null ? "" : " (did you mean '" + suggestion + "'?)"));
    }
}
