package io.perch.dashboard.alarm;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The {@code jvm_heap_high/node} rule: raised when the heap the garbage collector could not free
 * is above {@code high} of the maximum heap, cleared once it is below {@code low}. The gap keeps
 * a heap hovering at the mark from raising and clearing at every check.
 *
 * <p>Threads: only the alarm timer (through {@link AlarmChecks#check}) calls {@link #check}; it
 * owns {@code raised}.
 */
final class HeapWatch {
    static final String NAME = "jvm_heap_high/node";

    /**
     * Heap in use and the maximum, in bytes.
     *
     * @param afterGc whether {@code used} is what the tenured pools held after their last
     *                collection (else it is the heap in use now, garbage included)
     */
    record Figure(long used, long max, boolean afterGc) {
    }

    private final double high;
    private final double low;
    private final Supplier<Figure> figure;
    private boolean raised;

    /** @param high, low shares of the maximum heap, {@code 0 <= low < high <= 1} */
    HeapWatch(double high, double low, Supplier<Figure> figure) {
        this.high = high;
        this.low = low;
        this.figure = figure;
    }

    void check(List<Condition> out) {
        Figure f = figure.get();
        if (f.max() <= 0) {
            return; // no maximum known: no share to compare
        }
        double share = (double) f.used() / f.max();
        raised = raised ? share >= low : share > high;
        if (!raised) {
            return;
        }
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("used_bytes", f.used());
        d.put("max_bytes", f.max());
        d.put("percent", percent(share));
        d.put("high_watermark", percent(high));
        d.put("low_watermark", percent(low));
        d.put("measured", f.afterGc() ? "after_gc" : "in_use");
        out.add(new Condition(NAME, "JVM heap " + (f.afterGc() ? "left after garbage collection" : "in use") + ": "
                + percent(share) + " % of the " + (f.max() >> 20) + " MB maximum (raised above " + percent(high)
                + " %, cleared below " + percent(low) + " %)", d));
    }

    private static double percent(double share) {
        return Math.round(share * 1000) / 10.0;
    }

    /**
     * What the old-generation pools ("G1 Old Gen", "PS Old Gen", "Tenured Gen"...) held after
     * their last collection: the long-lived data, without the garbage that makes heap in use swing
     * between collections. Each pool counts the lesser of that and what it holds now, because
     * some collectors (G1 on Java 17) update it only at a full collection: without the cap a
     * figure from one full GC would keep the alarm raised after the old generation was freed by
     * other collections. A JVM without such pools (Shenandoah, single-generation ZGC) gives the heap in use.
     */
    static Figure measure() {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        long max = heap.getMax() > 0 ? heap.getMax() : Runtime.getRuntime().maxMemory();
        long used = 0;
        boolean found = false;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() != MemoryType.HEAP || !p.isCollectionUsageThresholdSupported()
                    || !(p.getName().contains("Old") || p.getName().contains("Tenured"))) {
                continue;
            }
            MemoryUsage after = p.getCollectionUsage();
            MemoryUsage now = p.getUsage();
            if (after == null || now == null) {
                continue; // the pool is no longer valid
            }
            found = true;
            used += Math.min(after.getUsed(), now.getUsed());
        }
        return found ? new Figure(used, max, true) : new Figure(heap.getUsed(), max, false);
    }
}
