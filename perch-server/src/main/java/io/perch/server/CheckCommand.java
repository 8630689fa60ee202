package io.perch.server;

import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.ConfigException;
import io.perch.broker.plugin.PerchPlugin;
import io.perch.server.config.PerchConfig;
import io.perch.server.config.PerchConfigLoader;
import io.perch.server.logging.LogSetup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code perch check -c FILE}: validates a configuration the way {@code start} reads it (the main
 * file, {@code plugins/*.conf} beside it, {@code --set}), like {@code emqx check_config}: every
 * key has an owner and a valid value (each plugin's {@code configure}), the stores plugins
 * supply do not clash, TLS listener files exist (checked while binding the config), and each enabled plugin's
 * {@link PerchPlugin#check} passes. Nothing is bound, started or connected. Exit 0 with one
 * "config OK" line, or 2 with {@code file:line: ...} messages on stderr.
 */
@Command(name = "check", description = "Validate the configuration without starting anything (exit 0 OK, 2 errors).")
final class CheckCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        LogSetup.quiet();
        Path home = Path.of("").toAbsolutePath();
        PerchConfigLoader loader = new PerchConfigLoader(home, Plugins.discover(getClass().getClassLoader()));
        List<ConfigEntry> entries = loader.read(options.configFile, options.overrides);
        PerchConfig config = loader.bind(entries); // a ConfigException here is printed by Main, exit 2
        List<String> problems = new ArrayList<>();
        try {
            PerchServer.suppliedStores(config.plugins().keySet());
        } catch (IllegalStateException e) {
            problems.add(options.configFile + ": " + e.getMessage());
        }
        List<String> enabled = new ArrayList<>();
        for (PerchPlugin p : config.plugins().keySet()) {
            if (!p.enabled()) {
                continue;
            }
            enabled.add(p.name());
            try {
                p.check(home);
            } catch (ConfigException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            problems.forEach(spec.commandLine().getErr()::println);
            spec.commandLine().getErr().flush();
            return Main.EXIT_USAGE;
        }
        long files = entries.stream().map(ConfigEntry::file).filter(f -> !f.equals("--set")).distinct().count();
        spec.commandLine().getOut().printf("config OK: %s (%d file%s with settings, %d listener%s, plugins: %s)%n", options.configFile, files,
                files == 1 ? "" : "s", config.broker().listeners.size(), config.broker().listeners.size() == 1 ? "" : "s",
                enabled.isEmpty() ? "none" : String.join(", ", enabled));
        spec.commandLine().getOut().flush();
        return Main.EXIT_OK;
    }
}
