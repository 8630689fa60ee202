package io.perch.auth.file;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A file read at start and again whenever its modification time or size changes (checked
 * every {@code interval} on the plugin's timer: polling works on every file system and for a
 * file replaced by an editor or a config tool, which a watch service may miss). A version that
 * does not parse is logged and the last good one stays in force: a typo must not lock every
 * client out.
 *
 * <p>Threads: {@link #start} on the starting thread, reloads on the timer; {@code parsed}
 * receives each good version and publishes it (a volatile field of its owner). The load
 * status ({@link #loadedAt}, {@link #lastError}) is written by the reading thread and read by
 * any (volatile).
 */
public final class WatchedFile<T> implements AutoCloseable {
    /** Reads and parses the file; throws IOException or IllegalArgumentException naming the line. */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(Path file) throws IOException;
    }

    private static final Logger log = LoggerFactory.getLogger(WatchedFile.class);
    private final Path file;
    private final Parser<T> parser;
    private final Consumer<T> parsed;
    private ScheduledFuture<?> poll;
    private long stamp = Long.MIN_VALUE;
    private long size = -1;
    private volatile long loadedAt;
    private volatile String lastError;

    public WatchedFile(Path file, Parser<T> parser, Consumer<T> parsed) {
        this.file = file;
        this.parser = parser;
        this.parsed = parsed;
    }

    /** The first read must succeed (start-up stops with its message); later ones are polled. */
    public void start(ScheduledExecutorService timer, Duration interval) throws IOException {
        read(true);
        if (!interval.isZero()) {
            poll = timer.scheduleWithFixedDelay(this::check, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Checks now (the timer calls this; tests may too). */
    public synchronized void check() {
        try {
            read(false);
        } catch (IOException | RuntimeException e) {
            lastError = e.getMessage();
            log.error("{} changed but cannot be used, the previous version stays in force: {}", file, e.getMessage());
        }
    }

    private synchronized void read(boolean first) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            if (first) {
                throw new IOException(file + " cannot be read: " + e.getMessage(), e);
            }
            lastError = file + " cannot be read: " + e;
            if (size != -2) {
                log.error("{} cannot be read ({}); the previous version stays in force", file, e.toString());
                size = -2;
            }
            return;
        }
        long m = a.lastModifiedTime().toMillis();
        if (!first && m == stamp && a.size() == size) {
            return;
        }
        T value = parser.parse(file);
        stamp = m;
        size = a.size();
        parsed.accept(value);
        loadedAt = System.currentTimeMillis();
        lastError = null;
        if (!first) {
            log.info("{} reloaded", file);
        }
    }

    public Path file() {
        return file;
    }

    /** Epoch milliseconds of the last successful read; 0 before the first. */
    public long loadedAt() {
        return loadedAt;
    }

    /** Why the last attempt to read a changed file failed (the previous version stays), or null. */
    public String lastError() {
        return lastError;
    }

    @Override
    public void close() {
        if (poll != null) {
            poll.cancel(false);
        }
    }
}
