package io.perch.bench.stats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time a process has used, all its threads, from {@code /proc/<pid>/stat} (Linux only): what
 * a broker spends per message is steadier than its rate on a machine it shares with the load
 * tool, where less CPU for the broker leaves more for the tool.
 */
public final class ProcessCpu {
    /** Linux's USER_HZ, the unit of utime and stime in /proc (100 on every architecture it runs on). */
    private static final double TICKS_PER_SECOND = 100;

    private ProcessCpu() {
    }

    /** User plus system CPU seconds of {@code pid}, or -1 when the process or the file is not there. */
    public static double seconds(long pid) {
        try {
            return parseSeconds(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * From a stat line: fields 14 (utime) and 15 (stime). The second field, the command name in
     * parentheses, may itself hold spaces and parentheses, so counting starts after the last ')'.
     */
    static double parseSeconds(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" +");
        // f[0] is field 3 (state), so field n is f[n - 3].
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
    }
}
