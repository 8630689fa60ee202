package io.perch.bench.stats;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ProcessCpuTest {
    @Test
    void utimePlusStimeInSecondsEvenWithParenthesesInTheCommandName() {
        // Fields 14 and 15 are 250 and 50 ticks; the command name holds a space and a ')'.
        String stat = "4321 (java (x) y) S 1 4321 4321 0 -1 4194560 90 0 0 0 250 50 0 0 20 0 40 0 100 0 0";
        assertThat(ProcessCpu.parseSeconds(stat)).isEqualTo(3.0);
    }

    @Test
    void thisProcessHasUsedCpuAndAMissingOneHasNone() {
        assertThat(ProcessCpu.seconds(ProcessHandle.current().pid())).isPositive();
        assertThat(ProcessCpu.seconds(Long.MAX_VALUE)).isEqualTo(-1);
    }
}
