package io.perch.broker.status;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The storage backends' {@link BackendStatus}es of one node, by backend name (e.g. "redis"):
 * plugins add theirs at start and remove them at stop; the dashboard reads them. Thread-safe.
 */
public final class BackendStatuses {
    private final Map<String, BackendStatus> backends = new LinkedHashMap<>();

    public synchronized void register(String name, BackendStatus status) {
        backends.put(name, status);
    }

    public synchronized void unregister(String name) {
        backends.remove(name);
    }

    /** A snapshot of each registered backend, in registration order; one that throws is left out. */
    public Map<String, BackendStatus.Snapshot> snapshots() {
        Map<String, BackendStatus> copy;
        synchronized (this) {
            copy = new LinkedHashMap<>(backends);
        }
        Map<String, BackendStatus.Snapshot> out = new LinkedHashMap<>();
        copy.forEach((name, s) -> {
            try {
                BackendStatus.Snapshot snap = s.snapshot();
                if (snap != null) {
                    out.put(name, snap);
                }
            } catch (RuntimeException e) {
                // A broken report must not take the dashboard page down; the backend logs its own failures.
            }
        });
        return out;
    }
}
