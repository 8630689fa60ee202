package io.perch.bench.run;

import io.perch.bench.payload.Stamp;

/**
 * What one run does, independent of how it connects ({@link io.perch.bench.client.ClientSettings}).
 *
 * @param publishers      publishing clients (0 for sub and conn)
 * @param subscribers     subscribing clients (0 for pub and conn)
 * @param idle            clients that only connect (conn)
 * @param ratePerPub      messages per second per publisher; 0 saturates (bounded by {@code inflight})
 * @param countPerPub     messages per publisher; 0 publishes until {@code durationMillis}
 * @param inflight        outstanding QoS 1/2 publishes per publisher
 * @param connectInterval nanoseconds between connection starts; 0 starts them as fast as
 *                        {@code maxConnecting} pending handshakes allow
 * @param warmupMillis    publishing time before rates and latency start counting
 * @param drainMillis     after publishing stops, how long without a new delivery ends the wait
 * @param watchPid        a broker pid whose VmRSS is sampled before and after connecting; 0 none
 * @param retain          publishes carry the RETAIN flag
 * @param join            when the subscribers are there: before publishing, after it (retained
 *                        messages only) or away during it (persistent sessions)
 */
public record RunSpec(String mode, int publishers, int subscribers, int idle, int qos, int subQos,
                      int payloadSize, String pubTopic, String subTopic, double ratePerPub, long countPerPub,
                      int inflight, long durationMillis, long warmupMillis, long connectInterval, int maxConnecting,
                      long drainMillis, int threads, boolean progress, long watchPid, boolean retain,
                      SubscriberJoin join) {

    public RunSpec {
        if (qos < 0 || qos > 2 || subQos < 0 || subQos > 2) {
            throw new IllegalArgumentException("QoS must be 0, 1 or 2");
        }
        if (publishers > 0 && payloadSize < Stamp.SIZE) {
            throw new IllegalArgumentException("payload size must be at least " + Stamp.SIZE
                    + " bytes (the send-time and sequence stamp)");
        }
        if (inflight < 1 || inflight > 65535) {
            throw new IllegalArgumentException("inflight must be 1..65535");
        }
        if (join != SubscriberJoin.BEFORE && (qos == 0 || subscribers == 0 || publishers == 0)) {
            // Only an acknowledged message is known to be in the broker when the subscribers come.
            throw new IllegalArgumentException("subscribers joining " + join.name().toLowerCase(java.util.Locale.ROOT)
                    + " publishing need publishers, subscribers and QoS 1 or 2");
        }
        if (join == SubscriberJoin.AFTER && !retain) {
            throw new IllegalArgumentException("subscribers joining after publishing need --retain: "
                    + "they receive retained messages only");
        }
        if (maxConnecting < 1) {
            throw new IllegalArgumentException("max connecting must be at least 1");
        }
    }

    /** Builder with the defaults of the command line. */
    public static Builder builder(String mode) {
        return new Builder(mode);
    }

    public int clientCount() {
        return publishers + subscribers + idle;
    }

    /** Mutable builder: tests and commands set only what differs from the defaults. */
    public static final class Builder {
        private final String mode;
        private int publishers;
        private int subscribers;
        private int idle;
        private int qos;
        private int subQos = -1;
        private int payloadSize = 256;
        private String pubTopic = "bench/%i";
        private String subTopic;
        private double ratePerPub;
        private long countPerPub;
        private int inflight = 64;
        private long durationMillis = 10_000;
        private long warmupMillis;
        private long connectInterval;
        private int maxConnecting = 200;
        private long drainMillis = 3_000;
        private int threads = Runtime.getRuntime().availableProcessors();
        private boolean progress;
        private long watchPid;
        private boolean retain;
        private SubscriberJoin join = SubscriberJoin.BEFORE;

        private Builder(String mode) {
            this.mode = mode;
        }

        public Builder publishers(int n) { publishers = n; return this; }
        public Builder subscribers(int n) { subscribers = n; return this; }
        public Builder idle(int n) { idle = n; return this; }
        public Builder qos(int q) { qos = q; return this; }
        public Builder subQos(int q) { subQos = q; return this; }
        public Builder payloadSize(int s) { payloadSize = s; return this; }
        public Builder pubTopic(String t) { pubTopic = t; return this; }
        public Builder subTopic(String t) { subTopic = t; return this; }
        public Builder ratePerPub(double r) { ratePerPub = r; return this; }
        public Builder countPerPub(long c) { countPerPub = c; return this; }
        public Builder inflight(int n) { inflight = n; return this; }
        public Builder durationMillis(long ms) { durationMillis = ms; return this; }
        public Builder warmupMillis(long ms) { warmupMillis = ms; return this; }
        public Builder connectIntervalNanos(long ns) { connectInterval = ns; return this; }
        public Builder maxConnecting(int n) { maxConnecting = n; return this; }
        public Builder drainMillis(long ms) { drainMillis = ms; return this; }
        public Builder threads(int n) { threads = n; return this; }
        public Builder progress(boolean on) { progress = on; return this; }
        public Builder watchPid(long pid) { watchPid = pid; return this; }
        public Builder retain(boolean on) { retain = on; return this; }
        public Builder join(SubscriberJoin j) { join = j; return this; }

        public RunSpec build() {
            return new RunSpec(mode, publishers, subscribers, idle, qos, subQos < 0 ? qos : subQos, payloadSize,
                    pubTopic, subTopic == null ? pubTopic : subTopic, ratePerPub, countPerPub, inflight,
                    durationMillis, warmupMillis, connectInterval, maxConnecting, drainMillis, Math.max(1, threads), progress,
                    watchPid, retain, join);
        }
    }
}
