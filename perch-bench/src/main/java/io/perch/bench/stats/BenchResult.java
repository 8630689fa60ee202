package io.perch.bench.stats;

import org.HdrHistogram.Histogram;

/**
 * The outcome of one run, with the arithmetic that turns counts into the reported figures.
 * Counts that do not apply to a mode are 0; figures that cannot be known are NaN (a sub-only
 * run cannot know how much was sent, so it has no delivered share).
 *
 * @param publishSeconds time publishers were publishing (the whole hold time for sub and conn)
 * @param deliverSeconds from the start of publishing to the last delivery seen
 * @param expected       copies the broker owed subscribers (sent x matching subscribers), -1 unknown
 * @param rssBefore      watched process VmRSS in bytes before connecting, -1 when not watched
 */
public record BenchResult(String mode, String transport, int clients, long connected, long connectFailed,
                          long dropped, double connectSeconds, double publishSeconds, double deliverSeconds,
                          long sent, long acked, long rejected, long delivered, long duplicates, long outOfOrder,
                          long foreign, long expected, Histogram latency, long rssBefore, long rssAfter) {

    public double sendRate() {
        return rate(sent, publishSeconds);
    }

    public double ackRate() {
        return rate(acked, publishSeconds);
    }

    public double deliverRate() {
        return rate(delivered, deliverSeconds);
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
