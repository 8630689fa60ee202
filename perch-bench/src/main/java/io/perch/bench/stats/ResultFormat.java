package io.perch.bench.stats;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Renders a {@link BenchResult} as a human report or as one flat JSON object. Flat on purpose:
 * {@code bench/compare.sh} reads fields with sed, and jq users lose nothing.
 */
public final class ResultFormat {
    private ResultFormat() {
    }

    /** Every reported figure, in report order; NaN stands for "not applicable". */
    public static Map<String, Object> fields(BenchResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mode", r.mode());
        m.put("transport", r.transport());
        m.put("clients", r.clients());
        m.put("connected", r.connected());
        m.put("connectFailed", r.connectFailed());
        m.put("dropped", r.dropped());
        m.put("connectSeconds", r.connectSeconds());
        m.put("connectRate", r.connectRate());
        m.put("warmupSeconds", r.window().warmupSeconds());
        m.put("publishSeconds", r.publishSeconds());
        m.put("sent", r.sent());
        m.put("sendRate", r.sendRate());
        m.put("acked", r.acked());
        m.put("ackRate", r.ackRate());
        m.put("rejected", r.rejected());
        m.put("delivered", r.delivered());
        m.put("deliverRate", r.deliverRate());
        m.put("expected", r.expected());
        m.put("uniqueDelivered", r.uniqueDelivered());
        m.put("deliveredShare", r.deliveredShare());
        m.put("lost", r.lost());
        m.put("duplicates", r.duplicates());
        m.put("outOfOrder", r.outOfOrder());
        m.put("foreign", r.foreign());
        m.put("latencyCount", r.latency() == null ? 0 : r.latency().getTotalCount());
        m.put("latencyP50Ms", r.latencyMillis(50));
        m.put("latencyP90Ms", r.latencyMillis(90));
        m.put("latencyP99Ms", r.latencyMillis(99));
        m.put("latencyP999Ms", r.latencyMillis(99.9));
        m.put("latencyMaxMs", r.latencyMaxMillis());
        m.put("rssBeforeBytes", r.rssBefore());
        m.put("rssAfterBytes", r.rssAfter());
        m.put("rssPerConnBytes", r.rssPerConnection());
        m.put("watchedCpuSeconds", r.window().watchedCpuSeconds());
        m.put("watchedCpuMsPer1000", r.watchedCpuMsPer1000());
        return m;
    }

    public static String json(BenchResult r) {
        StringBuilder sb = new StringBuilder("{");
        for (Map.Entry<String, Object> e : fields(r).entrySet()) {
            if (sb.length() > 1) {
                sb.append(", ");
            }
            sb.append('"').append(e.getKey()).append("\": ").append(jsonValue(e.getValue()));
        }
        return sb.append('}').toString();
    }

    private static String jsonValue(Object v) {
        if (v instanceof Double d) {
            if (d.isNaN() || d.isInfinite()) {
                return "null";
            }
            return String.format(Locale.ROOT, "%.3f", d);
        }
        if (v instanceof Number) {
            return v.toString();
        }
        return '"' + v.toString().replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    public static String text(BenchResult r) {
        StringBuilder sb = new StringBuilder();
        line(sb, "mode", r.mode() + " (" + r.transport() + ")");
        line(sb, "connections", String.format(Locale.ROOT, "%d of %d established, %d failed, %d dropped",
                r.connected(), r.clients(), r.connectFailed(), r.dropped()));
        line(sb, "connect time", String.format(Locale.ROOT, "%.3f s (%s conn/s)", r.connectSeconds(),
                num(r.connectRate())));
        if (r.sent() > 0 || r.mode().startsWith("pub")) {
            if (r.window().warmupSeconds() > 0) {
                line(sb, "warm-up", String.format(Locale.ROOT, "%.2f s, not in rates and latency",
                        r.window().warmupSeconds()));
            }
            line(sb, "sent", String.format(Locale.ROOT, "%d; %s msg/s over %.2f s", r.sent(), num(r.sendRate()),
                    r.publishSeconds()));
            if (r.acked() > 0) {
                line(sb, "acked", String.format(Locale.ROOT, "%d; %s msg/s, %d rejected", r.acked(),
                        num(r.ackRate()), r.rejected()));
            }
        }
        if (r.delivered() > 0 || r.mode().endsWith("sub")) {
            line(sb, "delivered", String.format(Locale.ROOT, "%d; %s msg/s over %.2f s", r.delivered(),
                    num(r.deliverRate()), r.deliverSeconds()));
            if (r.expected() >= 0) {
                line(sb, "delivered share", String.format(Locale.ROOT, "%s %% of %d owed (%d lost)",
                        pct(r.deliveredShare()), r.expected(), r.lost()));
            }
            line(sb, "duplicates", Long.toString(r.duplicates()));
            line(sb, "out of order", Long.toString(r.outOfOrder()));
            if (r.foreign() > 0) {
                line(sb, "foreign", r.foreign() + " (payloads without a bench stamp)");
            }
            line(sb, "latency ms", String.format(Locale.ROOT, "p50 %s  p90 %s  p99 %s  p99.9 %s  max %s",
                    ms(r.latencyMillis(50)), ms(r.latencyMillis(90)), ms(r.latencyMillis(99)),
                    ms(r.latencyMillis(99.9)), ms(r.latencyMaxMillis())));
        }
        if (r.rssBefore() >= 0) {
            line(sb, "watched RSS", String.format(Locale.ROOT, "%.1f MiB -> %.1f MiB, %s bytes per connection",
                    r.rssBefore() / 1048576.0, r.rssAfter() / 1048576.0, num(r.rssPerConnection())));
        }
        if (r.window().watchedCpuSeconds() >= 0) {
            line(sb, "watched CPU", String.format(Locale.ROOT, "%.2f s in the window, %.3f ms per 1,000 delivered",
                    r.window().watchedCpuSeconds(), r.watchedCpuMsPer1000()));
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String label, String value) {
        sb.append(String.format(Locale.ROOT, "%-16s %s%n", label + ':', value));
    }

    static String num(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%,.0f", v);
    }

    static String pct(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.3f", v);
    }

    static String ms(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.3f", v);
    }
}
