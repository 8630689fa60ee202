package io.perch.bench.stats;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * End-to-end latency in nanoseconds. Event loops record into a {@link Recorder} (wait-free,
 * no allocation); once a second the progress printer swaps out the interval histogram and
 * folds it into the run total, so one histogram type serves both the progress line and the
 * final percentiles.
 */
public final class Latency {
    private final Recorder recorder = new Recorder(3);
    private final Histogram total = new Histogram(3);
    private Histogram interval;

    public void record(long nanos) {
        recorder.recordValue(nanos);
    }

    /** Swaps the interval; returns the histogram of values recorded since the last call. */
    public synchronized Histogram takeInterval() {
        interval = recorder.getIntervalHistogram(interval);
        total.add(interval);
        return interval;
    }

    /** Forgets everything recorded so far: the end of a warm-up. */
    public synchronized void reset() {
        recorder.reset();
        total.reset();
    }

    /** Everything recorded so far (includes a final {@link #takeInterval()}). */
    public synchronized Histogram total() {
        takeInterval();
        return total.copy();
    }
}
