package io.perch.bench.client;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PacketIdsTest {

    @Test
    void idsAreUniqueWhileInUseAndWrapAfter65535() {
        PacketIds ids = new PacketIds();
        assertThat(ids.acquire()).isEqualTo(1);
        assertThat(ids.acquire()).isEqualTo(2);
        assertThat(ids.release(1)).isTrue();
        assertThat(ids.release(1)).isFalse();
        for (int i = 3; i <= 65535; i++) {
            assertThat(ids.acquire()).isEqualTo(i);
            ids.release(i);
        }
        // Wrapped: 1 is free again, 2 is still taken and must be skipped.
        assertThat(ids.acquire()).isEqualTo(1);
        assertThat(ids.acquire()).isEqualTo(3);
        assertThat(ids.isUsed(2)).isTrue();
        assertThat(ids.inUse()).isEqualTo(3);
    }

    @Test
    void exhaustionFailsInsteadOfReusingAnId() {
        PacketIds ids = new PacketIds();
        for (int i = 0; i < 65535; i++) {
            ids.acquire();
        }
        assertThatThrownBy(ids::acquire).isInstanceOf(IllegalStateException.class);
        assertThat(ids.release(0)).isFalse();
        assertThat(ids.release(65536)).isFalse();
    }
}
