package io.perch.broker.config;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** node.io_threads: "auto" is one loop per core, one in all on 1-2 cores; a number is taken as is. */
class IoThreadsTest {
    @Test
    void autoIsOneLoopOnSmallMachinesAndOnePerCoreOnLargerOnes() {
        assertThat(BrokerConfig.ioThreadsFor(1)).isEqualTo(1);
        assertThat(BrokerConfig.ioThreadsFor(2)).isEqualTo(1);
        assertThat(BrokerConfig.ioThreadsFor(4)).isEqualTo(4);
        assertThat(BrokerConfig.ioThreadsFor(16)).isEqualTo(16);
    }

    @Test
    void aNumberIsTakenAsIsAndAutoFollowsThisMachine() {
        assertThat(BrokerConfig.builder().ioThreads(3).build().resolvedIoThreads()).isEqualTo(3);
        assertThat(BrokerConfig.builder().build().resolvedIoThreads())
                .isEqualTo(BrokerConfig.ioThreadsFor(Runtime.getRuntime().availableProcessors()));
    }
}
