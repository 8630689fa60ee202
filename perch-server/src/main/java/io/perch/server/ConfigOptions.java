package io.perch.server;

import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code -c FILE} and {@code --set KEY=VALUE}, as every command that reads the configuration
 * takes them ({@code start}, {@code check}, {@code stop}, {@code pid}): a picocli mixin, so
 * the options read and document the same everywhere.
 */
final class ConfigOptions {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = "etc/perch.conf",
            description = "Main config file (default: ${DEFAULT-VALUE}); *.conf in the plugins/ directory beside it are read after it.")
    Path configFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override one config key; repeatable; applied after all files.")
    List<String> overrides = new ArrayList<>();
}
