package io.perch.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A real Mosquitto broker for the tests: Debian's binary on free loopback ports, a temp config
 * with its queue and inflight limits lifted (so that a shortfall is the bench's fault, not a
 * broker limit), a WebSocket listener, and optionally TLS with a self-signed certificate.
 */
final class Mosquitto implements AutoCloseable {
    private final Process process;
    private final int port;
    private final int wsPort;
    private final int tlsPort;

    private Mosquitto(Process process, int port, int wsPort, int tlsPort) {
        this.process = process;
        this.port = port;
        this.wsPort = wsPort;
        this.tlsPort = tlsPort;
    }

    /** The mosquitto executable from PATH or Debian's /usr/sbin, if installed. */
    static Optional<Path> binary() {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.add("/usr/sbin");
        dirs.add("/usr/local/sbin");
        for (String dir : dirs) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, "mosquitto");
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * Starts a broker; {@code certDir} holds server.crt and server.key for a TLS listener, or
     * is null for none.
     */
    static Mosquitto start(Path binary, Path dir, Path certDir) throws IOException {
        int port = freePort();
        int wsPort = freePort();
        int tlsPort = certDir == null ? -1 : freePort();
        StringBuilder conf = new StringBuilder()
                .append("per_listener_settings false\n")
                .append("allow_anonymous true\n")
                .append("persistence false\n")
                .append("max_queued_messages 0\n")
                .append("max_queued_bytes 0\n")
                .append("max_inflight_messages 0\n")
                .append("set_tcp_nodelay true\n")
                .append("log_dest stderr\nlog_type error\nlog_type warning\n")
                .append("listener ").append(port).append(" 127.0.0.1\n")
                .append("listener ").append(wsPort).append(" 127.0.0.1\nprotocol websockets\n");
        if (certDir != null) {
            conf.append("listener ").append(tlsPort).append(" 127.0.0.1\n")
                    .append("certfile ").append(certDir.resolve("server.crt")).append('\n')
                    .append("keyfile ").append(certDir.resolve("server.key")).append('\n');
        }
        Path confFile = dir.resolve("mosquitto.conf");
        Files.writeString(confFile, conf);
        Process p = new ProcessBuilder(binary.toString(), "-c", confFile.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("mosquitto.log").toFile())
                .start();
        Mosquitto m = new Mosquitto(p, port, wsPort, tlsPort);
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                if (!p.isAlive()) {
                    throw new IllegalStateException("mosquitto exited: " + Files.readString(dir.resolve("mosquitto.log")));
                }
                return listening(port) && listening(wsPort) && (tlsPort < 0 || listening(tlsPort));
            });
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        return m;
    }

    /** Makes a self-signed certificate with openssl; empty if openssl is missing or fails. */
    static Optional<Path> selfSignedCert(Path dir) throws IOException, InterruptedException {
        try {
            Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", dir.resolve("server.key").toString(), "-out", dir.resolve("server.crt").toString(),
                    "-days", "1", "-subj", "/CN=127.0.0.1")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("openssl.log").toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return Optional.empty();
            }
            // Started as root, mosquitto drops to its own user before it reads the key: the files
            // and the temp directories above them must be readable by others.
            Set<PosixFilePermission> open = PosixFilePermissions.fromString("rwxr-xr-x");
            Files.setPosixFilePermissions(dir, open);
            Files.setPosixFilePermissions(dir.getParent(), open);
            Files.setPosixFilePermissions(dir.resolve("server.key"), PosixFilePermissions.fromString("rw-r--r--"));
            Files.setPosixFilePermissions(dir.resolve("server.crt"), PosixFilePermissions.fromString("rw-r--r--"));
            return Optional.of(dir);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    int port() {
        return port;
    }

    int wsPort() {
        return wsPort;
    }

    int tlsPort() {
        return tlsPort;
    }

    long pid() {
        return process.pid();
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A port that was free a moment ago (the broker binds it right after). */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
