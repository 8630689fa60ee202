package io.perch.bench.stats;

import org.HdrHistogram.Histogram;

/**
 * The outcome of one run, with the arithmetic that turns counts into the reported figures.
 * Counts that do not apply to a mode are 0; figures that cannot be known are NaN (a sub-only
 * run cannot know how much was sent, so it has no delivered share).
 *
 * <p>Counts (sent, delivered, duplicates, share) cover the whole run; rates cover the
 * measurement {@link Window}, which after a warm-up starts later than publishing did.
 *
 * @param expected       copies the broker owed subscribers (sent x matching subscribers), -1 unknown
 * @param rssBefore      watched process VmRSS in bytes before connecting, -1 when not watched
 */
public record BenchResult(String mode, String transport, int clients, long connected, long connectFailed,
                          long dropped, double connectSeconds, Window window, long sent, long acked, long rejected, long delivered, long duplicates, long outOfOrder,
                          long foreign, long expected, Histogram latency, long rssBefore, long rssAfter) {

    /**
     * What the rates are computed from.
     *
     * @param warmupSeconds  publishing before the window opened (0: the window is the whole run)
     * @param publishSeconds window length while publishing (the hold time for sub and conn)
     * @param deliverSeconds from the window's start to the last delivery seen
     * @param watchedCpuSeconds CPU the watched process used, all threads, from the window's start
     *                          to the end of the drain (an idle broker there adds little);
     *                          -1 when no process was watched
     */
    public record Window(double warmupSeconds, double publishSeconds, double deliverSeconds, long sent, long acked,
                         long delivered, double watchedCpuSeconds) {
    }

    /** A window that is the whole run, with no process watched for CPU. */
    public static Window whole(double publishSeconds, double deliverSeconds, long sent, long acked, long delivered) {
        return new Window(0, publishSeconds, deliverSeconds, sent, acked, delivered, -1);
    }

    public double publishSeconds() {
        return window.publishSeconds();
    }

    public double deliverSeconds() {
        return window.deliverSeconds();
    }

    public double sendRate() {
        return rate(window.sent(), window.publishSeconds());
    }

    public double ackRate() {
        return rate(window.acked(), window.publishSeconds());
    }

    public double deliverRate() {
        return rate(window.delivered(), window.deliverSeconds());
    }

    public double connectRate() {
        return rate(connected, connectSeconds);
    }

    public long uniqueDelivered() {
        return delivered - duplicates;
    }

    /** Percent of the owed copies that arrived at least once; NaN when nothing was owed or it is unknown. */
    public double deliveredShare() {
        return share(uniqueDelivered(), expected);
    }

    /** Owed copies that never arrived (0 when unknown). */
    public long lost() {
        return expected < 0 ? 0 : Math.max(0, expected - uniqueDelivered());
    }

    /** RSS growth of the watched process per established connection, bytes; NaN when not watched. */
    public double rssPerConnection() {
        if (rssBefore < 0 || rssAfter < 0 || connected == 0) {
            return Double.NaN;
        }
        return (double) (rssAfter - rssBefore) / connected;
    }

    /**
     * Milliseconds of the watched process's CPU per 1,000 copies delivered in the window; NaN
     * when no process was watched or nothing was delivered.
     */
    public double watchedCpuMsPer1000() {
        if (window.watchedCpuSeconds() < 0 || window.delivered() == 0) {
            return Double.NaN;
        }
        return window.watchedCpuSeconds() * 1e6 / window.delivered();
    }

    /** Latency percentile in milliseconds; NaN with no samples. */
    public double latencyMillis(double percentile) {
        if (latency == null || latency.getTotalCount() == 0) {
            return Double.NaN;
        }
        return latency.getValueAtPercentile(percentile) / 1e6;
    }

    public double latencyMaxMillis() {
        if (latency == null || latency.getTotalCount() == 0) {
            return Double.NaN;
        }
        return latency.getMaxValue() / 1e6;
    }

    public static double rate(long count, double seconds) {
        return seconds > 0 ? count / seconds : Double.NaN;
    }

    public static double share(long arrived, long owed) {
        return owed > 0 ? 100.0 * arrived / owed : Double.NaN;
    }

    /** True when every connection the run attempted was established and none dropped. */
    public boolean connectionsHealthy() {
        return connectFailed == 0 && dropped == 0 && connected == clients;
    }
}
