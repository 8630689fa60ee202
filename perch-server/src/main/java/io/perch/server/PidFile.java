package io.perch.server;

import io.perch.broker.plugin.ConfigEntry;
import io.perch.server.config.ConfigFileParser;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@code <data.dir>/perch.pid}: the process id of the running broker, written at start and
 * removed on a clean stop, so that {@code perch pid} and {@code perch stop} find it. A file
 * left by a killed process (its pid gone, or now another program's) is stale and replaced.
 */
final class PidFile {
    static final String NAME = "perch.pid";

    private final Path file;

    PidFile(Path dataDir) {
        this.file = dataDir.resolve(NAME);
    }

    Path path() {
        return file;
    }

    /**
     * The pid file of the config {@code mainFile} (its {@code data.dir}, else data/), found
     * without binding the whole config: stop and pid must work even when the config has
     * since been broken by an edit. Only the main file and the overrides are read.
     */
    static PidFile of(Path home, Path mainFile, List<String> overrides) {
        String dataDir = "data";
        try {
            Path main = home.resolve(mainFile);
            if (Files.exists(main)) {
                for (ConfigEntry e : ConfigFileParser.parse(main, mainFile.toString())) {
                    if (e.key().equals("data.dir")) {
                        dataDir = e.value().trim();
                    }
                }
            }
        } catch (RuntimeException e) {
            // unreadable or broken: fall back to the default data.dir
        }
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq > 0 && o.substring(0, eq).trim().equals("data.dir")) {
                dataDir = o.substring(eq + 1).trim();
            }
        }
        return new PidFile(home.resolve(dataDir).normalize());
    }

    /** The pid written in the file, when there is a readable one. */
    OptionalLong read() {
        try {
            return OptionalLong.of(Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).trim()));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** The live Perch process the file names; empty when there is no file or it is stale. */
    Optional<ProcessHandle> running() {
        OptionalLong pid = read();
        if (pid.isEmpty()) {
            return Optional.empty();
        }
        return ProcessHandle.of(pid.getAsLong()).filter(ProcessHandle::isAlive).filter(PidFile::looksLikeJava);
    }

    /** A reused pid now belongs to another program: only a java process can be Perch. */
    private static boolean looksLikeJava(ProcessHandle p) {
        if (p.pid() == ProcessHandle.current().pid()) {
            return true;
        }
        Optional<String> cmd = p.info().command();
        return cmd.isEmpty() || cmd.get().contains("java");
    }

    /**
     * Writes this process's pid. Refuses (IllegalStateException) when another live Perch holds
     * the file; a stale file is replaced, and says so (the returned stale pid).
     */
    OptionalLong write() throws IOException {
        Optional<ProcessHandle> other = running().filter(p -> p.pid() != ProcessHandle.current().pid());
        if (other.isPresent()) {
            throw new IllegalStateException("Perch is already running with this data.dir (pid " + other.get().pid()
                    + ", " + file + "); stop it first (bin/perch stop)");
        }
        OptionalLong stale = Files.exists(file) ? read() : OptionalLong.empty();
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), ".perch-pid", ".tmp");
        Files.writeString(tmp, ProcessHandle.current().pid() + "\n", StandardCharsets.US_ASCII);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return stale;
    }

    /** Removes the file if it still holds this process's pid. */
    void delete() {
        if (read().orElse(-1) == ProcessHandle.current().pid()) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // left behind: the next start finds it stale
            }
        }
    }
}
