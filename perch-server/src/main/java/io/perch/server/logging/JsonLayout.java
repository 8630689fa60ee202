package io.perch.server.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.LayoutBase;

import java.time.Instant;

/**
 * {@code log.format = json}: one JSON object a line, {@code {"time":"2024-05-01T12:00:00.123Z",
 * "level":"INFO","logger":"io.perch...","thread":"main","message":"..."}} plus
 * {@code "exception"} when there is one; for log shippers that read JSON lines.
 */
public final class JsonLayout extends LayoutBase<ILoggingEvent> {
    @Override
    public String doLayout(ILoggingEvent e) {
        StringBuilder b = new StringBuilder(256);
        b.append("{\"time\":");
        string(b, Instant.ofEpochMilli(e.getTimeStamp()).toString());
        b.append(",\"level\":");
        string(b, e.getLevel().toString());
        b.append(",\"logger\":");
        string(b, e.getLoggerName());
        b.append(",\"thread\":");
        string(b, e.getThreadName());
        b.append(",\"message\":");
        string(b, e.getFormattedMessage());
        IThrowableProxy t = e.getThrowableProxy();
        if (t != null) {
            b.append(",\"exception\":");
            string(b, ThrowableProxyUtil.asString(t));
        }
        return b.append("}\n").toString();
    }

    static void string(StringBuilder b, String s) {
        if (s == null) {
            b.append("null");
            return;
        }
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
