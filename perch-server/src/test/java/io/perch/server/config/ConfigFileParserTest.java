package io.perch.server.config;

import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigFileParserTest {

    @Test
    void skipsCommentsAndBlankLinesAndKeepsLineNumbers() {
        List<ConfigEntry> entries = ConfigFileParser.parseLines(List.of(
                "## Node name",
                "",
                "   # indented comment",
                "node.name = perch@127.0.0.1",
                "\t",
                "  mqtt.max_packet_size=64KB  "), "etc/perch.conf");

        assertThat(entries).containsExactly(
                new ConfigEntry("node.name", "perch@127.0.0.1", "etc/perch.conf", 4),
                new ConfigEntry("mqtt.max_packet_size", "64KB", "etc/perch.conf", 6));
    }

    @Test
    void jsonValuesWithEqualsHashesAndSpacesSurviveIntact() {
        String rule = "{\"topic\": \"#\", \"action\": {\"commands\": [\"SET k=v ${clientid}\"]}, \"pool\": \"pool1\"}";
        List<ConfigEntry> entries = ConfigFileParser.parseLines(List.of(
                "backend.redis.hook.message.publish.1 = " + rule,
                "a.b = x = y  z"), "etc/plugins/emqx_backend_redis.conf");

        assertThat(entries.get(0).value()).isEqualTo(rule);
        assertThat(entries.get(1).value()).isEqualTo("x = y  z");
    }

    @Test
    void emptyValueIsKeptForTheOwnerToJudge() {
        assertThat(ConfigFileParser.parseLines(List.of("a.b ="), "f").get(0).value()).isEmpty();
    }

    @Test
    void lineWithoutEqualsNamesFileAndLine() {
        assertThatThrownBy(() -> ConfigFileParser.parseLines(List.of("# c", "node.name perch@x"), "etc/perch.conf"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("etc/perch.conf:2: expected 'key = value', got 'node.name perch@x'");
    }

    @Test
    void keyWithSpaceOrMissingKeyIsRejected() {
        assertThatThrownBy(() -> ConfigFileParser.parseLines(List.of("node name = x"), "f.conf"))
                .hasMessage("f.conf:1: key 'node name' contains a space");
        assertThatThrownBy(() -> ConfigFileParser.parseLines(List.of("", " = x"), "f.conf"))
                .hasMessage("f.conf:2: missing key before '='");
    }

    @Test
    void readsFilesWithBomAndCrlf(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("perch.conf");
        Files.write(f, "\uFEFFnode.name = a@b\r\n# x\r\nlog.level = debug\r\n".getBytes(StandardCharsets.UTF_8));

        assertThat(ConfigFileParser.parse(f, "etc/perch.conf")).containsExactly(
                new ConfigEntry("node.name", "a@b", "etc/perch.conf", 1),
                new ConfigEntry("log.level", "debug", "etc/perch.conf", 3));
    }

    @Test
    void missingFileIsAConfigError(@TempDir Path dir) {
        assertThatThrownBy(() -> ConfigFileParser.parse(dir.resolve("nope.conf"), "etc/nope.conf"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("etc/nope.conf: config file not found");
    }

    @Test
    void overrideSplitsAtFirstEquals() {
        assertThat(ConfigFileParser.parseOverride("a.b={\"x\": \"=\"}"))
                .isEqualTo(new ConfigEntry("a.b", "{\"x\": \"=\"}", "--set", 0));
        assertThat(ConfigFileParser.parseOverride(" log.level = debug ").value()).isEqualTo("debug");
        assertThatThrownBy(() -> ConfigFileParser.parseOverride("log.level"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--set log.level: expected key=value");
    }
}
