package io.perch.dashboard.alarm;

import io.perch.broker.api.BrokerService;
import io.perch.broker.message.Message;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * This node's active alarms and the history of cleared ones (the newest {@code historySize}, in
 * memory only: a restart forgets them). {@link #update} raises an alarm for each condition not yet
 * raised, refreshes the ones still true and clears the others; each raise and clear is logged once
 * (WARN, INFO) and published on {@code $SYS/brokers/<node>/alarms/activate} or {@code .../deactivate},
 * as EMQ X 4 does.
 *
 * <p>Threads: only the dashboard's alarm timer calls {@link #update}; HTTP threads read copies
 * and clear the history. Both hold this object's monitor while touching the maps; the log and
 * $SYS publishes happen outside it.
 */
public final class AlarmBook {
    private static final Logger log = LoggerFactory.getLogger(AlarmBook.class);
    /** The history kept when not told otherwise: bounded, so a flapping condition cannot grow the heap. */
    public static final int DEFAULT_HISTORY = 1000;

    private final BrokerService broker;
    private final ObjectMapper mapper;
    private final int historySize;
    private final Map<String, Alarm> active = new LinkedHashMap<>();
    private final ArrayDeque<Alarm> history = new ArrayDeque<>();

    public AlarmBook(BrokerService broker, ObjectMapper mapper, int historySize) {
        this.broker = broker;
        this.mapper = mapper;
        this.historySize = historySize;
    }

    /** Applies one check's conditions (those that are true now) at {@code now}. */
    void update(Collection<Condition> now, long at) {
        List<Alarm> raised = new ArrayList<>();
        List<Alarm> cleared = new ArrayList<>();
        synchronized (this) {
            Map<String, Condition> byName = new LinkedHashMap<>();
            now.forEach(c -> byName.put(c.name(), c));
            for (var it = active.values().iterator(); it.hasNext(); ) {
                Alarm a = it.next();
                if (!byName.containsKey(a.name())) {
                    it.remove();
                    Alarm done = a.cleared(at);
                    if (history.size() == historySize) {
                        history.pollFirst();
                    }
                    history.addLast(done);
                    cleared.add(done);
                }
            }
            for (Condition c : byName.values()) {
                Alarm was = active.get(c.name());
                Alarm a = new Alarm(c.name(), c.message(), c.details(), was == null ? at : was.activatedAt(), 0,
                        broker.nodeName());
                active.put(c.name(), a);
                if (was == null) {
                    raised.add(a);
                }
            }
        }
        for (Alarm a : raised) {
            log.warn("alarm raised: {}: {}", a.name(), a.message());
            publish("activate", a);
        }
        for (Alarm a : cleared) {
            log.info("alarm cleared: {} (raised {} s before)", a.name(), (a.deactivatedAt() - a.activatedAt()) / 1000);
            publish("deactivate", a);
        }
    }

    public synchronized List<Alarm> active() {
        return new ArrayList<>(active.values());
    }

    /** Cleared alarms, newest first. */
    public synchronized List<Alarm> history() {
        List<Alarm> out = new ArrayList<>(history);
        java.util.Collections.reverse(out);
        return out;
    }

    /** Forgets the cleared alarms; the active ones stay. Returns how many were forgotten. */
    public synchronized int clearHistory() {
        int n = history.size();
        history.clear();
        return n;
    }

    public int historySize() {
        return historySize;
    }

    /** EMQ X 4's payload: name, message, details, activate_at / deactivate_at (epoch ms here), node. */
    private void publish(String what, Alarm a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", a.name());
        m.put("message", a.message());
        m.put("details", a.details());
        m.put("activate_at", a.activatedAt());
        if (!a.active()) {
            m.put("deactivate_at", a.deactivatedAt());
        }
        m.put("node", a.node());
        try {
            byte[] payload = mapper.writeValueAsBytes(m);
            Message msg = broker.newMessage("$SYS/brokers/" + broker.nodeName() + "/alarms/" + what, payload, 0, false, "$SYS");
            broker.publish(msg).exceptionally(e -> {
                log.debug("publishing alarm {} on $SYS failed", a.name(), e);
                return 0;
            });
        } catch (Exception e) {
            log.debug("publishing alarm {} on $SYS failed", a.name(), e);
        }
    }
}
