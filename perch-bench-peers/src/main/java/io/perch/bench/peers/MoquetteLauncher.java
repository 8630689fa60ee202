package io.perch.bench.peers;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.moquette.BrokerConstants;
import io.moquette.broker.Server;
import io.moquette.broker.config.MemoryConfig;

import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

/**
 * Moquette, embedded, on 127.0.0.1 (TCP and WebSocket), anonymous, until the JVM is told to stop.
 * Persistence (its H2 store in {@code --data}) only with {@code --persist}.
 */
public final class MoquetteLauncher {
    /** Moquette refuses packets over 8,092 bytes (64 KiB over WebSocket) by default: the 64 KiB scenario needs more. */
    private static final int MAX_MESSAGE_BYTES = 1 << 20;

    /**
     * Its session loops take commands from bounded queues (1,024 by default) and drop what does not
     * fit, messages included: lifted like Mosquitto's queue limits in bench/compare.sh.
     */
    private static final int SESSION_QUEUE_SIZE = 1 << 20;

    private MoquetteLauncher() {
    }

    public static void main(String[] args) throws Exception {
        PeerArgs a = PeerArgs.parse(args);
        Server server = start(a);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.stopServer();
            } finally {
                stopped.countDown();
            }
        }, "moquette-stop"));
        System.out.println("Moquette listening on 127.0.0.1:" + a.port() + " (ws " + a.wsPort() + "), persistence "
                + (a.persist() ? "on" : "off"));
        stopped.await();
    }

    /** Starts; the caller stops ({@link Server#stopServer()}). */
    public static Server start(PeerArgs a) throws IOException {
        // Moquette logs every packet at INFO: on the message path of a benchmark that is its cost, not ours.
        ((Logger) LoggerFactory.getLogger("io.moquette")).setLevel(Level.WARN);
        Properties p = new Properties();
        p.setProperty(BrokerConstants.HOST_PROPERTY_NAME, "127.0.0.1");
        p.setProperty(BrokerConstants.PORT_PROPERTY_NAME, Integer.toString(a.port()));
        p.setProperty(BrokerConstants.WEB_SOCKET_PORT_PROPERTY_NAME, Integer.toString(a.wsPort()));
        p.setProperty(BrokerConstants.ALLOW_ANONYMOUS_PROPERTY_NAME, "true");
        p.setProperty(BrokerConstants.PERSISTENCE_ENABLED_PROPERTY_NAME, Boolean.toString(a.persist()));
        p.setProperty(BrokerConstants.DATA_PATH_PROPERTY_NAME, Files.createDirectories(a.data()).toString());
        p.setProperty(BrokerConstants.NETTY_MAX_BYTES_PROPERTY_NAME, Integer.toString(MAX_MESSAGE_BYTES));
        p.setProperty(BrokerConstants.WEB_SOCKET_MAX_FRAME_SIZE_PROPERTY_NAME, Integer.toString(MAX_MESSAGE_BYTES));
        p.setProperty(BrokerConstants.SESSION_QUEUE_SIZE, Integer.toString(SESSION_QUEUE_SIZE));
        // Otherwise it reports to telemetry.moquette.io at start.
        p.setProperty(BrokerConstants.ENABLE_TELEMETRY_NAME, "false");
        Server server = new Server();
        server.startServer(new MemoryConfig(p));
        return server;
    }
}
