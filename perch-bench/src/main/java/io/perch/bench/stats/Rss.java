package io.perch.bench.stats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident set size of a process, from {@code /proc/<pid>/status} (Linux only). */
public final class Rss {
    private Rss() {
    }

    /** VmRSS in bytes, or -1 when the process or the field is not there. */
    public static long bytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return parseKb(line) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** "VmRSS:     12345 kB" to 12345. */
    static long parseKb(String line) {
        String digits = line.substring(line.indexOf(':') + 1).replace("kB", "").trim();
        return Long.parseLong(digits);
    }
}
