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
        return onPath(System.getenv("PATH"));
    }

    /** The first executable redis-server in the directories of {@code path} (a PATH value). */
    public static Optional<Path> onPath(String path) {
        if (path == null || path.isEmpty()) {
            return Optional.empty();
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, "redis-server");
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** The oldest Redis on PATH preferred over the bundled one (6.2): 7 has WAITAOF (7.2), functions, ACL v2. */
    public static final int PREFERRED_MAJOR = 7;

    /** The binary the embedded Redis runs, its version when known, and why it was chosen (for the log). */
    public record Choice(Path binary, String version, String reason) {
        /** True for 6.2 or later, which know {@code set-proc-title}; false when unknown. */
        public boolean atLeast62() {
            int[] v = parse(version);
            return v != null && (v[0] > 6 || (v[0] == 6 && v[1] >= 2));
        }
    }

    /**
     * The redis-server for the embedded Redis: one on {@code path} (a PATH value) when it is
     * version {@value #PREFERRED_MAJOR} or later, else the bundled 6.2 copied into
     * {@code extractDir}, else (no bundled binary for this platform) whatever PATH has.
     */
    public static Choice choose(String path, Path extractDir) throws IOException {
        Optional<Path> system = onPath(path);
        String systemVersion = system.map(RedisBinary::version).orElse(null);
        if (system.isPresent() && systemVersion != null && parse(systemVersion)[0] >= PREFERRED_MAJOR) {
            return new Choice(system.get(), systemVersion, "redis-server on PATH is " + systemVersion
                    + ", newer than the bundled " + bundledVersion());
        }
        Optional<Path> bundled = extractBundled(extractDir);
        if (bundled.isPresent()) {
            String why = system.isEmpty() ? "no redis-server on PATH"
                    : systemVersion == null ? system.get() + " did not tell its version"
                    : system.get() + " is " + systemVersion + ", older than " + PREFERRED_MAJOR;
            return new Choice(bundled.get(), bundledVersion(), "the bundled one: " + why);
        }
        if (system.isPresent()) {
            return new Choice(system.get(), systemVersion, "no bundled redis-server for this platform; using PATH's");
        }
        throw new IOException("no bundled redis-server for this platform and none on PATH; install Redis "
                + PREFERRED_MAJOR + " or point the pools at an external Redis");
    }

    /** The bundled binary's version, from its resource name (e.g. 6.2.6). */
    static String bundledVersion() {
        return bundledResource().map(n -> {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+\\.\\d+\\.\\d+)").matcher(n);
            return m.find() ? m.group(1) : "6.2";
        }).orElse("6.2");
    }

    /** {@code redis-server --version} says {@code Redis server v=7.0.15 sha=...}: the version, or null. */
    static String version(Path binary) {
        try {
            Process p = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readNBytes(4096), java.nio.charset.StandardCharsets.UTF_8);
            }
            if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("v=(\\d+\\.\\d+(\\.\\d+)?)").matcher(out);
            return m.find() ? m.group(1) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** {major, minor} of "7.0.15", or null. */
    static int[] parse(String version) {
        if (version == null) {
            return null;
        }
        String[] parts = version.split("\\.");
        try {
            return new int[] {Integer.parseInt(parts[0]), parts.length > 1 ? Integer.parseInt(parts[1]) : 0};
        } catch (NumberFormatException e) {
            return null;
        }
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
