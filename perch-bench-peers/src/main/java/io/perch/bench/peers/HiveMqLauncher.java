package io.perch.bench.peers;

import com.hivemq.embedded.EmbeddedHiveMQ;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * HiveMQ CE, embedded, on 127.0.0.1 (TCP and WebSocket), until the JVM is told to stop. Its
 * queue limit is lifted like Mosquitto's in bench/compare.sh (the comparison is of speed, not of
 * default limits); persistence is in memory unless {@code --persist} asks for its file store.
 */
public final class HiveMqLauncher {
    private HiveMqLauncher() {
    }

    public static void main(String[] args) throws Exception {
        PeerArgs a = PeerArgs.parse(args);
        EmbeddedHiveMQ hivemq = start(a);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                hivemq.close();
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "hivemq-stop"));
        System.out.println("HiveMQ CE listening on 127.0.0.1:" + a.port() + " (ws " + a.wsPort() + "), persistence "
                + (a.persist() ? "file" : "in-memory"));
        stopped.await();
    }

    /** Writes the config into {@code data}/conf and starts; the caller closes. */
    public static EmbeddedHiveMQ start(PeerArgs a) throws Exception {
        Path conf = Files.createDirectories(a.data().resolve("conf"));
        Files.writeString(conf.resolve("config.xml"), config(a));
        EmbeddedHiveMQ hivemq = EmbeddedHiveMQ.builder()
                .withConfigurationFolder(conf)
                .withDataFolder(Files.createDirectories(a.data().resolve("data")))
                .withExtensionsFolder(Files.createDirectories(a.data().resolve("extensions")))
                .build();
        try {
            hivemq.start().join();
        } catch (RuntimeException e) {
            hivemq.close();
            throw e;
        }
        return hivemq;
    }

    static String config(PeerArgs a) {
        return """
                <?xml version="1.0"?>
                <hivemq>
                  <listeners>
                    <tcp-listener><port>%d</port><bind-address>127.0.0.1</bind-address></tcp-listener>
                    <websocket-listener>
                      <port>%d</port><bind-address>127.0.0.1</bind-address><path>/mqtt</path>
                      <subprotocols><subprotocol>mqtt</subprotocol></subprotocols>
                      <allow-extensions>true</allow-extensions>
                    </websocket-listener>
                  </listeners>
                  <mqtt>
                    <queued-messages><max-queue-size>10000000</max-queue-size><strategy>discard</strategy></queued-messages>
                    <receive-maximum><server-receive-maximum>65535</server-receive-maximum></receive-maximum>
                  </mqtt>
                  <persistence><mode>%s</mode></persistence>
                  <anonymous-usage-statistics><enabled>false</enabled></anonymous-usage-statistics>
                </hivemq>
                """.formatted(a.port(), a.wsPort(), a.persist() ? "file" : "in-memory");
    }
}
