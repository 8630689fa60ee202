package io.perch.dashboard.api;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The node's most recent log lines, kept in memory for the dashboard's log viewer: a logback
 * appender on the root logger, so it sees what the log file gets (the same levels; nothing a log
 * line would not hold, so no password or payload unless debug tracing put one in the log). At
 * most {@code capacity} lines; the oldest go first.
 *
 * <p>Threads: any logging thread appends (logback calls {@link #append} under the appender's
 * own lock); the API reads copies under this object's monitor.
 */
public final class RecentLog extends AppenderBase<ILoggingEvent> {
    /** One log line as the API gives it. */
    public record Line(long time, String level, String logger, String thread, String message, String error) {
    }

    private final int capacity;
    private final ArrayDeque<Line> lines;
    private long total;

    public RecentLog(int capacity) {
        this.capacity = capacity;
        this.lines = new ArrayDeque<>(Math.min(capacity, 1024));
        setName("perch-dashboard-recent");
    }

    /** Attaches a recent log to the root logger; null when logback is not the logging backend. */
    public static RecentLog attach(int capacity) {
        try {
            if (!(LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext ctx)) {
                return null;
            }
            RecentLog recent = new RecentLog(capacity);
            recent.setContext(ctx);
            recent.start();
            ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(recent);
            return recent;
        } catch (NoClassDefFoundError e) {
            return null;
        }
    }

    /** Takes it off the root logger again. */
    public void detach() {
        if (getContext() instanceof ch.qos.logback.classic.LoggerContext ctx) {
            ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(this);
        }
        stop();
    }

    @Override
    protected void append(ILoggingEvent e) {
        IThrowableProxy t = e.getThrowableProxy();
        Line line = new Line(e.getTimeStamp(), e.getLevel().toString().toLowerCase(Locale.ROOT), e.getLoggerName(),
                e.getThreadName(), e.getFormattedMessage(), t == null ? null : t.getClassName()
                + (t.getMessage() == null ? "" : ": " + t.getMessage()));
        synchronized (this) {
            if (lines.size() == capacity) {
                lines.pollFirst();
            }
            lines.addLast(line);
            total++;
        }
    }

    /** Lines logged since start (more than are kept once the buffer is full). */
    public synchronized long total() {
        return total;
    }

    public int capacity() {
        return capacity;
    }

    /**
     * The newest lines first, at least {@code minLevel} (error, warn, info, debug, trace; null
     * for all) and containing {@code text} in the message, logger or error (case-insensitive;
     * null for any), at most {@code limit}.
     */
    public List<Line> newest(String minLevel, String text, int limit) {
        int floor = rank(minLevel);
        String needle = text == null || text.isBlank() ? null : text.toLowerCase(Locale.ROOT);
        List<Line> copy;
        synchronized (this) {
            copy = new ArrayList<>(lines);
        }
        List<Line> out = new ArrayList<>(Math.min(limit, copy.size()));
        for (int i = copy.size() - 1; i >= 0 && out.size() < limit; i--) {
            Line l = copy.get(i);
            if (rank(l.level()) < floor) {
                continue;
            }
            if (needle != null && !contains(l.message(), needle) && !contains(l.logger(), needle)
                    && !contains(l.error(), needle)) {
                continue;
            }
            out.add(l);
        }
        return out;
    }

    private static boolean contains(String s, String needle) {
        return s != null && s.toLowerCase(Locale.ROOT).contains(needle);
    }

    /** Higher is more severe; -1 for none or an unknown name (everything passes). */
    static int rank(String level) {
        if (level == null) {
            return -1;
        }
        return switch (level.toLowerCase(Locale.ROOT)) {
            case "trace" -> 0;
            case "debug" -> 1;
            case "info" -> 2;
            case "warn", "warning" -> 3;
            case "error" -> 4;
            default -> -1;
        };
    }
}
