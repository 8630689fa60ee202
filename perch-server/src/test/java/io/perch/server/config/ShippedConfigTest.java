package io.perch.server.config;

import io.perch.broker.config.BrokerConfig;
import io.perch.broker.plugin.ConfigEntry;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** etc/perch.conf documents every key the server owns, and its values are the built-in defaults. */
class ShippedConfigTest {
    // Surefire runs in the module directory; the repository root is its parent.
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path CONF = ROOT.resolve("etc/perch.conf");

    @Test
    void shippedValuesAreTheDefaults() {
        List<ConfigEntry> entries = ConfigFileParser.parse(CONF, "etc/perch.conf");
        PerchConfig c = new PerchConfigLoader(ROOT, List.of()).bind(entries);

        assertThat(c.broker()).usingRecursiveComparison().isEqualTo(BrokerConfig.builder().build());
        assertThat(c.server()).isEqualTo(new ServerSettings("info", ROOT.resolve("log"), ROOT.resolve("data")));
    }

    @Test
    void everyOwnKeyIsWrittenOutOrCommentedOutWithAComment() throws Exception {
        String text = Files.readString(CONF);
        for (String key : PerchConfigLoader.ownKeys()) {
            assertThat(Pattern.compile("(?m)^(# )?" + Pattern.quote(key) + " = ").matcher(text).find())
                    .as("etc/perch.conf mentions %s", key).isTrue();
        }
    }
}
