package io.perch.redis.testkit;

import io.perch.broker.plugin.ConfigEntry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads an EMQ X style {@code key = value} file into entries with line numbers, as the server's loader does. */
public final class ConfFile {
    private ConfFile() {
    }

    public static List<ConfigEntry> read(Path file) {
        try {
            return parse(Files.readAllLines(file), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<ConfigEntry> parse(List<String> lines, String name) {
        List<ConfigEntry> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).trim();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            int eq = l.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException(name + ":" + (i + 1) + ": no '='");
            }
            out.add(new ConfigEntry(l.substring(0, eq).trim(), l.substring(eq + 1).trim(), name, i + 1));
        }
        return out;
    }

    public static List<ConfigEntry> lines(String... lines) {
        return parse(List.of(lines), "test.conf");
    }

    /** The shipped default file at the repository root. */
    public static Path shipped() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("etc/plugins/emqx_backend_redis.conf"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("etc/plugins/emqx_backend_redis.conf not found above " + Path.of("").toAbsolutePath());
        }
        return p.resolve("etc/plugins/emqx_backend_redis.conf");
    }
}
