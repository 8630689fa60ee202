package io.perch.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class LogSetupTest {
    @TempDir
    Path dir;

    @AfterEach
    void restoreTestLogging() throws Exception {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.reset();
        JoranConfigurator c = new JoranConfigurator();
        c.setContext(ctx);
        c.doConfigure(getClass().getResource("/logback-test.xml"));
    }

    @Test
    void writesThePerchLogUnderLogDirAtTheConfiguredLevel() {
        Path logDir = dir.resolve("var/log");
        LogSetup.apply(logDir, "debug");

        Logger log = LoggerFactory.getLogger("io.perch.test");
        log.debug("debug line reaches the file");
        log.trace("trace line does not");

        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        assertThat(ctx.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.DEBUG);
        await().untilAsserted(() -> assertThat(logDir.resolve("perch.log")).exists());
        await().untilAsserted(() -> assertThat(Files.readString(logDir.resolve("perch.log")))
                .contains("DEBUG", "test: debug line reaches the file")
                .doesNotContain("trace line"));
    }
}
