package io.perch.server.fault;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The questions the fault tests ask a redis-server or Sentinel directly (PING, INFO, and any
 * read such as EXISTS or ZSCORE through {@link #command}), over a plain socket: perch-server's
 * tests do not see a Redis client library (perch-redis and its Lettuce are runtime-only here),
 * and a test's probe should not share code with what it checks.
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

    /**
     * One command (its arguments sent as bulk strings, so keys with braces or spaces are fine)
     * and its reply: a String (status or bulk), a Long, a List of replies, or null (nil).
     * Throws when the server does not answer or replies with an error.
     */
    static Object command(int port, String... args) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            s.setSoTimeout(5000);
            ByteArrayOutputStream req = new ByteArrayOutputStream();
            req.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            for (String a : args) {
                byte[] b = a.getBytes(StandardCharsets.UTF_8);
                req.writeBytes(("$" + b.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
                req.writeBytes(b);
                req.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            OutputStream out = s.getOutputStream();
            out.write(req.toByteArray());
            out.flush();
            return reply(new BufferedInputStream(s.getInputStream()), String.join(" ", args));
        } catch (IOException e) {
            throw new IllegalStateException("redis on port " + port + ": " + String.join(" ", args) + ": " + e, e);
        }
    }

    private static Object reply(InputStream in, String command) throws IOException {
        String line = line(in);
        String rest = line.substring(1);
        switch (line.charAt(0)) {
            case '+':
                return rest;
            case '-':
                throw new IllegalStateException("redis: " + command + ": " + rest);
            case ':':
                return Long.parseLong(rest);
            case '$': {
                int len = Integer.parseInt(rest);
                if (len < 0) {
                    return null;
                }
                byte[] b = in.readNBytes(len + 2); // the text and its CRLF
                if (b.length < len + 2) {
                    throw new IOException("reply cut short");
                }
                return new String(b, 0, len, StandardCharsets.UTF_8);
            }
            case '*': {
                int n = Integer.parseInt(rest);
                if (n < 0) {
                    return null;
                }
                List<Object> items = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    items.add(reply(in, command));
                }
                return items;
            }
            default:
                throw new IOException("not a RESP reply: " + line);
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new IOException("connection closed mid-reply");
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        if (b.size() == 0) {
            throw new IOException("empty reply line");
        }
        return b.toString(StandardCharsets.UTF_8);
    }
}
