package io.perch.dashboard.alarm;

import com.sun.management.GcInfo;

import java.lang.management.GarbageCollectorMXBean;
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
     * @param afterGc whether {@code used} is what the heap held after the last garbage
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
     * The heap as the last garbage collection left it: for the collection that ended last (of
     * every collector, young ones included), the sum of what each heap pool held after it. That
     * is the long-lived data plus old garbage not yet collected, without the young garbage that
     * makes heap in use swing between collections. (A pool's own after-collection figure would
     * not do: G1 on Java 17 updates its old generation's only at a full collection.) Before the
     * first collection, or on a JVM without these beans, the heap in use.
     */
    static Figure measure() {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        long max = heap.getMax() > 0 ? heap.getMax() : Runtime.getRuntime().maxMemory();
        GcInfo last = null;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof com.sun.management.GarbageCollectorMXBean hotspot) {
                GcInfo info = hotspot.getLastGcInfo();
                if (info != null && (last == null || info.getEndTime() > last.getEndTime())) {
                    last = info;
                }
            }
        }
        if (last == null) {
            return new Figure(heap.getUsed(), max, false);
        }
        long used = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            MemoryUsage after = p.getType() == MemoryType.HEAP ? last.getMemoryUsageAfterGc().get(p.getName()) : null;
            if (after != null) {
                used += after.getUsed();
            }
        }
        return new Figure(used, max, true);
    }
}
