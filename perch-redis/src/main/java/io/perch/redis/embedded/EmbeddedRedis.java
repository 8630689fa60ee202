package io.perch.redis.embedded;

import io.perch.redis.config.EmbeddedRedisConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The redis-server Perch runs itself for the pools whose server is {@code embedded}
 * ({@code backend.redis.pool1.server = embedded}); never for a pool that names a host:port.
 *
 * <p>Its data dir ({@code <data.dir>/redis} unless {@code backend.redis.embedded.dir} says
 * otherwise) holds everything it is: the AOF, {@code redis.pid} (Redis's own pid file),
 * {@code password} (generated once, owner-readable only, given to Redis through
 * {@code redis.conf}, never on the command line where {@code ps} would show it) and the logs.
 *
 * <p>A redis-server left running by a broker killed with {@code kill -9} is found at the next
 * start through that pid file, checked to be a redis-server of this data dir (its command line
 * keeps {@code --dir}: started with {@code set-proc-title no}), and stopped with SIGTERM (Redis
 * fsyncs its AOF and exits) before a new one is started. Stopped rather than adopted: the
 * orphan is not this JVM's child (no exit status, no way to notice it dying), it may run an
 * older binary or settings than this start asks for, and restarting costs only an AOF reload.
 */
public final class EmbeddedRedis {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedRedis.class);
    static final String PID_FILE = "redis.pid";
    static final String PASSWORD_FILE = "password";
    static final String CONF_FILE = "redis.conf";
    private static final Duration ORPHAN_STOP = Duration.ofSeconds(30);

    private final RedisProcess process;
    private final String password;
    private final Path dir;

    private EmbeddedRedis(RedisProcess process, String password, Path dir) {
        this.process = process;
        this.password = password;
        this.dir = dir;
    }

    public static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /**
     * Starts the embedded Redis in {@code dir} with the binary {@code RedisBinary.choose} picks
     * from {@code pathEnv}; stops an orphan of an earlier run first. Fails (rather than share a
     * port) when something else listens on its address.
     */
    public static EmbeddedRedis start(EmbeddedRedisConfig config, Path dataDir, String pathEnv) throws IOException {
        Path dir = dataDir.toAbsolutePath().normalize();
        Files.createDirectories(dir);
        ownerOnly(dir, true);
        stopOrphan(dir);
        if (RedisProcess.listening(config.bind(), config.port())) {
            throw new IOException("cannot start the embedded Redis on " + config.address() + ": something else listens there "
                    + "(not a redis-server of " + dir + "); set backend.redis.embedded.port to a free port, or point "
                    + "the pools at that server with its host:port");
        }
        String password = password(dir);
        Path conf = dir.resolve(CONF_FILE);
        writeOwnerOnly(conf, "# Written by Perch at every start of the embedded Redis; edits are lost.\n"
                + "requirepass " + password + "\n");
        RedisBinary.Choice bin = RedisBinary.choose(pathEnv, dir.resolve("bin"));
        log.info("embedded Redis: using {} (Redis {}): {}", bin.binary(), bin.version(), bin.reason());
        List<String> args = new ArrayList<>(List.of("--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
                "--pidfile", dir.resolve(PID_FILE).toString(),
                // A stored message is a 7-field hash whose payload is often over Redis's
                // 64-byte default for compact hashes: allowing 1 KiB values keeps such
                // hashes compact (about 40 % less memory, and less work for AOF rewrites).
                "--hash-max-ziplist-value", "1024"));
        if (bin.atLeast62()) {
            // Keep the command line (with --dir) as started, so an orphan is recognisable.
            args.addAll(List.of("--set-proc-title", "no"));
        }
        RedisProcess p = RedisProcess.start(bin.binary(), conf, config.bind(), config.port(), dir, args, Duration.ofSeconds(30),
                true);
        log.info("embedded Redis started on {} (pid {}, AOF on, data in {}, password in {})", config.address(), p.pid(),
                dir, dir.resolve(PASSWORD_FILE));
        return new EmbeddedRedis(p, password, dir);
    }

    public String password() {
        return password;
    }

    public long pid() {
        return process.pid();
    }

    public Path dir() {
        return dir;
    }

    public RedisProcess process() {
        return process;
    }

    /** SIGTERM (AOF fsynced), then SIGKILL after a grace period; Redis removes its pid file. */
    public void stop() {
        log.info("stopping the embedded Redis (pid {})", process.pid());
        process.stop(Duration.ofSeconds(30));
    }

    /**
     * The redis-server of {@code dir} an earlier run left behind, if its pid file names a live
     * redis-server whose command line has this data dir (a stale pid file, its pid reused by
     * another process, is ignored).
     */
    static Optional<ProcessHandle> orphan(Path dir) {
        Path pidFile = dir.resolve(PID_FILE);
        if (!Files.isRegularFile(pidFile)) {
            return Optional.empty();
        }
        long pid;
        try {
            pid = Long.parseLong(Files.readString(pidFile, StandardCharsets.US_ASCII).trim());
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(h -> isRedisOf(h, dir));
    }

    /** True when {@code h}'s command line is a redis-server started with this data dir. */
    public static boolean isRedisOf(ProcessHandle h, Path dir) {
        String cmd = commandLine(h);
        return cmd.contains("redis-server") && (cmd.contains(dir.toString()) || cmd.contains(dir.toAbsolutePath().normalize().toString()));
    }

    /**
     * The command line as the process was started (argv, spaces between): on Linux read from
     * /proc, because {@link ProcessHandle.Info#commandLine()} puts the resolved executable in
     * place of argv[0] (Debian's redis-server is a link to redis-check-rdb).
     */
    public static String commandLine(ProcessHandle h) {
        Path proc = Path.of("/proc", Long.toString(h.pid()), "cmdline");
        try {
            if (Files.isReadable(proc)) {
                return new String(Files.readAllBytes(proc), StandardCharsets.UTF_8).replace('\0', ' ').trim();
            }
        } catch (IOException e) {
            // gone, or not ours to read: fall through
        }
        return h.info().commandLine().orElse("");
    }

    private static void stopOrphan(Path dir) throws IOException {
        Optional<ProcessHandle> orphan = orphan(dir);
        if (orphan.isEmpty()) {
            Files.deleteIfExists(dir.resolve(PID_FILE)); // stale: its Redis is gone
            return;
        }
        ProcessHandle h = orphan.get();
        log.warn("embedded Redis: redis-server pid {} of {} is still running from an earlier start (the broker was killed?); "
                + "stopping it (SIGTERM: its AOF is kept) to start a fresh one", h.pid(), dir);
        h.destroy();
        try {
            h.onExit().get(ORPHAN_STOP.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            log.warn("embedded Redis: pid {} did not stop within {} s; killing it", h.pid(), ORPHAN_STOP.toSeconds());
            h.destroyForcibly();
            try {
                h.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception x) {
                throw new IOException("could not stop the orphaned redis-server pid " + h.pid(), x);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping the orphaned redis-server pid " + h.pid());
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException("could not stop the orphaned redis-server pid " + h.pid(), e);
        }
        Files.deleteIfExists(dir.resolve(PID_FILE));
    }

    /** The password in {@code dir/password}, generated (256 random bits, hex) on the first start. */
    static String password(Path dir) throws IOException {
        Path file = dir.resolve(PASSWORD_FILE);
        if (Files.isRegularFile(file)) {
            String pw = Files.readString(file, StandardCharsets.US_ASCII).trim();
            if (!pw.isEmpty()) {
                ownerOnly(file, false);
                return pw;
            }
        }
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        String pw = HexFormat.of().formatHex(bytes);
        writeOwnerOnly(file, pw + "\n");
        log.info("embedded Redis: generated its password in {} (readable by this user only)", file);
        return pw;
    }

    /** Writes through a temp file created with owner-only permissions, so the secret is never readable by others. */
    private static void writeOwnerOnly(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        if (posix(file.getParent())) {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(Set.of(PosixFilePermission.OWNER_READ,
                    PosixFilePermission.OWNER_WRITE)));
        }
        Files.writeString(tmp, text, StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void ownerOnly(Path p, boolean dir) throws IOException {
        if (posix(p)) {
            Files.setPosixFilePermissions(p, dir
                    ? PosixFilePermissions.fromString("rwx------") : PosixFilePermissions.fromString("rw-------"));
        }
    }

    private static boolean posix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
