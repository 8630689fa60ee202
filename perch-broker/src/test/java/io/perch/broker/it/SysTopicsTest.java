package io.perch.broker.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import io.perch.broker.testkit.BrokerTest;
import io.perch.broker.testkit.Inbox;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** $SYS/brokers/&lt;node&gt;/...: version, uptime, counts and client events, on a short sys_interval. */
class SysTopicsTest extends BrokerTest {
    private static final String SYS = "$SYS/brokers/test@127.0.0.1/";

    @Test
    void versionUptimeAndCountsArePublished() throws Exception {
        start(b -> b.sysInterval(Duration.ofMillis(200)));
        Inbox v3 = new Inbox();
        clients.v3("sys3", v3).subscribe(SYS + "#", 0);
        Inbox v5 = new Inbox();
        clients.hiveConnected("sys5", v5).subscribeWith().topicFilter(SYS + "+").qos(MqttQos.AT_MOST_ONCE).send();

        String version = broker.broker().service().version();
        Inbox.Msg v = v3.awaitMatch(m -> m.topic().equals(SYS + "version"));
        assertThat(v.text()).isEqualTo(version);
        assertThat(v.retained()).isTrue(); // retained: a late subscriber gets it at once
        assertThat(v5.awaitMatch(m -> m.topic().equals(SYS + "version")).text()).isEqualTo(version);
        assertThat(v3.awaitMatch(m -> m.topic().equals(SYS + "sysdescr")).text()).isEqualTo("Perch MQTT broker");

        assertThat(v3.awaitMatch(m -> m.topic().equals(SYS + "uptime")).text()).matches("\\d+ seconds");
        assertThat(v5.awaitMatch(m -> m.topic().equals(SYS + "datetime")).text()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        // Two clients are connected: the counts say so once a tick after both connected has run.
        v3.awaitMatch(m -> m.topic().equals(SYS + "stats/connections/count") && m.text().equals("2"));
        v3.awaitMatch(m -> m.topic().equals(SYS + "stats/sessions/count") && m.text().equals("2"));
        v3.awaitMatch(m -> m.topic().equals(SYS + "stats/subscriptions/count") && m.text().equals("2"));
        v3.awaitMatch(m -> m.topic().equals(SYS + "metrics/messages/received") && Long.parseLong(m.text()) == 0);

        // $SYS/brokers: the running nodes, retained (one node when not clustered).
        Inbox late = new Inbox();
        clients.v3("sys-late", late).subscribe("$SYS/brokers", 0);
        Inbox.Msg brokers = late.awaitMatch(m -> m.topic().equals("$SYS/brokers"));
        assertThat(brokers.text()).isEqualTo("test@127.0.0.1");
        assertThat(brokers.retained()).isTrue();
    }

    @Test
    void clientConnectedAndDisconnectedEventsArePublished() {
        start();
        Inbox events = new Inbox();
        clients.hiveConnected("watcher", events).subscribeWith().topicFilter(SYS + "clients/#").send();
        var c = clients.hive("evt", null);
        c.connectWith().simpleAuth().username("ann").applySimpleAuth().send();
        c.disconnect();

        Inbox.Msg connected = events.awaitMatch(m -> m.topic().equals(SYS + "clients/evt/connected"));
        assertThat(connected.text()).contains("\"clientid\":\"evt\"", "\"username\":\"ann\"", "\"proto_ver\":5",
                "\"ipaddress\":\"127.0.0.1\"");
        Inbox.Msg disconnected = events.awaitMatch(m -> m.topic().equals(SYS + "clients/evt/disconnected"));
        assertThat(disconnected.text()).contains("\"clientid\":\"evt\"", "\"reason\":\"normal\"");
    }
}
