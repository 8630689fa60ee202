package io.perch.server;

import io.perch.broker.plugin.ConfigException;
import io.perch.server.config.PerchConfig;
import io.perch.server.config.PerchConfigLoader;
import io.perch.server.logging.LogSetup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code perch start}: loads the config, starts the server and runs in the foreground until
 * SIGTERM or Ctrl-C, whose shutdown hook stops it (bounded, see {@link PerchServer#stop}).
 * The working directory is the Perch home: relative paths in the config resolve against it.
 * Config errors (also a plugin's) propagate as ConfigException, which {@link Main} turns into
 * exit status 2.
 */
@Command(name = "start", description = "Run the broker in the foreground.")
final class StartCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(StartCommand.class);

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = "etc/perch.conf",
            description = "Main config file (default: ${DEFAULT-VALUE}); *.conf in the plugins/ directory beside it are read after it.")
    Path configFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override one config key; repeatable; applied after all files.")
    List<String> overrides = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path home = Path.of("").toAbsolutePath();
        PerchConfig config = new PerchConfigLoader(home, Plugins.discover(getClass().getClassLoader()))
                .load(configFile, overrides);
        LogSetup.apply(config.server().logDir(), config.server().logLevel());

        PerchServer server = new PerchServer(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            log.info("stopping Perch");
            server.stop();
            stopped.countDown();
        }, "perch-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            server.start();
        } catch (Exception e) {
            Runtime.getRuntime().removeShutdownHook(hook);
            if (e instanceof ConfigException) {
                throw e;
            }
            log.error("Perch did not start: {}", e.toString());
            spec.commandLine().getErr().println("perch: did not start: " + e.getMessage());
            return Main.EXIT_FAILED;
        }
        stopped.await();
        return Main.EXIT_OK;
    }
}
