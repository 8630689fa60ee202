package io.perch.redis.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Optional;

/**
 * Finds a redis-server executable: the one shipped inside the embedded-redis artifact (copied
 * out to a directory and made executable), or the one on PATH.
 */
public final class RedisBinary {
    private RedisBinary() {
    }

    /** The resource name of the bundled binary for this OS and CPU, if the artifact has one. */
    static Optional<String> bundledResource() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (os.contains("linux")) {
            if (arch.equals("amd64") || arch.equals("x86_64")) {
                return Optional.of("redis-server-6.2.6-v5-linux-amd64");
            }
            if (arch.equals("aarch64") || arch.equals("arm64")) {
                return Optional.of("redis-server-6.2.7-linux-arm64");
            }
        }
        if (os.contains("mac")) {
            return Optional.of(arch.contains("aarch64") || arch.contains("arm")
                    ? "redis-server-6.2.6-v5-darwin-arm64" : "redis-server-6.2.6-v5-darwin-amd64");
        }
        return Optional.empty();
    }

    /** Copies the bundled binary into {@code dir} (once) and returns it. */
    public static Optional<Path> extractBundled(Path dir) throws IOException {
        Optional<String> name = bundledResource();
        if (name.isEmpty()) {
            return Optional.empty();
        }
        try (InputStream in = RedisBinary.class.getClassLoader().getResourceAsStream(name.get())) {
            if (in == null) {
                return Optional.empty();
            }
            Files.createDirectories(dir);
            Path target = dir.resolve(name.get());
            if (!Files.isExecutable(target)) {
                Path tmp = Files.createTempFile(dir, "redis-server", ".part");
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                if (!tmp.toFile().setExecutable(true)) {
                    throw new IOException("cannot make " + tmp + " executable");
                }
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            return Optional.of(target);
        }
    }

    public static Optional<Path> onPath() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir, "redis-server");
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** Bundled first (the product's promise), else PATH. */
    public static Path bundledOrPath(Path extractDir) throws IOException {
        Optional<Path> p = extractBundled(extractDir);
        if (p.isPresent()) {
            return p.get();
        }
        return onPath().orElseThrow(() -> new IOException("no bundled redis-server for this platform and none on PATH"));
    }

    /** PATH first (what tests prefer: the system's Redis), else bundled. */
    public static Path pathOrBundled(Path extractDir) throws IOException {
        Optional<Path> p = onPath();
        if (p.isPresent()) {
            return p.get();
        }
        return extractBundled(extractDir)
                .orElseThrow(() -> new IOException("no redis-server on PATH and no bundled one for this platform"));
    }
}
