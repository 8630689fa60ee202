package io.perch.redis.config;

import io.perch.broker.plugin.ConfigException;
import io.perch.redis.testkit.ConfFile;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClusterConfigParserTest {
    private static ClusterConfig parse(String... lines) {
        return ClusterConfigParser.parse(ConfFile.lines(lines));
    }

    @Test
    void defaultsAreASingleNode() {
        ClusterConfig c = parse();
        assertThat(c).isEqualTo(ClusterConfig.OFF);
        assertThat(c.enabled()).isFalse();
        assertThat(c.pool()).isEqualTo("pool1");
        assertThat(c.nodeTimeout()).isEqualTo(Duration.ofSeconds(15));
        assertThat(c.heartbeatInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.inboxMaxLen()).isEqualTo(1_000_000);
        assertThat(c.takeoverTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.rpcTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void everyKeyIsRead() {
        ClusterConfig c = parse("cluster.enable = on", "cluster.pool = pool2", "cluster.node_timeout = 30s",
                "cluster.heartbeat_interval = 500ms", "cluster.inbox.max_len = 5000", "cluster.takeover_timeout = 2",
                "cluster.rpc_timeout = 1500ms");
        assertThat(c).isEqualTo(new ClusterConfig(true, "pool2", Duration.ofSeconds(30), Duration.ofMillis(500), 5000,
                Duration.ofSeconds(2), Duration.ofMillis(1500)));
        assertThat(parse("cluster.enable = off").enabled()).isFalse();
        assertThat(parse("cluster.enable = true").enabled()).isTrue();
    }

    @Test
    void badValuesNameTheKeyAndTheLine() {
        assertThatThrownBy(() -> parse("cluster.enable = maybe")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("test.conf:1").hasMessageContaining("cluster.enable").hasMessageContaining("on or off");
        assertThatThrownBy(() -> parse("", "cluster.node_timeout = soon")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("test.conf:2").hasMessageContaining("cluster.node_timeout");
        assertThatThrownBy(() -> parse("cluster.node_timeout = 0")).hasMessageContaining("at least 1 ms");
        assertThatThrownBy(() -> parse("cluster.heartbeat_interval = -1s")).hasMessageContaining("cluster.heartbeat_interval");
        assertThatThrownBy(() -> parse("cluster.takeover_timeout = x")).hasMessageContaining("cluster.takeover_timeout");
        assertThatThrownBy(() -> parse("", "", "cluster.rpc_timeout = 0")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("test.conf:3").hasMessageContaining("cluster.rpc_timeout")
                .hasMessageContaining("at least 1 ms");
        assertThatThrownBy(() -> parse("cluster.inbox.max_len = 0")).hasMessageContaining("cluster.inbox.max_len")
                .hasMessageContaining("at least 1");
        assertThatThrownBy(() -> parse("cluster.inbox.max_len = lots")).hasMessageContaining("test.conf:1");
        assertThatThrownBy(() -> parse("cluster.pool = ")).hasMessageContaining("cluster.pool");
        assertThatThrownBy(() -> parse("cluster.nodes = a,b")).hasMessageContaining("unknown key")
                .hasMessageContaining("cluster.node_timeout").hasMessageContaining("cluster.rpc_timeout");
    }

    @Test
    void aHeartbeatMustFitThreeTimesInTheNodeTimeout() {
        assertThatThrownBy(() -> parse("cluster.node_timeout = 3s", "cluster.heartbeat_interval = 1s"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("test.conf:2")
                .hasMessageContaining("cluster.heartbeat_interval").hasMessageContaining("third of cluster.node_timeout");
        assertThatThrownBy(() -> parse("cluster.node_timeout = 2s"))
                .as("with the default heartbeat, the node_timeout line is named")
                .hasMessageContaining("test.conf:1").hasMessageContaining("cluster.node_timeout");
        assertThat(parse("cluster.node_timeout = 3100ms").nodeTimeout()).isEqualTo(Duration.ofMillis(3100));
    }
}
