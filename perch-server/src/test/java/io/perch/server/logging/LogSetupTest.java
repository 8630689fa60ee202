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
import java.util.List;

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

    @Test
    void jsonFormatWritesOneObjectALine() throws Exception {
        Path logDir = dir.resolve("json");
        LogSetup.apply(logDir, "info", "json");

        Logger log = LoggerFactory.getLogger("io.perch.test.Json");
        log.info("a \"quoted\" line\nand a second");
        log.warn("with an exception", new IllegalStateException("boom"));

        await().untilAsserted(() -> assertThat(logDir.resolve("perch.log")).exists());
        await().untilAsserted(() -> assertThat(Files.readAllLines(logDir.resolve("perch.log"))).hasSize(2));
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        List<String> lines = Files.readAllLines(logDir.resolve("perch.log"));
        var first = mapper.readTree(lines.get(0));
        assertThat(first.path("time").asText()).matches("\\d{4}-\\d{2}-\\d{2}T.*Z");
        assertThat(first.path("level").asText()).isEqualTo("INFO");
        assertThat(first.path("logger").asText()).isEqualTo("io.perch.test.Json");
        assertThat(first.path("thread").asText()).isEqualTo(Thread.currentThread().getName());
        assertThat(first.path("message").asText()).isEqualTo("a \"quoted\" line\nand a second");
        var second = mapper.readTree(lines.get(1));
        assertThat(second.path("level").asText()).isEqualTo("WARN");
        assertThat(second.path("exception").asText()).contains("IllegalStateException: boom");
    }

    @Test
    void textFormatLinesCarryTheDate() throws Exception {
        Path logDir = dir.resolve("text");
        LogSetup.apply(logDir, "info", "text");

        LoggerFactory.getLogger("io.perch.test").info("dated");

        await().untilAsserted(() -> assertThat(Files.readString(logDir.resolve("perch.log")))
                .matches("(?s)\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3} INFO .*dated\\s*"));
    }
}
