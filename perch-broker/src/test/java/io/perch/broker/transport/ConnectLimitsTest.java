package io.perch.broker.transport;

import io.perch.broker.core.RecentOffenders;
import io.perch.broker.stats.BrokerStats;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** Per-address places are given back, and the rate counts within each second. */
class ConnectLimitsTest {
    private final AtomicLong now = new AtomicLong();
    private final BrokerStats stats = new BrokerStats();

    @Test
    void eachAddressHasItsOwnPlacesAndGivesThemBack() throws Exception {
        ConnectLimits l = new ConnectLimits("t", 2, 0, stats, new RecentOffenders(), now::get);
        InetAddress a = InetAddress.getByName("10.0.0.1");
        InetAddress b = InetAddress.getByName("10.0.0.2");
        assertThat(l.tryOpen(a)).isTrue();
        assertThat(l.tryOpen(a)).isTrue();
        assertThat(l.tryOpen(a)).isFalse();
        assertThat(l.tryOpen(b)).isTrue();
        l.release(a);
        assertThat(l.tryOpen(a)).isTrue();
        l.release(a);
        l.release(a);
        l.release(b);
        assertThat(l.addresses()).as("no entry kept for an address with nothing open").isZero();
        assertThat(stats.connectionsRefusedPerIpLimit.sum()).isEqualTo(1);
    }

    @Test
    void theRateCountsWithinEachSecond() {
        ConnectLimits l = new ConnectLimits("t", 0, 3, stats, new RecentOffenders(), now::get);
        for (int i = 0; i < 3; i++) {
            assertThat(l.tryOpen(null)).isTrue();
        }
        assertThat(l.tryOpen(null)).isFalse();
        now.addAndGet(1_000_000_000L);
        assertThat(l.tryOpen(null)).isTrue();
        assertThat(stats.connectionsRefusedRateLimit.sum()).isEqualTo(1);
    }
}
