package io.perch.server.fault;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The two questions the fault tests ask a redis-server or Sentinel directly (PING, INFO), over
 * a plain socket: perch-server's tests do not see a Redis client library (perch-redis and its
 * Lettuce are runtime-only here), and a test's probe should not share code with what it checks.
 */
final class RespProbe {
    private RespProbe() {
    }

    static boolean ping(int port) {
        return send(port, "PING").startsWith("+PONG");
    }

    /** INFO {@code section}'s text, or "" when the server does not answer. */
    static String info(int port, String section) {
        String reply = send(port, "INFO " + section);
        // A bulk string: "$<length>\r\n<text>\r\n".
        int eol = reply.indexOf("\r\n");
        return reply.startsWith("$") && eol > 0 ? reply.substring(eol + 2) : "";
    }

    /** One inline command; the whole reply (a bulk reply read to its announced length), or "" on any failure. */
    private static String send(int port, String inline) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 300);
            s.setSoTimeout(1000);
            OutputStream out = s.getOutputStream();
            out.write((inline + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) > 0) {
                got.write(buf, 0, n);
                if (complete(got.toString(StandardCharsets.UTF_8))) {
                    break;
                }
            }
            return got.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static boolean complete(String r) {
        int eol = r.indexOf("\r\n");
        if (eol < 0) {
            return false;
        }
        if (!r.startsWith("$")) {
            return true; // a status or error line
        }
        int len = Integer.parseInt(r.substring(1, eol));
        return len < 0 || r.getBytes(StandardCharsets.UTF_8).length >= eol + 2 + len + 2;
    }
}
