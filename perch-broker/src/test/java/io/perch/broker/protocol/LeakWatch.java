package io.perch.broker.protocol;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;

/**
 * Netty's leak detector at PARANOID for the duration of a test (every buffer tracked), with
 * its reports captured from the log. A leak is only reported once the buffer has been
 * garbage-collected, so {@link #leaksAfterGc()} leaks a uniquely tagged canary buffer last,
 * collects garbage until the canary is reported, and returns every other report: anything the
 * engine leaked earlier was unreachable before the canary was.
 *
 * <p>Also captures WARN and ERROR logged by the engine ({@code io.perch}), which during these
 * tests only an internal error would produce.
 */
final class LeakWatch implements AutoCloseable {
    private static final String CANARY = "leak-canary-";

    private final ResourceLeakDetector.Level previous = ResourceLeakDetector.getLevel();
    private final Logger leakLogger = (Logger) LoggerFactory.getLogger(ResourceLeakDetector.class);
    private final Logger engineLogger = (Logger) LoggerFactory.getLogger("io.perch");
    private final List<String> leaks = new CopyOnWriteArrayList<>();
    private final List<String> engineWarnings = new CopyOnWriteArrayList<>();
    private final AppenderBase<ILoggingEvent> leakAppender = appender(leaks, Level.ERROR);
    private final AppenderBase<ILoggingEvent> engineAppender = appender(engineWarnings, Level.WARN);

    private LeakWatch() {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        leakLogger.addAppender(leakAppender);
        engineLogger.addAppender(engineAppender);
    }

    static LeakWatch paranoid() {
        return new LeakWatch();
    }

    private static AppenderBase<ILoggingEvent> appender(List<String> into, Level min) {
        AppenderBase<ILoggingEvent> a = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent e) {
                if (e.getLevel().isGreaterOrEqual(min)) {
                    into.add(e.getLoggerName() + ": " + e.getFormattedMessage());
                }
            }
        };
        a.start();
        return a;
    }

    /**
     * Tracks every buffer (PARANOID, the default of this watch) or goes back to the level from
     * before (sampled tracking, far cheaper: for long randomized runs).
     */
    void trackEveryBuffer(boolean on) {
        ResourceLeakDetector.setLevel(on ? ResourceLeakDetector.Level.PARANOID : previous);
    }

    /** Leak reports other than the canary's, after garbage collection caught up with the canary. */
    List<String> leaksAfterGc() {
        trackEveryBuffer(true); // the canary must be tracked
        String tag = CANARY + UUID.randomUUID();
        leakCanary(tag);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
            System.gc();
            ByteBufAllocator.DEFAULT.buffer(1).release(); // tracking a new buffer polls the detector's queue
            return leaks.stream().anyMatch(l -> l.contains(tag));
        });
        return leaks.stream().filter(l -> !l.contains(CANARY)).toList();
    }

    /** Engine log lines at WARN or above seen so far. */
    List<String> engineWarnings() {
        return List.copyOf(engineWarnings);
    }

    private static void leakCanary(String tag) {
        ByteBuf canary = ByteBufAllocator.DEFAULT.buffer(16);
        canary.touch(tag); // deliberately never released
    }

    /** Leaks a tagged buffer on purpose (the detector self-test). */
    static void leakDeliberately(String tag) {
        leakCanary(tag);
    }

    @Override
    public void close() {
        leakLogger.detachAppender(leakAppender);
        engineLogger.detachAppender(engineAppender);
        leakAppender.stop();
        engineAppender.stop();
        ResourceLeakDetector.setLevel(previous);
    }
}
