package io.perch.server;

import io.perch.broker.plugin.ConfigException;
import io.perch.server.config.PerchConfig;
import io.perch.server.config.PerchConfigLoader;
import io.perch.server.logging.LogSetup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code perch start}: loads the config, starts the server and runs in the foreground until
 * SIGTERM or Ctrl-C (SIGINT). Those signals are handled ({@link sun.misc.Signal}) rather than
 * left to the JVM's shutdown: the main thread then stops the server in order (listeners close,
 * plugins stop, the embedded Redis with them, each bounded, see {@link PerchServer#stop}),
 * removes the pid file and returns 0, so that the exit status is 0 and not the JVM's 143/130.
 * A second signal while stopping exits at once with status 1, after sending SIGTERM to the child
 * processes (the embedded Redis). A shutdown hook still stops the
 * server when the JVM exits any other way (System.exit elsewhere, SIGHUP).
 * The working directory is the Perch home: relative paths (also {@code -c}) resolve against it.
 * Config errors (also a plugin's) propagate as ConfigException, which {@link Main} turns into
 * exit status 2.
 */
@Command(name = "start", description = "Run the broker in the foreground (SIGTERM or Ctrl-C stops it, exit 0).")
final class StartCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(StartCommand.class);

    @Mixin
    ConfigOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path home = Path.of("").toAbsolutePath();
        PerchConfig config = new PerchConfigLoader(home, Plugins.discover(getClass().getClassLoader()))
                .load(options.configFile, options.overrides);
        LogSetup.apply(config.server().logDir(), config.server().logLevel(), config.server().logFormat());

        PidFile pidFile = new PidFile(config.server().dataDir());
        try {
            OptionalLong stale = pidFile.write();
            if (stale.isPresent()) {
                log.info("replaced the stale pid file {} (pid {} is not running)", pidFile.path(), stale.getAsLong());
            }
        } catch (IllegalStateException e) {
            log.error("Perch did not start: {}", e.getMessage());
            spec.commandLine().getErr().println("perch: did not start: " + e.getMessage());
            return Main.EXIT_FAILED;
        }

        PerchServer server = new PerchServer(config);
        CountDownLatch stopRequested = new CountDownLatch(1);
        AtomicReference<String> signal = new AtomicReference<>();
        // A stop signal during start-up interrupts it: start can wait a minute for a Redis that is
        // not there (the stored sessions, the cluster join), and a service manager's stop must not.
        Thread starter = Thread.currentThread();
        boolean[] starting = {true}; // guarded by itself
        java.util.Map<Signal, sun.misc.SignalHandler> previous = new java.util.LinkedHashMap<>();
        for (String name : List.of("TERM", "INT")) {
            Signal s = new Signal(name);
            previous.put(s, Signal.handle(s, sig -> {
                if (signal.compareAndSet(null, "SIG" + sig.getName())) {
                    stopRequested.countDown();
                    synchronized (starting) {
                        if (starting[0]) {
                            starter.interrupt();
                        }
                    }
                } else {
                    // An impatient second Ctrl-C: leave now, without the orderly stop. The embedded
                    // Redis is a child: it gets SIGTERM too (it still writes its AOF), or it would
                    // stay behind on its port until the next start stops it as an orphan.
                    System.err.println("perch: SIG" + sig.getName() + " while stopping; exiting at once");
                    ProcessHandle.current().children().forEach(ProcessHandle::destroy);
                    Runtime.getRuntime().halt(Main.EXIT_FAILED);
                }
            }));
        }
        Thread hook = new Thread(() -> {
            log.info("stopping Perch (the JVM is exiting)");
            server.stop();
            pidFile.delete();
        }, "perch-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            server.start();
        } catch (Exception e) {
            synchronized (starting) {
                starting[0] = false;
                Thread.interrupted(); // the stop signal's, if it came
            }
            Runtime.getRuntime().removeShutdownHook(hook);
            previous.forEach(Signal::handle); // the JVM's own handling again (tests run start in-process)
            pidFile.delete();
            if (e instanceof ConfigException) {
                throw e;
            }
            if (signal.get() != null) {
                log.info("Perch stopped during start-up ({}): {}", signal.get(), e.getMessage());
                return Main.EXIT_OK;
            }
            log.error("Perch did not start: {}", e.getMessage());
            spec.commandLine().getErr().println("perch: did not start: " + e.getMessage());
            return Main.EXIT_FAILED;
        }
        synchronized (starting) {
            starting[0] = false;
            Thread.interrupted(); // a stop signal that came as start finished: the latch has it
        }
        log.info("pid {} written to {}", ProcessHandle.current().pid(), pidFile.path());
        stopRequested.await();
        log.info("stopping Perch ({})", signal.get());
        server.stop();
        pidFile.delete();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook finds the server stopped
        }
        return Main.EXIT_OK;
    }
}
