package io.perch.dashboard;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Many real MQTT 3.1.1 connections, so list pages have thousands of clients to page through.
 * Each is a plain socket that sends a CONNECT (clean session, keepalive 0, a username and
 * password) and reads its CONNACK, then stays open until {@link #close}. Why not Paho: its
 * client runs three threads per connection, which made a few hundred the practical limit of
 * one test JVM, and the broker sees the same bytes either way.
 */
final class ClientFleet implements AutoCloseable {
    /** How many CONNECTs go out before their CONNACKs are read (bounded so the accept backlog is never the limit). */
    private static final int WINDOW = 200;
    private final List<Socket> sockets = new ArrayList<>();

    /**
     * Connects {@code count} clients named {@code prefix + 0001...}, each with the given username;
     * returns once every one got CONNACK 0 (accepted), or throws naming the first that did not.
     */
    static ClientFleet connect(String uri, String prefix, int count, String username) throws IOException {
        URI u = URI.create(uri);
        ClientFleet fleet = new ClientFleet();
        try {
            for (int from = 1; from <= count; from += WINDOW) {
                int to = Math.min(count, from + WINDOW - 1);
                List<Socket> batch = new ArrayList<>(to - from + 1);
                for (int i = from; i <= to; i++) {
                    Socket s = new Socket();
                    fleet.sockets.add(s);
                    s.connect(new InetSocketAddress(u.getHost(), u.getPort()), 10_000);
                    s.setSoTimeout(30_000);
                    OutputStream out = s.getOutputStream();
                    out.write(connect(String.format("%s%04d", prefix, i), username, "pw"));
                    out.flush();
                    batch.add(s);
                }
                for (int k = 0; k < batch.size(); k++) {
                    byte[] ack = new byte[4];
                    new DataInputStream(batch.get(k).getInputStream()).readFully(ack);
                    if (ack[0] != 0x20 || ack[1] != 2 || ack[3] != 0) {
                        throw new IOException("client " + String.format("%s%04d", prefix, from + k)
                                + " was not accepted: CONNACK " + java.util.HexFormat.of().formatHex(ack));
                    }
                }
            }
            return fleet;
        } catch (IOException | RuntimeException e) {
            fleet.close();
            throw e;
        }
    }

    /** An MQTT 3.1.1 CONNECT: clean session, keepalive 0 (no pings needed), username and password. */
    static byte[] connect(String clientId, String username, String password) {
        byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
        byte[] user = username.getBytes(StandardCharsets.UTF_8);
        byte[] pw = password.getBytes(StandardCharsets.UTF_8);
        int remaining = 10 + 2 + id.length + 2 + user.length + 2 + pw.length;
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream(remaining + 4);
        b.write(0x10);
        for (int r = remaining; ; ) { // remaining length, 7 bits per byte
            int digit = r % 128;
            r /= 128;
            b.write(r > 0 ? digit | 0x80 : digit);
            if (r == 0) {
                break;
            }
        }
        b.writeBytes(new byte[]{0, 4, 'M', 'Q', 'T', 'T', 4, (byte) 0xC2, 0, 0}); // level 4; username, password, clean
        for (byte[] field : new byte[][]{id, user, pw}) {
            b.write(field.length >> 8);
            b.write(field.length & 0xFF);
            b.writeBytes(field);
        }
        return b.toByteArray();
    }

    @Override
    public void close() {
        for (Socket s : sockets) {
            try {
                s.close(); // without DISCONNECT: the broker ends each clean session when its socket closes
            } catch (IOException ignored) {
                // closing the rest matters more than one socket that will not close
            }
        }
    }
}
