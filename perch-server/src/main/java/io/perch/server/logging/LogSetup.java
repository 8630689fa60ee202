package io.perch.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URL;
import java.nio.file.Path;

/**
 * Applies {@code log.dir}, {@code log.format} and {@code log.level} once the config is read.
 * Logback has already configured itself from logback.xml by then (class loading logs), so this
 * reloads that file (or logback-json.xml for {@code log.format = json}) with the directory as a
 * context property ({@code perch.log.dir}) rather than a system property, and then sets the
 * root level. The level can change later through the REST API ({@code PUT /api/v4/log/level}).
 */
public final class LogSetup {
    private static final String FORMAT = "perch.log.format";

    private LogSetup() {
    }

    public static void apply(Path logDir, String level) {
        apply(logDir, level, "text");
    }

    /** @param format text or json */
    public static void apply(Path logDir, String level, String format) {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext ctx)) {
            return; // another SLF4J backend (e.g. in an embedding application): leave it alone
        }
        URL config = LogSetup.class.getResource("json".equals(format) ? "/logback-json.xml" : "/logback.xml");
        if (config != null && (!logDir.toString().equals(ctx.getProperty("perch.log.dir"))
                || !format.equals(ctx.getProperty(FORMAT)))) {
            ctx.reset();
            ctx.putProperty("perch.log.dir", logDir.toString());
            ctx.putProperty(FORMAT, format);
            JoranConfigurator configurator = new JoranConfigurator();
            configurator.setContext(ctx);
            try {
                configurator.doConfigure(config);
            } catch (JoranException e) {
                System.err.println("cannot configure logging: " + e.getMessage());
            }
        }
        ctx.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(level, Level.INFO));
    }

    /** For commands that only report (check, pid, stop, ping): warnings and errors only, on the console they print to. */
    public static void quiet() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
            ctx.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.WARN);
        }
    }
}
