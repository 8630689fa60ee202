package io.perch.server.fault;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The checker of a fault run. Publishers record each message they hand to their client (sent)
 * and each one the broker acknowledged (PUBACK for QoS 1, PUBCOMP for QoS 2); subscribers
 * record every delivery. A message is named by (publisher, topic, sequence number) and the
 * payload carries publisher and sequence number, so a delivery names its message without any
 * state in the subscriber. {@link #summarize()} applies the rules: QoS 1 at least once
 * (duplicates counted, allowed), QoS 2 exactly once, no acknowledged message lost, first
 * deliveries in publishing order per publisher and topic.
 *
 * <p>Each topic is expected to have one subscriber: the ledger counts deliveries per message,
 * not per (subscriber, message). Thread-safe: publishers' and subscribers' callback threads
 * record concurrently.
 */
final class Ledger {
    /** One published message. */
    record Key(String publisher, String topic, long seq) {
    }

    /** One publisher's messages on one topic: the unit of ordering. */
    private record Stream(String publisher, String topic) {
    }

    private static final int EXAMPLES = 5;
    /** As the broker's log writes its times, to read a lost message's acknowledgement against the log. */
    private static final java.time.format.DateTimeFormatter ACK_TIME =
            java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(java.time.ZoneId.systemDefault());

    private final Map<Key, Integer> sentQos = new ConcurrentHashMap<>();
    /** When each acknowledged message was first acknowledged (wall clock, ms): a lost one's time places it among the faults. */
    private final Map<Key, Long> acked = new ConcurrentHashMap<>();
    private final Map<Key, AtomicInteger> deliveries = new ConcurrentHashMap<>();
    /** How each QoS 2 message arrived (connection, packet id, DUP), to tell a resend from a second routing. */
    private final Map<Key, List<String>> qos2Arrivals = new ConcurrentHashMap<>();
    // Guarded by this: the order of first deliveries is only meaningful under one lock.
    private final Map<Stream, Long> lastFirstDelivery = new HashMap<>();
    private final List<String> outOfOrderExamples = new ArrayList<>();
    private long outOfOrder;
    private final List<String> unexpectedExamples = new ArrayList<>();
    private long unexpected;
    /** The first messages delivered out of order, for the trail (guarded by this). */
    private final List<Key> outOfOrderKeys = new ArrayList<>();
    /**
     * Every send, acknowledgement and delivery with its time, in the order recorded: a failed
     * run's message shows the trail of the messages around each lost or reordered one
     * ({@link #trail}). About 80 bytes per event: a long run of 2 x 100,000 messages keeps some 50 MB.
     */
    private final java.util.concurrent.ConcurrentLinkedQueue<Event> journal = new java.util.concurrent.ConcurrentLinkedQueue<>();

    private record Event(long at, String what, Key key, String how) {
    }

    /** The payload a publisher sends: its id and the sequence number, as text. */
    static byte[] payload(String publisher, long seq) {
        return (publisher + " " + seq).getBytes(StandardCharsets.UTF_8);
    }

    /** Recorded before the message is handed to the client; calling it again for the same message is harmless. */
    void sent(String publisher, String topic, int qos, long seq) {
        Key key = new Key(publisher, topic, seq);
        if (sentQos.putIfAbsent(key, qos) == null) {
            journal.add(new Event(System.currentTimeMillis(), "sent", key, ""));
        }
    }

    /** The broker acknowledged the message (PUBACK / PUBCOMP). */
    void acked(String publisher, String topic, long seq) {
        long now = System.currentTimeMillis();
        Key key = new Key(publisher, topic, seq);
        if (acked.putIfAbsent(key, now) == null) {
            journal.add(new Event(now, "acked", key, ""));
        }
    }

    /** A subscriber got this PUBLISH (every delivery, duplicates included). */
    void delivered(String topic, byte[] payload) {
        delivered(topic, payload, "");
    }

    /**
     * The same, with how it arrived ({@code how}: the subscriber's connection, packet id, DUP
     * flag), kept for QoS 2 messages so that a duplicate's report says which path delivered it
     * twice: a resend of one outbound PUBLISH, or a second copy routed from a resent PUBLISH.
     */
    synchronized void delivered(String topic, byte[] payload, String how) {
        String text = new String(payload, StandardCharsets.UTF_8);
        int space = text.lastIndexOf(' ');
        Key key;
        try {
            key = new Key(text.substring(0, space), topic, Long.parseLong(text.substring(space + 1)));
        } catch (RuntimeException e) {
            unexpected(topic + " '" + text + "' (not a ledger payload)");
            return;
        }
        journal.add(new Event(System.currentTimeMillis(), "delivered", key, how));
        if (!sentQos.containsKey(key)) {
            unexpected(key + " (never sent)");
        } else if (sentQos.get(key) == 2 && !how.isEmpty()) {
            qos2Arrivals.computeIfAbsent(key, k -> new ArrayList<>(1)).add(how);
        }
        if (deliveries.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet() > 1) {
            return; // a duplicate: counted in the summary, not part of the order
        }
        Stream stream = new Stream(key.publisher(), topic);
        Long last = lastFirstDelivery.get(stream);
        if (last != null && key.seq() < last) {
            outOfOrder++;
            if (outOfOrderKeys.size() < EXAMPLES) {
                outOfOrderKeys.add(key);
            }
            if (outOfOrderExamples.size() < EXAMPLES) {
                outOfOrderExamples.add(key.publisher() + "@" + topic + " " + key.seq() + " after " + last);
            }
        } else {
            lastFirstDelivery.put(stream, key.seq());
        }
    }

    private void unexpected(String what) {
        unexpected++;
        if (unexpectedExamples.size() < EXAMPLES) {
            unexpectedExamples.add(what);
        }
    }

    long sentCount() {
        return sentQos.size();
    }

    long ackedCount() {
        return acked.size();
    }

    long ackedBy(String publisher) {
        return acked.keySet().stream().filter(k -> k.publisher().equals(publisher)).count();
    }

    /** How many of {@code publisher}'s messages numbered above {@code seq} are acknowledged. */
    long ackedAbove(String publisher, long seq) {
        return acked.keySet().stream().filter(k -> k.publisher().equals(publisher) && k.seq() > seq).count();
    }

    /** Acknowledged but not (yet) delivered: what a run waits to reach zero. */
    long ackedNotDelivered() {
        return acked.keySet().stream().filter(k -> !deliveries.containsKey(k)).count();
    }

    synchronized Summary summarize() {
        long delivered = 0;
        long dup1 = 0;
        long dup2 = 0;
        for (Map.Entry<Key, AtomicInteger> d : deliveries.entrySet()) {
            Integer qos = sentQos.get(d.getKey());
            if (qos == null) {
                continue; // counted as unexpected
            }
            delivered++;
            int extra = d.getValue().get() - 1;
            if (qos == 1) {
                dup1 += extra;
            } else if (qos == 2) {
                dup2 += extra;
            }
        }
        List<Key> lost = acked.keySet().stream().filter(k -> !deliveries.containsKey(k))
                .sorted(Comparator.comparing(Key::publisher).thenComparing(Key::topic).thenComparingLong(Key::seq))
                .toList();
        List<String> qos2Dups = deliveries.entrySet().stream()
                .filter(d -> Integer.valueOf(2).equals(sentQos.get(d.getKey())) && d.getValue().get() > 1)
                .limit(EXAMPLES).map(d -> d.getKey() + " x" + d.getValue().get()
                        + qos2Arrivals.getOrDefault(d.getKey(), List.of())).toList();
        return new Summary(sentQos.size(), acked.size(), delivered, dup1, dup2, lost.size(), outOfOrder, unexpected,
                lost.stream().limit(EXAMPLES).map(k -> k + " acked at " + ACK_TIME.format(Instant.ofEpochMilli(acked.get(k))))
                        .toList(), qos2Dups,
                List.copyOf(outOfOrderExamples), List.copyOf(unexpectedExamples));
    }

    /** The first few lost messages and those delivered out of order: where a failed run's trail looks. */
    synchronized List<Key> problemKeys() {
        List<Key> keys = new ArrayList<>(acked.keySet().stream().filter(k -> !deliveries.containsKey(k))
                .sorted(Comparator.comparing(Key::publisher).thenComparing(Key::topic).thenComparingLong(Key::seq))
                .limit(EXAMPLES).toList());
        keys.addAll(outOfOrderKeys);
        return keys;
    }

    /**
     * The journal's events for the messages within {@code around} sequence numbers of each of
     * {@code keys} (same publisher and topic), in the order they happened, at most {@code max}
     * lines: when each was sent, acknowledged and delivered (with the delivery's connection,
     * packet id and DUP flag), so a lost message can be placed against its neighbours and the
     * broker's timeline.
     */
    String trail(List<Key> keys, int around, int max) {
        List<String> lines = new ArrayList<>();
        for (Event e : journal) {
            boolean near = false;
            for (Key k : keys) {
                if (k.publisher().equals(e.key().publisher()) && k.topic().equals(e.key().topic())
                        && Math.abs(k.seq() - e.key().seq()) <= around) {
                    near = true;
                    break;
                }
            }
            if (near) {
                lines.add(ACK_TIME.format(Instant.ofEpochMilli(e.at())) + " " + e.what() + " " + e.key().publisher()
                        + " " + e.key().seq() + (e.how().isEmpty() ? "" : " (" + e.how() + ")"));
            }
        }
        if (lines.size() > max) {
            int cut = lines.size() - max;
            lines = new ArrayList<>(lines.subList(0, max));
            lines.add("... " + cut + " more");
        }
        return String.join("\n", lines);
    }

    /** The counts of a run and a few examples of each problem. */
    record Summary(long sent, long acked, long delivered, long duplicatesQos1, long duplicatesQos2, long lost,
                   long outOfOrder, long unexpected, List<String> lostExamples, List<String> qos2DuplicateExamples,
                   List<String> outOfOrderExamples, List<String> unexpectedExamples) {

        /** Zero lost, zero QoS 2 duplicates, in order, nothing delivered that was not sent. QoS 1 duplicates are allowed. */
        boolean ok() {
            return lost == 0 && duplicatesQos2 == 0 && outOfOrder == 0 && unexpected == 0;
        }

        /** One line for the test output. */
        String line() {
            return "sent=" + sent + " acked=" + acked + " delivered(unique)=" + delivered
                    + " duplicates(qos1)=" + duplicatesQos1 + " duplicates(qos2)=" + duplicatesQos2
                    + " lost=" + lost + " out-of-order=" + outOfOrder + " unexpected=" + unexpected
                    + (ok() ? " OK" : " FAILED");
        }

        /** What broke the rules, with examples; empty when {@link #ok()}. */
        String problems() {
            StringBuilder b = new StringBuilder();
            if (lost > 0) {
                b.append("lost (acknowledged, never delivered): ").append(lost).append(", e.g. ").append(lostExamples).append('\n');
            }
            if (duplicatesQos2 > 0) {
                b.append("QoS 2 delivered more than once: ").append(duplicatesQos2).append(", e.g. ")
                        .append(qos2DuplicateExamples).append('\n');
            }
            if (outOfOrder > 0) {
                b.append("out of order: ").append(outOfOrder).append(", e.g. ").append(outOfOrderExamples).append('\n');
            }
            if (unexpected > 0) {
                b.append("delivered but never sent: ").append(unexpected).append(", e.g. ").append(unexpectedExamples).append('\n');
            }
            return b.toString();
        }
    }
}
